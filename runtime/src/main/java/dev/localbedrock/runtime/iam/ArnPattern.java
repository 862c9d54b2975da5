package dev.localbedrock.runtime.iam;

/**
 * ARN matching as IAM does it for {@code Resource} and the {@code Arn*} operators: both ARNs are cut into their six
 * parts ({@code arn:partition:service:region:account:resource}, the resource part keeping its own colons and
 * slashes) and each part is matched on its own, so a wildcard never runs across a part boundary. A lone {@code *}
 * matches every resource. Case-sensitive, as ARNs are.
 */
final class ArnPattern {
    private ArnPattern() {}

    static boolean matches(String pattern, String arn) {
        if (pattern.equals("*")) {
            return true;
        }
        if (!Wildcard.hasWildcard(pattern)) {
            return pattern.equals(arn);
        }
        String[] want = split(pattern);
        String[] have = split(arn);
        if (want == null || have == null) {
            // Not an ARN (a name like "my-example-widget"): IAM then compares the whole string.
            return want == null && have == null && Wildcard.matches(pattern, arn, false);
        }
        for (int i = 0; i < 6; i++) {
            if (!Wildcard.matches(want[i], have[i], false)) {
                return false;
            }
        }
        return true;
    }

    /** The six parts, or null when the text has fewer than five colons or does not start with "arn". */
    static String[] split(String arn) {
        String[] parts = new String[6];
        int start = 0;
        for (int i = 0; i < 5; i++) {
            int colon = arn.indexOf(':', start);
            if (colon < 0) {
                return null;
            }
            parts[i] = arn.substring(start, colon);
            start = colon + 1;
        }
        parts[5] = arn.substring(start);
        return parts;
    }
}
