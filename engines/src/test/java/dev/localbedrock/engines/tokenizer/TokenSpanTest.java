package dev.localbedrock.engines.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.engines.TestModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bytes-per-token bound a prompt's size check relies on: finite for the shared Llama (SentencePiece BPE with byte
 * fallback) and GPT-2 (byte-level BPE) tokenizers, and never beaten — every text of {@code b} bytes encodes to at
 * least {@code b / bound} tokens, for texts built to be hard (long whitespace runs, repeated pieces, emoji, CJK,
 * control characters, the added tokens' own strings, lone surrogates). Tokenizers that may shrink text get no bound.
 */
class TokenSpanTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] PARTS = {" ", "          ", "\n\n\n", "\t", "hello", "world", "ing", "the", "----",
        "================", "<s>", "</s>", "<|endoftext|>", "\u2581", "\u00e9", "\u4e2d\u6587", "\ud83d\ude00",
        "\u0000", "\u001f", "\ud800", "1234567890", "https://example.com/a/b?c=d", "\u00a0", "\r\n"};

    @ParameterizedTest
    @ValueSource(strings = {"tiny-random-llama", "tiny-random-gpt2"})
    void noTextEncodesToFewerTokensThanItsSizeAllows(String model) throws IOException {
        Path dir = TestModels.sharedModelsDir().resolve(model);
        try (HfTextTokenizer tokenizer = HfTextTokenizer.load(dir)) {
            int span = tokenizer.maxBytesPerToken();
            assertTrue(span > 0 && span < 1024, model + ": a finite bound, got " + span);
            Random random = new Random(5);
            double tightest = 0;
            for (int i = 0; i < 3000; i++) {
                StringBuilder text = new StringBuilder();
                int parts = 1 + random.nextInt(i % 10 == 0 ? 400 : 40);
                String favourite = PARTS[random.nextInt(PARTS.length)];
                for (int p = 0; p < parts; p++) {
                    text.append(random.nextInt(3) == 0 ? favourite : PARTS[random.nextInt(PARTS.length)]);
                }
                String s = text.toString();
                long bytes = s.getBytes(StandardCharsets.UTF_8).length;
                int tokens = tokenizer.encode(s, false).length;
                assertTrue((long) tokens * span >= bytes, model + ": " + bytes + " bytes in " + tokens
                        + " tokens of at most " + span + " bytes: '" + s + "'");
                tightest = Math.max(tightest, bytes / (double) Math.max(1, tokens));
            }
            System.err.printf("[token-span] %s: bound %d bytes/token, tightest text %.1f%n", model, span, tightest);
        }
    }

    @Test
    void theSharedTokenizersBoundsComeFromTheirLongestPieces() throws IOException {
        // Llama: 16 x U+2581 (3 UTF-8 bytes each); GPT-2: a 128-character byte-level piece.
        assertEquals(48, span("tiny-random-llama"));
        assertEquals(128, span("tiny-random-gpt2"));
    }

    @Test
    void tokenizersThatMayShrinkTextGetNoBound() throws IOException {
        ObjectNode llama = (ObjectNode) JSON.readTree(TestModels.tinyLlama().resolve("tokenizer.json")
                .toFile());
        assertEquals(48, TokenSpan.maxBytesPerToken(llama));
        ObjectNode nfkc = llama.deepCopy();
        nfkc.putObject("normalizer").put("type", "NFKC");
        assertEquals(TokenSpan.UNBOUNDED, TokenSpan.maxBytesPerToken(nfkc));
        ObjectNode whitespace = llama.deepCopy();
        whitespace.putObject("pre_tokenizer").put("type", "Whitespace");
        assertEquals(TokenSpan.UNBOUNDED, TokenSpan.maxBytesPerToken(whitespace));
        ObjectNode unk = llama.deepCopy();
        ((ObjectNode) unk.path("model")).put("byte_fallback", false);
        assertEquals(TokenSpan.UNBOUNDED, TokenSpan.maxBytesPerToken(unk));
        ObjectNode missingByte = llama.deepCopy();
        ((ObjectNode) missingByte.path("model").path("vocab")).remove("<0x7F>");
        assertEquals(TokenSpan.UNBOUNDED, TokenSpan.maxBytesPerToken(missingByte));
        ObjectNode stripping = llama.deepCopy();
        ((ObjectNode) stripping.path("added_tokens").path(0)).put("rstrip", true);
        assertEquals(TokenSpan.UNBOUNDED, TokenSpan.maxBytesPerToken(stripping));
        ObjectNode gpt2 = (ObjectNode) JSON.readTree(TestModels.tinyGpt2().resolve("tokenizer.json").toFile());
        assertEquals(128, TokenSpan.maxBytesPerToken(gpt2));
        ObjectNode gpt2MissingByte = gpt2.deepCopy();
        ((ObjectNode) gpt2MissingByte.path("model").path("vocab")).remove("\u0120"); // the space byte's character
        assertEquals(TokenSpan.UNBOUNDED, TokenSpan.maxBytesPerToken(gpt2MissingByte));
        ObjectNode wordPiece = llama.deepCopy();
        ((ObjectNode) wordPiece.path("model")).put("type", "WordPiece");
        assertEquals(TokenSpan.UNBOUNDED, TokenSpan.maxBytesPerToken(wordPiece));
        ObjectNode regex = llama.deepCopy();
        ((ObjectNode) regex.path("normalizer").path("normalizers").path(1).path("pattern")).remove("String");
        ((ObjectNode) regex.path("normalizer").path("normalizers").path(1).path("pattern")).put("Regex", "\\s+");
        assertEquals(TokenSpan.UNBOUNDED, TokenSpan.maxBytesPerToken(regex));
    }

    private static int span(String model) throws IOException {
        try (HfTextTokenizer tokenizer = HfTextTokenizer.load(TestModels.sharedModelsDir().resolve(model))) {
            return tokenizer.maxBytesPerToken();
        }
    }
}
