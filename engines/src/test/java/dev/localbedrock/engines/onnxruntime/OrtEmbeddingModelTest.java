package dev.localbedrock.engines.onnxruntime;

import dev.localbedrock.engines.EmbeddingModel;
import dev.localbedrock.engines.EmbeddingModels;
import dev.localbedrock.engines.numerics.F32Bounds;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.localbedrock.engines.onnxruntime.OrtTestSupport.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The built-in all-MiniLM-L6-v2 (from the langchain4j resource jar) on ONNX Runtime. */
class OrtEmbeddingModelTest {
    /**
     * all-MiniLM-L6-v2's shape (its config.json: hidden 384, intermediate 1536, 6 layers, 12 heads of 32, 256
     * tokens) plus mean pooling over the tokens and the L2 norm over the hidden size, counted as one more layer of
     * reductions. A text batched (padded to the longest) against alone: one network in float32, order and blocking
     * differ.
     */
    private static final F32Bounds.Bound SAME_NETWORK = F32Bounds.betweenF32("ort embeddings, order only",
            new F32Bounds.Shape(384, 1536, 6 + 1, 12, 32, 256));
    private static EmbeddingModel model;

    @BeforeAll
    static void load() {
        model = EmbeddingModels.load("builtin:all-MiniLM-L6-v2", "cpu");
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    private static double cos(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    @Test
    void shape() {
        assertEquals(384, model.dimensions());
        assertEquals(256, model.maxTokens());
        assertEquals(4, model.countTokens("a cat")); // [CLS] a cat [SEP]
        assertEquals(0, model.embed(List.of()).length);
    }

    @Test
    void similarMeaningsAreCloser() {
        float[][] v = model.embed(List.of("a cat", "a kitten", "a truck"));
        for (float[] x : v) {
            assertEquals(384, x.length);
            assertEquals(1.0, norm(x), 1e-5);
        }
        double catKitten = cos(v[0], v[1]);
        double catTruck = cos(v[0], v[2]);
        assertTrue(catKitten > catTruck, "cat/kitten " + catKitten + " vs cat/truck " + catTruck);
    }

    @Test
    void aBatchEqualsOneAtATime() {
        List<String> texts = List.of("short", "a somewhat longer sentence about embeddings and batching",
                "a medium-length text here");
        float[][] batched = model.embed(texts);
        for (int i = 0; i < texts.size(); i++) {
            float[] alone = model.embed(List.of(texts.get(i)))[0];
            SAME_NETWORK.check(alone, batched[i], "text " + i + ": batched vs alone");
        }
    }

    @Test
    void longTextsAreTruncatedToMaxTokens() {
        String longText = "word ".repeat(600);
        assertEquals(602, model.countTokens(longText));
        float[] full = model.embed(List.of(longText))[0];
        // 254 words + [CLS] + [SEP] is exactly what the truncated text keeps
        float[] truncated = model.embed(List.of("word ".repeat(254)))[0];
        SAME_NETWORK.check(truncated, full, "truncated vs pre-cut text");
        assertEquals(1.0, norm(full), 1e-5);
    }

    @Test
    void truncationFromTheStartKeepsTheLastTokensBetweenTheSpecialTokens() {
        String text = "cat ".repeat(400) + "dog ".repeat(254);
        assertEquals(400 + 254 + 2, model.countTokens(text), "one token a word, plus [CLS] and [SEP]");
        float[][] cut = model.embed(List.of(text, text),
                List.of(EmbeddingModel.TruncationSide.START, EmbeddingModel.TruncationSide.END));
        SAME_NETWORK.check(model.embed(List.of("dog ".repeat(254)))[0], cut[0], "start-cut vs its last words");
        SAME_NETWORK.check(model.embed(List.of("cat ".repeat(254)))[0], cut[1], "end-cut vs its first words");
        assertTrue(cos(cut[0], cut[1]) < 0.99, "the two ends differ: " + cos(cut[0], cut[1]));
    }

    @Test
    void loadsFromADirectory(@TempDir Path dir) throws IOException {
        for (String[] r : new String[][] {{OrtEmbeddingModel.MINILM_GRAPH_RESOURCE, "model.onnx"},
                {OrtEmbeddingModel.MINILM_TOKENIZER_RESOURCE, "tokenizer.json"}}) {
            try (InputStream in = getClass().getClassLoader().getResourceAsStream(r[0])) {
                Files.copy(in, dir.resolve(r[1]));
            }
        }
        Files.writeString(dir.resolve("sentence_bert_config.json"), "{\"max_seq_length\": 128}");
        try (EmbeddingModel fromDir = EmbeddingModels.load(dir.toString(), "cpu")) {
            assertEquals(384, fromDir.dimensions());
            assertEquals(128, fromDir.maxTokens());
            float[] a = fromDir.embed(List.of("a cat"))[0];
            float[] b = model.embed(List.of("a cat"))[0];
            SAME_NETWORK.check(b, a, "from a directory vs built-in");
        }
    }

    @Test
    void poolingAndNormalisationAreConfigurable() throws IOException {
        try (OrtEmbeddingModel raw = OrtEmbeddingModel.loadAllMiniLmL6V2("cpu",
                OrtEmbeddingModel.Options.defaults().withNormalize(false).withBatchSize(2))) {
            float[][] v = raw.embed(List.of("a cat", "a kitten", "a truck"));
            float[] normalised = model.embed(List.of("a cat"))[0];
            double n = norm(v[0]);
            assertTrue(Math.abs(n - 1.0) > 1e-3, "unnormalised norm " + n);
            for (int i = 0; i < normalised.length; i++) {
                assertEquals(normalised[i], v[0][i] / n, 1e-5);
            }
        }
        try (OrtEmbeddingModel cls = OrtEmbeddingModel.loadAllMiniLmL6V2("cpu",
                OrtEmbeddingModel.Options.defaults().withPooling(OrtEmbeddingModel.Pooling.CLS))) {
            float[] c = cls.embed(List.of("a cat"))[0];
            assertEquals(1.0, norm(c), 1e-5);
            assertTrue(maxAbsDiff(c, model.embed(List.of("a cat"))[0]) > 1e-3);
        }
    }

    @Test
    void badSourcesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingModels.load("builtin:nope", "cpu"));
        assertTrue(e.getMessage().contains("all-MiniLM-L6-v2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EmbeddingModels.load("/does/not/exist", "cpu"));
    }
}
