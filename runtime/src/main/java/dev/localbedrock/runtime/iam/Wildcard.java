package dev.localbedrock.runtime.iam;

/**
 * IAM's glob: {@code *} matches any run of characters (none included), {@code ?} exactly one; nothing else is
 * special. Matching is iterative with one backtrack point, so a hostile pattern cannot make it exponential.
 */
final class Wildcard {
    private Wildcard() {}

    static boolean hasWildcard(String pattern) {
        return pattern.indexOf('*') >= 0 || pattern.indexOf('?') >= 0;
    }

    static boolean matches(String pattern, String text, boolean ignoreCase) {
        int p = 0;
        int t = 0;
        int star = -1;
        int mark = 0;
        int pn = pattern.length();
        int tn = text.length();
        while (t < tn) {
            if (p < pn) {
                char pc = pattern.charAt(p);
                if (pc == '*') {
                    star = p++;
                    mark = t;
                    continue;
                }
                if (pc == '?' || same(pc, text.charAt(t), ignoreCase)) {
                    p++;
                    t++;
                    continue;
                }
            }
            if (star < 0) {
                return false;
            }
            p = star + 1;
            t = ++mark;
        }
        while (p < pn && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pn;
    }

    private static boolean same(char a, char b, boolean ignoreCase) {
        if (a == b) {
            return true;
        }
        return ignoreCase && Character.toLowerCase(a) == Character.toLowerCase(b);
    }
}
