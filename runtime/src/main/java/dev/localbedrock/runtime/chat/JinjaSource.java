package dev.localbedrock.runtime.chat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The one source rewrite a chat template gets before Jinjava compiles it, for the one place where Jinjava parses
 * Jinja differently from jinja2 and no setting or function can bridge it: the precedence of {@code not}. In jinja2
 * {@code not} binds looser than comparisons, {@code in}, {@code is} tests and filters, so
 * {@code not '<<SYS>>' in content} means {@code not ('<<SYS>>' in content)} and {@code not tools is defined} means
 * {@code not (tools is defined)}; Jinjava applies {@code not} to the operand right after it. The rewrite adds the
 * parentheses jinja2's grammar implies: {@code not X} becomes {@code not (X)}, where X runs to the next
 * {@code and}, {@code or}, {@code if}, {@code else}, comma or closing bracket at the same nesting depth. String
 * literals, {@code is not} and {@code not in} are left alone, as is all text outside {@code {{ }}} and
 * {@code {% %}}.
 */
final class JinjaSource {
    private static final List<String> ENDS_NOT = List.of("and", "or", "if", "else");

    private JinjaSource() {
    }

    static String rewrite(String template) {
        StringBuilder out = new StringBuilder(template.length() + 16);
        int i = 0;
        int n = template.length();
        while (i < n) {
            int open = nextOpening(template, i);
            if (open < 0) {
                out.append(template, i, n);
                break;
            }
            out.append(template, i, open + 2);
            char kind = template.charAt(open + 1);
            if (kind == '#') {
                int close = template.indexOf("#}", open + 2);
                int end = close < 0 ? n : close + 2;
                out.append(template, open + 2, end);
                i = end;
                continue;
            }
            String closing = kind == '{' ? "}}" : "%}";
            int close = closingDelimiter(template, open + 2, closing);
            if (close < 0) {
                out.append(template, open + 2, n);
                break;
            }
            out.append(rewriteExpression(template.substring(open + 2, close))).append(closing);
            i = close + 2;
        }
        return out.toString();
    }

    private static int nextOpening(String s, int from) {
        int at = from;
        while ((at = s.indexOf('{', at)) >= 0 && at + 1 < s.length()) {
            char c = s.charAt(at + 1);
            if (c == '{' || c == '%' || c == '#') {
                return at;
            }
            at++;
        }
        return -1;
    }

    /** The closing delimiter, skipping any inside string literals. */
    private static int closingDelimiter(String s, int from, String closing) {
        int i = from;
        while (i < s.length() - 1) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                i = endOfString(s, i);
                continue;
            }
            if (s.startsWith(closing, i)) {
                return i;
            }
            i++;
        }
        return -1;
    }

    private static int endOfString(String s, int start) {
        char quote = s.charAt(start);
        int i = start + 1;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == quote) {
                return i + 1;
            }
            i++;
        }
        return s.length();
    }

    static String rewriteExpression(String expression) {
        if (!expression.contains("not")) {
            return expression;
        }
        List<String> tokens = tokens(expression);
        StringBuilder out = new StringBuilder(expression.length() + 8);
        Deque<Integer> openNots = new ArrayDeque<>();
        int depth = 0;
        for (int t = 0; t < tokens.size(); t++) {
            String token = tokens.get(t);
            if (ENDS_NOT.contains(token) || token.equals(",")) {
                closeAt(out, openNots, depth);
            } else if (token.equals(")") || token.equals("]") || token.equals("}")) {
                closeAt(out, openNots, depth);
                depth--;
            } else if (token.equals("(") || token.equals("[") || token.equals("{")) {
                depth++;
            }
            if (token.equals("not") && !"is".equals(previousWord(tokens, t)) && !"in".equals(nextWord(tokens, t))) {
                out.append("not (");
                openNots.push(depth);
                while (t + 1 < tokens.size() && tokens.get(t + 1).isBlank()) {
                    t++;
                }
                continue;
            }
            out.append(token);
        }
        // whitespace control (the '-' of "-%}") stays outside the parentheses
        int trailing = out.length();
        while (trailing > 0 && (Character.isWhitespace(out.charAt(trailing - 1)) || out.charAt(trailing - 1) == '-'
                || out.charAt(trailing - 1) == '+')) {
            trailing--;
        }
        String tail = out.substring(trailing);
        out.setLength(trailing);
        while (!openNots.isEmpty()) {
            openNots.pop();
            out.append(')');
        }
        return out.append(tail).toString();
    }

    private static void closeAt(StringBuilder out, Deque<Integer> openNots, int depth) {
        while (!openNots.isEmpty() && openNots.peek() == depth) {
            openNots.pop();
            int end = out.length();
            while (end > 0 && Character.isWhitespace(out.charAt(end - 1))) {
                end--;
            }
            out.insert(end, ')');
        }
    }

    private static String previousWord(List<String> tokens, int t) {
        for (int i = t - 1; i >= 0; i--) {
            if (!tokens.get(i).isBlank()) {
                return tokens.get(i);
            }
        }
        return null;
    }

    private static String nextWord(List<String> tokens, int t) {
        for (int i = t + 1; i < tokens.size(); i++) {
            if (!tokens.get(i).isBlank()) {
                return tokens.get(i);
            }
        }
        return null;
    }

    /** Words, string literals, runs of whitespace and single other characters, in order; joined they are the input. */
    private static List<String> tokens(String s) {
        List<String> tokens = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int end;
            if (c == '\'' || c == '"') {
                end = endOfString(s, i);
            } else if (Character.isLetterOrDigit(c) || c == '_') {
                end = i;
                while (end < s.length() && (Character.isLetterOrDigit(s.charAt(end)) || s.charAt(end) == '_')) {
                    end++;
                }
            } else if (Character.isWhitespace(c)) {
                end = i;
                while (end < s.length() && Character.isWhitespace(s.charAt(end))) {
                    end++;
                }
            } else {
                end = i + 1;
            }
            tokens.add(s.substring(i, end));
            i = end;
        }
        return tokens;
    }
}
