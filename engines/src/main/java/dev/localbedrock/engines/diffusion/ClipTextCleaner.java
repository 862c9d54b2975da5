package dev.localbedrock.engines.diffusion;

import java.text.Normalizer;
import java.util.Locale;

/**
 * The text cleanup transformers' {@code CLIPTokenizer} applies when {@code ftfy} is not installed (its
 * {@code BasicTokenizer} with accents kept and no punctuation split): drop NUL, U+FFFD and control/format/unassigned
 * characters; turn whitespace into spaces; put spaces around CJK ideographs (so each becomes its own word); NFC;
 * lowercase; collapse runs of whitespace to one space and trim.
 *
 * <p>ftfy's mojibake repair is not reproduced: for well-formed text the two paths agree except on CJK runs, which ftfy's
 * path keeps together.
 */
final class ClipTextCleaner {

    private ClipTextCleaner() {
    }

    static String clean(String text) {
        StringBuilder kept = new StringBuilder(text.length() + 8);
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                return;
            }
            if (isWhitespace(cp)) {
                kept.append(' ');
            } else if (isCjkIdeograph(cp)) {
                kept.append(' ').appendCodePoint(cp).append(' ');
            } else {
                kept.appendCodePoint(cp);
            }
        });
        String normalised = Normalizer.normalize(kept, Normalizer.Form.NFC);
        StringBuilder out = new StringBuilder(normalised.length());
        for (String word : splitOnWhitespace(normalised)) {
            if (out.length() > 0) {
                out.append(' ');
            }
            out.append(word.toLowerCase(Locale.ROOT));
        }
        return out.toString();
    }

    /** Python's {@code str.split()}: on spaces and the line/paragraph separators (controls are gone by now). */
    private static String[] splitOnWhitespace(String text) {
        String trimmed = text.replaceAll("[ \u2028\u2029\\p{Zs}]+", " ").strip();
        return trimmed.isEmpty() ? new String[0] : trimmed.split(" ");
    }

    /** Tab, newline and carriage return count as whitespace, not control. */
    private static boolean isWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    /** Unicode category C* (Cc, Cf, Cn, Co, Cs), except the whitespace controls. */
    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.UNASSIGNED
                || type == Character.PRIVATE_USE || type == Character.SURROGATE;
    }

    /** The CJK Unified Ideographs blocks and their extensions / compatibility blocks. */
    private static boolean isCjkIdeograph(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
