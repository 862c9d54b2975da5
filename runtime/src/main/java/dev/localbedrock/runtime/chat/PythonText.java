package dev.localbedrock.runtime.chat;

/** Python's notion of whitespace, which {@code str.strip()} and jinja2's {@code trim} use. */
final class PythonText {
    private PythonText() {
    }

    /**
     * Python's {@code str.isspace()} for one code point: Java's whitespace plus the no-break spaces Java leaves out
     * (U+00A0, U+2007, U+202F) and NEL (U+0085).
     */
    static boolean isSpace(int c) {
        return Character.isWhitespace(c) || c == 0x85 || c == 0xA0 || c == 0x2007 || c == 0x202F;
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        if (left) {
            while (start < end && stripped(s.charAt(start), chars)) {
                start++;
            }
        }
        if (right) {
            while (end > start && stripped(s.charAt(end - 1), chars)) {
                end--;
            }
        }
        return s.substring(start, end);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }
}
