package dev.localbedrock.engines.tokenizer;

import dev.localbedrock.engines.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class IncrementalDecoderTest {
    private static HfTextTokenizer llama;

    @BeforeAll
    static void load() throws IOException {
        llama = HfTextTokenizer.load(TestModels.tinyLlama());
    }

    @AfterAll
    static void close() {
        llama.close();
    }

    /** Pushes every id, returns the deltas (flush last). */
    private static List<String> stream(IncrementalDecoder d, int[] ids) {
        List<String> out = new ArrayList<>();
        for (int id : ids) {
            out.add(d.push(id));
        }
        out.add(d.flush());
        return out;
    }

    @Test
    void neverEmitsHalfACharacter() {
        int[] euro = ByteTokens.ids(llama, 0xE2, 0x82, 0xAC);
        int e2 = euro[0];
        int x82 = euro[1];
        int xac = euro[2];
        int[] hello = llama.encode("Hello", false);

        IncrementalDecoder d = new IncrementalDecoder(llama);
        assertEquals("Hello", d.push(hello[0]));
        assertEquals("", d.push(e2));
        assertEquals("", d.push(x82));
        assertEquals("€", d.push(xac)); // "Hello€": no space was encoded between them
        assertEquals("", d.flush());
    }

    @Test
    void keepsLeadingSpacesOfWords() {
        int[] ids = llama.encode("Hello world, how are you?", false);
        IncrementalDecoder d = new IncrementalDecoder(llama);
        List<String> deltas = stream(d, ids);
        assertEquals("Hello world, how are you?", String.join("", deltas));
        assertEquals(" world", deltas.get(1));
    }

    @Test
    void promptContextKeepsTheFirstGeneratedSpace() {
        int[] prompt = llama.encode("Hello", true);
        int world = llama.encode("Hello world", false)[1];
        IncrementalDecoder withContext = new IncrementalDecoder(llama, prompt);
        assertEquals(" world", withContext.push(world));
        IncrementalDecoder without = new IncrementalDecoder(llama);
        assertEquals("world", without.push(world));
    }

    @Test
    void streamsMixedTextExactly() {
        String text = "Prix: 5€ — naïve café 日本語 🙂 end";
        int[] ids = llama.encode(text, false);
        List<String> deltas = stream(new IncrementalDecoder(llama), ids);
        assertEquals(llama.decode(ids), String.join("", deltas));
        for (String delta : deltas) {
            assertFalse(delta.contains("\uFFFD"), "half a character escaped in " + deltas);
        }
    }

    @Test
    void flushReleasesAnIncompleteCharacter() {
        int e2 = ByteTokens.ids(llama, 0xE2)[0];
        IncrementalDecoder d = new IncrementalDecoder(llama);
        assertEquals("", d.push(e2));
        assertEquals("\uFFFD", d.flush());
        assertEquals("", d.flush());
    }

    @Test
    void longStreamsMatchTheFullDecode() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            sb.append(" token").append(i).append(i % 7 == 0 ? " ü€" : "");
        }
        int[] ids = llama.encode(sb.toString(), false);
        String streamed = String.join("", stream(new IncrementalDecoder(llama), ids));
        assertEquals(llama.decode(ids), streamed);
        assertEquals(sb.toString(), llama.decode(ids));
    }
}
