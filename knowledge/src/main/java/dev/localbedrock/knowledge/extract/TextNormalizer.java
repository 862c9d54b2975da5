package dev.localbedrock.knowledge.extract;

/**
 * The one text shape every format ends in, which the chunker relies on: LF line ends, a blank line (and only one)
 * between paragraphs, no trailing spaces, no control characters but tab and LF, no blank lines at either end.
 * Leading indentation is kept (Markdown code blocks need it). Form feeds and paragraph separators become paragraph
 * breaks.
 */
final class TextNormalizer {
    private TextNormalizer() {
    }

    static String normalize(String raw) {
        StringBuilder out = new StringBuilder(raw.length());
        StringBuilder line = new StringBuilder();
        boolean blankPending = false;
        int length = raw.length();
        for (int i = 0; i <= length; i++) {
            char c = i < length ? raw.charAt(i) : '\n';
            boolean paragraphBreak = c == '\f' || c == '\u2029';
            boolean lineBreak = c == '\n' || c == '\r' || c == '\u2028' || c == '\u000B' || c == '\u0085';
            if (c == '\r' && i + 1 < length && raw.charAt(i + 1) == '\n') {
                continue; // CRLF: the LF that follows ends the line
            }
            if (lineBreak || paragraphBreak) {
                stripTrailing(line);
                if (line.isEmpty()) {
                    blankPending = true;
                } else {
                    if (!out.isEmpty()) {
                        out.append(blankPending ? "\n\n" : "\n");
                    }
                    out.append(line);
                    blankPending = false;
                }
                blankPending |= paragraphBreak;
                line.setLength(0);
                continue;
            }
            if (c == '\uFEFF' || (Character.isISOControl(c) && c != '\t')) {
                continue; // byte-order marks and control characters carry no text
            }
            line.append(c);
        }
        return out.toString();
    }

    private static void stripTrailing(StringBuilder line) {
        int end = line.length();
        while (end > 0 && Character.isWhitespace(line.charAt(end - 1)) || end > 0 && line.charAt(end - 1) == '\u00A0') {
            end--;
        }
        line.setLength(end);
        boolean blank = true;
        for (int i = 0; i < line.length() && blank; i++) {
            blank = Character.isWhitespace(line.charAt(i)) || line.charAt(i) == '\u00A0';
        }
        if (blank) {
            line.setLength(0);
        }
    }
}
