package dev.localbedrock.engines.tokenizer;

import dev.localbedrock.engines.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HfTextTokenizerTest {
    private static HfTextTokenizer llama;

    @BeforeAll
    static void load() throws IOException {
        llama = HfTextTokenizer.load(TestModels.tinyLlama());
    }

    @AfterAll
    static void close() {
        llama.close();
    }

    @Test
    void encodesHelloWorldLikeTransformers() {
        assertArrayEquals(new int[] {1, 15043, 3186}, llama.encode("Hello world", true));
        assertArrayEquals(new int[] {15043, 3186}, llama.encode("Hello world", false));
        assertEquals(1, llama.bosTokenId());
        assertTrue(llama.addsBos());
    }

    @Test
    void decodeSkipsSpecialTokensAndTheSentencePieceSpace() {
        assertEquals("Hello world", llama.decode(new int[] {1, 15043, 3186}));
        assertEquals("<s> Hello world</s>", llama.decode(new int[] {1, 15043, 3186, 2}, false));
    }

    @Test
    void byteFallbackTokensDecodeToUtf8() {
        // "€" (E2 82 AC) is a single piece in the Llama vocabulary; spell it with its byte-fallback tokens instead
        int[] euro = ByteTokens.ids(llama, 0xE2, 0x82, 0xAC);
        assertEquals("€", llama.decode(euro));
        assertEquals("\uFFFD", llama.decode(new int[] {euro[0]}));
        assertEquals("a\uFFFD", llama.decode(new int[] {llama.encode("a", false)[0], euro[0], euro[1]}).substring(0, 2));
    }

    @Test
    void doesNotTruncateLongInput() {
        String text = "word ".repeat(3000);
        int[] ids = llama.encode(text, true);
        assertTrue(ids.length > 3000, "got " + ids.length + " ids");
        assertEquals(text.stripTrailing(), llama.decode(ids).stripTrailing());
    }
}
