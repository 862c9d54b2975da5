package dev.localbedrock.engines.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Finds the ids of SentencePiece byte-fallback tokens ({@code <0xE2>}, ...) by encoding characters that need them. */
final class ByteTokens {
    private ByteTokens() {
    }

    /** Ids of the byte tokens for {@code bytes}, discovered through the tokenizer itself. */
    static int[] ids(HfTextTokenizer tokenizer, int... bytes) {
        Map<String, Integer> found = new HashMap<>();
        for (int cp = 0x80; cp < 0x10000 && !allFound(found, bytes); cp++) {
            if (Character.isSurrogate((char) cp)) {
                continue;
            }
            String s = new String(Character.toChars(cp));
            List<String> tokens = tokenizer.tokens(s);
            int[] ids = tokenizer.encode(s, false);
            for (int i = 0; i < tokens.size(); i++) {
                if (tokens.get(i).startsWith("<0x")) {
                    found.putIfAbsent(tokens.get(i), ids[i]);
                }
            }
        }
        int[] out = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            Integer id = found.get(name(bytes[i]));
            if (id == null) {
                throw new IllegalStateException("no character falls back to byte token " + name(bytes[i]));
            }
            out[i] = id;
        }
        return out;
    }

    private static boolean allFound(Map<String, Integer> found, int[] bytes) {
        for (int b : bytes) {
            if (!found.containsKey(name(b))) {
                return false;
            }
        }
        return true;
    }

    private static String name(int b) {
        return String.format("<0x%02X>", b);
    }
}
