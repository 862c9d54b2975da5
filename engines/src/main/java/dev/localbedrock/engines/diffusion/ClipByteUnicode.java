package dev.localbedrock.engines.diffusion;

/**
 * CLIP's (and GPT-2's) reversible map from UTF-8 bytes to printable code points, so BPE runs on strings that never
 * hold a space or a control character. The printable Latin-1 bytes ({@code !}..{@code ~}, {@code ¡}..{@code ¬},
 * {@code ®}..{@code ÿ}) map to themselves; the other 68 bytes map, in byte order, to U+0100 upwards.
 *
 * <p>The order matters beyond the mapping itself: a CLIP {@code vocab.json} starts with these 256 symbols in this
 * order (ids 0..255), then the same symbols with {@code </w>} (ids 256..511).
 */
final class ClipByteUnicode {

    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Bytes in the order the vocabulary lists their symbols. */
    private static final int[] VOCAB_ORDER = new int[256];

    static {
        boolean[] printable = new boolean[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
                printable[b] = true;
                BYTE_TO_CHAR[b] = (char) b;
                VOCAB_ORDER[n++] = b;
            }
        }
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            if (!printable[b]) {
                BYTE_TO_CHAR[b] = (char) (256 + shifted++);
                VOCAB_ORDER[n++] = b;
            }
        }
    }

    private ClipByteUnicode() {
    }

    /** The printable symbol standing for one byte ({@code b} in 0..255). */
    static char symbol(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte whose symbol is the {@code index}-th base entry of a CLIP vocabulary (0..255). */
    static int byteAtVocabIndex(int index) {
        return VOCAB_ORDER[index];
    }

    /** Each UTF-8 byte of {@code text} as its symbol. */
    static String encode(String text) {
        byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(utf8.length);
        for (byte b : utf8) {
            out.append(BYTE_TO_CHAR[b & 0xFF]);
        }
        return out.toString();
    }
}
