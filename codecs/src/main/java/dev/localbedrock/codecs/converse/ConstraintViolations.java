package dev.localbedrock.codecs.converse;

import dev.localbedrock.codecs.BedrockException;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the service-model constraint violations of a Converse body (required members, ranges, lengths,
 * patterns, enums) and reports them all at once in the words every AWS service uses for its Smithy constraints:
 * {@code 1 validation error detected: Value '0' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member
 * must have value greater than or equal to 1}. Member paths are dotted, list items 1-based with {@code .member}
 * ({@code messages.2.member.content}), as the real messages write them.
 */
final class ConstraintViolations {

    private final List<String> violations = new ArrayList<>(2);

    void add(String value, String path, String constraint) {
        violations.add("Value " + value + " at '" + path + "' failed to satisfy constraint: " + constraint);
    }

    void missing(String path) {
        add("null", path, "Member must not be null");
    }

    boolean isEmpty() {
        return violations.isEmpty();
    }

    /** @throws BedrockException ValidationException listing every violation, when there is any */
    void throwIfAny() {
        if (violations.isEmpty()) {
            return;
        }
        int n = violations.size();
        throw BedrockException.validation(n + " validation error" + (n == 1 ? "" : "s") + " detected: "
                + String.join("; ", violations));
    }

    /** The value as AWS quotes it in these messages; long client text is clipped so errors stay small. */
    static String quoted(String text) {
        String clipped = text.length() <= 200 ? text : text.substring(0, 200) + "...";
        return "'" + clipped + "'";
    }

    /** The 1-based list-item path of item {@code index} of the list at {@code path}. */
    static String item(String path, int index) {
        return path + "." + (index + 1) + ".member";
    }
}
