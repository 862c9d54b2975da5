package dev.localbedrock.runtime.iam;

/**
 * Policy variables ({@code ${aws:username}}, {@code ${aws:PrincipalTag/team}}), replaced by the request's value of
 * that key, in {@code Resource} and in string and ARN condition values of a 2012-10-17 document. IAM's escapes
 * {@code ${*}}, {@code ${?}} and {@code ${$}} stand for the literal characters. A variable whose key the request
 * lacks makes the element match nothing, unless it gives a default ({@code ${aws:username, 'nobody'}}).
 */
final class PolicyVariables {
    private PolicyVariables() {}

    static boolean has(String text) {
        return text.contains("${");
    }

    /** The text with its variables replaced, or null when a variable has no value and no default. */
    static String substitute(String text, RequestContext context) {
        if (!has(text)) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        int i = 0;
        while (i < text.length()) {
            int open = text.indexOf("${", i);
            int close = open < 0 ? -1 : text.indexOf('}', open + 2);
            if (open < 0 || close < 0) {
                out.append(text, i, text.length());
                break;
            }
            out.append(text, i, open);
            String body = text.substring(open + 2, close).trim();
            String replacement = replacement(body, context);
            if (replacement == null) {
                return null;
            }
            out.append(replacement);
            i = close + 1;
        }
        return out.toString();
    }

    private static String replacement(String body, RequestContext context) {
        switch (body) {
            case "*", "?", "$":
                // Escapes: the literal character, which then must not act as a wildcard. IAM documents these as
                // literals; a literal '*' in a glob cannot be written otherwise, so this is the closest we get.
                return body;
            default:
                break;
        }
        String key = body;
        String fallback = null;
        int comma = body.indexOf(',');
        if (comma >= 0) {
            key = body.substring(0, comma).trim();
            String rest = body.substring(comma + 1).trim();
            if (rest.length() >= 2 && rest.startsWith("'") && rest.endsWith("'")) {
                fallback = rest.substring(1, rest.length() - 1);
            }
        }
        String value = context.value(key);
        return value != null ? value : fallback;
    }
}
