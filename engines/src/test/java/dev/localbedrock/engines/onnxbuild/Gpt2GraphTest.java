package dev.localbedrock.engines.onnxbuild;

import dev.localbedrock.engines.numerics.F32Bounds;
import ai.onnxruntime.OrtException;
import dev.localbedrock.engines.TestModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Graphs built from tiny-random-gpt2 give the greedy tokens and logits (within float32 rounding, F32Bounds) of the checkpoint's own ONNX export
 * ({@code onnx/past.onnx}), batched with prompts of different lengths in every driving mode, and alone.
 */
class Gpt2GraphTest {
    static final List<int[]> PROMPTS = List.of(
            new int[] {98, 464, 329},
            new int[] {98, 40, 716, 257, 303, 286, 262, 995, 11},
            new int[] {98});
    static final F32Bounds.Shape SHAPE = F32Bounds.Shape.of(TestModels.tinyGpt2(), References.CONTEXT);
    static final int NEW_TOKENS = 12;

    @TempDir
    static Path tmp;
    static BuiltGraph gqa;
    static BuiltGraph standard;
    static GraphRunner.Result shipped;

    @BeforeAll
    static void build() throws IOException, OrtException {
        Path gpt2 = TestModels.tinyGpt2();
        gqa = OnnxGraphBuilder.build(gpt2, tmp.resolve("gqa"), BuildOptions.defaults(),
                s -> System.err.println("[onnxbuild] " + s));
        standard = OnnxGraphBuilder.build(gpt2, tmp.resolve("standard"),
                BuildOptions.defaults().withVariant(BuildOptions.Variant.STANDARD));
        shipped = References.gpt2Past(gpt2.resolve("onnx/past.onnx"), PROMPTS, NEW_TOKENS, 5, 4, 8);
    }

    @Test
    void spec() {
        assertEquals("gpt2", gqa.spec().modelType());
        assertEquals(5, gqa.spec().numLayers());
        assertEquals(4, gqa.spec().numKvHeads());
        assertEquals(8, gqa.spec().headDim());
        assertEquals(1000, gqa.spec().vocabSize());
        assertEquals(512, gqa.spec().maxPositions());
    }

    @Test
    void gqaSharedBuffersBatched() throws OrtException {
        try (GraphRunner r = new GraphRunner(gqa, 1)) {
            References.assertSame(SHAPE, shipped, r.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.SHARED_BATCHED),
                    "gpt2 gqa shared-kv batched vs shipped past.onnx");
        }
    }

    @Test
    void gqaSharedBuffersContinuousBatching() throws OrtException {
        try (GraphRunner r = new GraphRunner(gqa, 1)) {
            References.assertSame(SHAPE, shipped, r.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.SHARED_STAGGERED),
                    "gpt2 gqa shared-kv staggered vs shipped past.onnx");
        }
    }

    @Test
    void gqaSharedBuffersChunkedPrefill() throws OrtException {
        try (GraphRunner r = new GraphRunner(gqa, 1)) {
            References.assertSame(SHAPE, shipped, r.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.SHARED_CHUNKED),
                    "gpt2 gqa shared-kv chunked prefill vs shipped past.onnx");
        }
    }

    @Test
    void gqaConcatenating() throws OrtException {
        try (GraphRunner r = new GraphRunner(gqa, 1)) {
            References.assertSame(SHAPE, shipped, r.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.RIGHT_PADDED_CONCAT),
                    "gpt2 gqa concat batched vs shipped past.onnx");
        }
    }

    @Test
    void standardLeftPadded() throws OrtException {
        try (GraphRunner r = new GraphRunner(standard, 1)) {
            References.assertSame(SHAPE, shipped, r.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.LEFT_PADDED_CONCAT),
                    "gpt2 standard left-padded batched vs shipped past.onnx");
        }
    }

    @Test
    void alone() throws OrtException {
        try (GraphRunner a = new GraphRunner(gqa, 1); GraphRunner b = new GraphRunner(standard, 1)) {
            for (int i = 0; i < PROMPTS.size(); i++) {
                GraphRunner.Result expected = new GraphRunner.Result(List.of(shipped.tokens().get(i)),
                        List.of(shipped.logits().get(i)));
                List<int[]> one = List.of(PROMPTS.get(i));
                References.assertSame(SHAPE, expected, a.greedy(one, NEW_TOKENS, GraphRunner.Mode.SHARED_BATCHED),
                        "gpt2 gqa alone, prompt " + i);
                References.assertSame(SHAPE, expected, b.greedy(one, NEW_TOKENS, GraphRunner.Mode.LEFT_PADDED_CONCAT),
                        "gpt2 standard alone, prompt " + i);
            }
        }
    }
}
