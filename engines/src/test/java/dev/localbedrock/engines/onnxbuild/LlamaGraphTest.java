package dev.localbedrock.engines.onnxbuild;

import dev.localbedrock.engines.numerics.F32Bounds;
import ai.onnxruntime.OrtException;
import dev.localbedrock.engines.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Graphs built from tiny-random-llama give the PyTorch engine's greedy tokens and logits (within float32 rounding, F32Bounds), and those of the
 * checkpoint's own ONNX export, batched with prompts of different lengths (every driving mode) and alone.
 */
class LlamaGraphTest {
    static final List<int[]> PROMPTS = List.of(
            new int[] {1, 15043, 3186},
            new int[] {1, 450, 7483, 310, 3444, 338, 3681, 29892},
            new int[] {1, 9038});
    static final F32Bounds.Shape SHAPE = F32Bounds.Shape.of(TestModels.tinyLlama(), References.CONTEXT);
    static final int NEW_TOKENS = 10;

    @TempDir
    static Path tmp;
    static Path llama;
    static BuiltGraph gqa;
    static BuiltGraph standard;
    static GraphRunner.Result pytorch;

    @BeforeAll
    static void build() throws IOException {
        llama = TestModels.tinyLlama();
        gqa = OnnxGraphBuilder.build(llama, tmp.resolve("gqa"), BuildOptions.defaults(),
                s -> System.err.println("[onnxbuild] " + s));
        standard = OnnxGraphBuilder.build(llama, tmp.resolve("standard"),
                BuildOptions.defaults().withVariant(BuildOptions.Variant.STANDARD));
        pytorch = References.pytorch(llama, PROMPTS, NEW_TOKENS);
    }

    @AfterAll
    static void report() {
        System.err.println("[onnxbuild-test] pytorch tokens row 1: " + java.util.Arrays.toString(pytorch.tokens().get(1)));
    }

    @Test
    void specDescribesTheGraph() {
        GraphSpec s = gqa.spec();
        assertEquals("llama", s.modelType());
        assertEquals(2, s.numLayers());
        assertEquals(1, s.numKvHeads());
        assertEquals(16, s.headDim());
        assertEquals(32000, s.vocabSize());
        assertEquals(2048, s.maxPositions());
        assertEquals("right", s.padding());
        assertTrue(s.sharedKvBuffers());
        assertEquals(List.of("input_ids", "attention_mask", "past_key_values.0.key", "past_key_values.0.value",
                "past_key_values.1.key", "past_key_values.1.value"), s.inputNames());
        assertTrue(standard.spec().needsPositionIds());
        assertNull(gqa.dataFile(), "4 MB of weights stay inline under AUTO");
    }

    @Test
    void gqaSharedBuffersBatchedMatchPyTorch() throws OrtException {
        try (GraphRunner r = new GraphRunner(gqa, 1)) {
            References.assertSame(SHAPE, pytorch, r.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.SHARED_BATCHED),
                    "llama gqa shared-kv batched vs pytorch");
        }
    }

    @Test
    void gqaSharedBuffersContinuousBatchingMatchPyTorch() throws OrtException {
        try (GraphRunner r = new GraphRunner(gqa, 1)) {
            References.assertSame(SHAPE, pytorch, r.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.SHARED_STAGGERED),
                    "llama gqa shared-kv staggered vs pytorch");
        }
    }

    @Test
    void gqaSharedBuffersChunkedPrefillMatchPyTorch() throws OrtException {
        try (GraphRunner r = new GraphRunner(gqa, 1)) {
            References.assertSame(SHAPE, pytorch, r.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.SHARED_CHUNKED),
                    "llama gqa shared-kv chunked prefill vs pytorch");
        }
    }

    @Test
    void gqaConcatenatingMatchPyTorch() throws OrtException {
        try (GraphRunner r = new GraphRunner(gqa, 1)) {
            References.assertSame(SHAPE, pytorch, r.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.RIGHT_PADDED_CONCAT),
                    "llama gqa concat batched vs pytorch");
        }
    }

    @Test
    void standardLeftPaddedMatchPyTorch() throws OrtException {
        try (GraphRunner r = new GraphRunner(standard, 1)) {
            References.assertSame(SHAPE, pytorch, r.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.LEFT_PADDED_CONCAT),
                    "llama standard left-padded batched vs pytorch");
        }
    }

    @Test
    void aloneMatchesTheShippedOnnxExport() throws OrtException {
        Path export = llama.resolve("onnx/model.onnx");
        try (GraphRunner shipped = new GraphRunner(export, 2, 1, 16, 1);
             GraphRunner built = new GraphRunner(gqa, 1);
             GraphRunner builtStandard = new GraphRunner(standard, 1)) {
            for (int i = 0; i < PROMPTS.size(); i++) {
                List<int[]> one = List.of(PROMPTS.get(i));
                GraphRunner.Result expected = shipped.greedy(one, NEW_TOKENS, GraphRunner.Mode.LEFT_PADDED_CONCAT);
                References.assertSame(SHAPE, expected, built.greedy(one, NEW_TOKENS, GraphRunner.Mode.SHARED_BATCHED),
                        "llama gqa alone vs shipped export, prompt " + i);
                References.assertSame(SHAPE, expected, builtStandard.greedy(one, NEW_TOKENS,
                        GraphRunner.Mode.LEFT_PADDED_CONCAT), "llama standard alone vs shipped export, prompt " + i);
                assertEquals(pytorch.tokens().get(i).length, expected.tokens().get(0).length);
            }
            // and the shipped export batched (left padding) agrees with the built graph batched
            References.assertSame(SHAPE, shipped.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.LEFT_PADDED_CONCAT),
                    built.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.SHARED_BATCHED),
                    "llama gqa batched vs shipped export batched");
        }
    }

    @Test
    void externalDataAndAllLogitsGiveTheSameResults() throws IOException, OrtException {
        BuiltGraph ext = OnnxGraphBuilder.build(llama, tmp.resolve("external"), BuildOptions.defaults()
                .withExternalData(BuildOptions.ExternalData.ALWAYS).withAllLogits(true));
        assertNotNull(ext.dataFile());
        assertTrue(Files.size(ext.dataFile()) > Files.size(ext.modelFile()));
        try (GraphRunner r = new GraphRunner(ext, 1)) {
            References.assertSame(SHAPE, pytorch, r.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.SHARED_BATCHED),
                    "llama gqa external data, all logits vs pytorch");
            References.assertSame(SHAPE, pytorch, r.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.RIGHT_PADDED_CONCAT),
                    "llama gqa external data, all logits, concat vs pytorch");
        }
    }
}
