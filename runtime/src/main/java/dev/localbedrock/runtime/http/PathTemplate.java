package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockException;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A path as AWS API models write it ({@code /model/{modelId}/invoke}): literal segments and whole-segment
 * parameters. Identifiers arrive percent-encoded as one path segment (an ARN such as
 * {@code arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Fmeta.llama2-13b-chat-v1} keeps its ':' and '/'
 * encoded), so a path is split on '/' first, compared raw, and only then is each parameter segment decoded on its
 * own; decoding the whole path first would split an ARN in two.
 */
final class PathTemplate {
    private final String text;
    /** One entry per segment after the leading '/': the literal, or null where a parameter stands. */
    private final List<String> literals;
    /** Parameter names by segment index; null for literal segments. */
    private final List<String> parameters;

    private PathTemplate(String text, List<String> literals, List<String> parameters) {
        this.text = text;
        this.literals = literals;
        this.parameters = parameters;
    }

    static PathTemplate parse(String template) {
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("A path template starts with '/': " + template);
        }
        List<String> literals = new ArrayList<>();
        List<String> parameters = new ArrayList<>();
        for (String segment : splitAfterLeadingSlash(template)) {
            if (segment.startsWith("{") && segment.endsWith("}") && segment.length() > 2) {
                literals.add(null);
                parameters.add(segment.substring(1, segment.length() - 1));
            } else if (segment.contains("{") || segment.contains("}")) {
                throw new IllegalArgumentException("A parameter takes a whole segment: " + template);
            } else {
                literals.add(segment);
                parameters.add(null);
            }
        }
        if (parameters.stream().filter(p -> p != null).distinct().count()
                != parameters.stream().filter(p -> p != null).count()) {
            throw new IllegalArgumentException("A parameter appears twice: " + template);
        }
        // unmodifiableList, not List.copyOf: the lists hold nulls.
        return new PathTemplate(template, Collections.unmodifiableList(literals),
                Collections.unmodifiableList(parameters));
    }

    /**
     * The segments of a request path after its leading '/', still encoded; null when the path does not start with
     * '/' (no template can match it).
     */
    static String[] segments(String path) {
        return path.startsWith("/") ? splitAfterLeadingSlash(path) : null;
    }

    private static String[] splitAfterLeadingSlash(String path) {
        return path.substring(1).split("/", -1);
    }

    /** Whether raw (still encoded) segments have this shape: same count, same literals. */
    boolean matches(String[] segments) {
        if (segments == null || segments.length != literals.size()) {
            return false;
        }
        for (int i = 0; i < segments.length; i++) {
            String literal = literals.get(i);
            if (literal != null && !literal.equals(segments[i])) {
                return false;
            }
        }
        return true;
    }

    /** The decoded parameters of segments that {@link #matches} this template. */
    Map<String, String> parameters(String[] segments) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < segments.length; i++) {
            String name = parameters.get(i);
            if (name != null) {
                values.put(name, percentDecode(segments[i], name));
            }
        }
        return values;
    }

    /** Whether the template's first segment is the literal {@code segment}. */
    boolean startsWithLiteral(String segment) {
        return !literals.isEmpty() && segment.equals(literals.get(0));
    }

    /** How many segments are literals: the more, the more specific. */
    int literalCount() {
        return (int) literals.stream().filter(l -> l != null).count();
    }

    /** Whether both templates match exactly the same paths (parameter names aside). */
    boolean sameShape(PathTemplate other) {
        return literals.equals(other.literals);
    }

    @Override
    public String toString() {
        return text;
    }

    /**
     * RFC 3986 percent-decoding of one path segment ('+' stays '+', unlike form decoding); a malformed escape is
     * the client's error, naming the parameter.
     */
    static String percentDecode(String segment, String parameter) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%') {
                if (i + 2 >= segment.length()) {
                    throw malformed(parameter);
                }
                int hi = Character.digit(segment.charAt(i + 1), 16);
                int lo = Character.digit(segment.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw malformed(parameter);
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static BedrockException malformed(String parameter) {
        return BedrockException.validation("Malformed percent-encoding in the " + parameter + " path segment.");
    }
}
