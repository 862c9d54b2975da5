package dev.localbedrock.engines.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The most bytes of input text one token of a {@code tokenizer.json} can stand for, read from the file alone, so that
 * a text's UTF-8 size gives a lower bound on its token count without encoding it: {@code tokens >= bytes / span}.
 * A 10 MB prompt for a 2048-token context can then be refused in microseconds instead of seconds of BPE.
 *
 * <p>Why it holds: a lossless BPE (byte-level, or with byte fallback) splits the pre-processed text into pieces that
 * are vocabulary entries or added tokens, so every byte of that text lies in some token's piece. Each piece is
 * measured in the pre-processed text's own units — for a byte-level model one vocabulary character is one input
 * byte; otherwise a piece's UTF-8 length, where a byte-fallback piece ({@code <0x41>}) counts 6 for the 1 byte it
 * covers. That bounds the pre-processed text, and the raw text is no longer than it when every normalizer and
 * pre-tokenizer only keeps or grows text (Llama's "prepend ▁, replace ' ' by ▁"; GPT-2's byte mapping). Anything
 * that may shrink text (Unicode normalisation, lower-casing, stripping, whitespace splitting that drops the spaces,
 * regex replacements), a vocabulary without a piece for every byte (an unknown character then becomes an
 * {@code <unk>}, fused over runs, or is dropped), added tokens that strip the whitespace around them, or a model other
 * than BPE, gives no bound: {@link #UNBOUNDED}.
 */
final class TokenSpan {
    static final int UNBOUNDED = Integer.MAX_VALUE;

    /** Pre-tokenizers that split text or map it byte for byte, never dropping any of it. */
    private static final Set<String> KEEPING_PRE_TOKENIZERS = Set.of("ByteLevel", "Metaspace", "Digits",
            "Punctuation", "UnicodeScripts");

    private TokenSpan() {
    }

    static int maxBytesPerToken(JsonNode tokenizerJson) {
        JsonNode model = tokenizerJson.path("model");
        if (!model.path("type").asText().equals("BPE") || !keepsText(tokenizerJson.path("normalizer"), true)
                || !keepsText(tokenizerJson.path("pre_tokenizer"), false)) {
            return UNBOUNDED;
        }
        boolean byteLevel = isByteLevel(tokenizerJson.path("pre_tokenizer"));
        JsonNode vocab = model.path("vocab");
        // Every byte must have a piece of its own. Otherwise a character outside the vocabulary becomes an <unk>
        // (which may stand for a run of them when fused) or, with no unk token, is dropped: no bound either way.
        if (byteLevel ? !hasEveryByteLevelCharacter(vocab) : !hasEveryFallbackByte(model)) {
            return UNBOUNDED;
        }
        for (JsonNode added : tokenizerJson.path("added_tokens")) {
            if (added.path("lstrip").asBoolean(false) || added.path("rstrip").asBoolean(false)) {
                return UNBOUNDED; // such a token swallows the whitespace around it, however long
            }
        }
        int max = 0;
        var names = vocab.fieldNames();
        while (names.hasNext()) {
            max = Math.max(max, span(names.next(), byteLevel));
        }
        for (JsonNode added : tokenizerJson.path("added_tokens")) {
            // Added tokens are matched in the raw text, before the byte mapping: their UTF-8 length is what they cover.
            max = Math.max(max, added.path("content").asText().getBytes(StandardCharsets.UTF_8).length);
        }
        return max == 0 ? UNBOUNDED : max;
    }

    private static int span(String piece, boolean byteLevel) {
        return byteLevel ? piece.codePointCount(0, piece.length()) : piece.getBytes(StandardCharsets.UTF_8).length;
    }

    private static boolean keepsText(JsonNode step, boolean normalizer) {
        if (step.isMissingNode() || step.isNull()) {
            return true;
        }
        String type = step.path("type").asText();
        if (type.equals("Sequence")) {
            for (JsonNode inner : step.path(normalizer ? "normalizers" : "pretokenizers")) {
                if (!keepsText(inner, normalizer)) {
                    return false;
                }
            }
            return true;
        }
        if (normalizer) {
            return type.equals("Prepend") || (type.equals("Replace") && growsOrKeeps(step));
        }
        return KEEPING_PRE_TOKENIZERS.contains(type)
                || (type.equals("Split") && !step.path("behavior").asText().equals("Removed"));
    }

    /** A literal replacement no shorter than what it replaces (Llama: ' ' becomes '▁'). */
    private static boolean growsOrKeeps(JsonNode replace) {
        JsonNode pattern = replace.path("pattern").path("String");
        if (!pattern.isTextual()) {
            return false; // a regex may match more than it puts back
        }
        return replace.path("content").asText().getBytes(StandardCharsets.UTF_8).length
                >= pattern.asText().getBytes(StandardCharsets.UTF_8).length;
    }

    /** Byte fallback on, with all 256 {@code <0xNN>} pieces. */
    private static boolean hasEveryFallbackByte(JsonNode model) {
        if (!model.path("byte_fallback").asBoolean(false)) {
            return false;
        }
        for (int b = 0; b < 256; b++) {
            if (!model.path("vocab").has(String.format("<0x%02X>", b))) {
                return false;
            }
        }
        return true;
    }

    /** All 256 characters of the byte-level alphabet (GPT-2's bytes_to_unicode) are pieces of their own. */
    private static boolean hasEveryByteLevelCharacter(JsonNode vocab) {
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            int c = printable ? b : 256 + shifted++;
            if (!vocab.has(new String(Character.toChars(c)))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isByteLevel(JsonNode preTokenizer) {
        if (preTokenizer.path("type").asText().equals("ByteLevel")) {
            return true;
        }
        for (JsonNode inner : preTokenizer.path("pretokenizers")) {
            if (isByteLevel(inner)) {
                return true;
            }
        }
        return false;
    }
}
