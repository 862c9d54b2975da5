package dev.localbedrock.engines.onnxbuild;

import dev.localbedrock.engines.numerics.F32Bounds;
import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every supported Llama-family configuration, built in both variants, against the PyTorch engine on random
 * checkpoints: grouped-query attention (4 heads over 2), tied and untied heads, Qwen2 biases, Mistral's sliding
 * window, RoPE scaling; plus F16/BF16 and sharded storage, which must give exactly the F32 graph's results.
 */
class ArchitecturesTest {
    /** Long enough for the sliding window (4) and position-dependent RoPE scaling to matter. */
    static final List<int[]> PROMPTS = List.of(
            new int[] {1, 40, 50, 60, 70, 80, 90, 100, 110},
            new int[] {1, 200},
            new int[] {1, 33, 44, 55, 66});
    static final int NEW_TOKENS = 8;

    @TempDir
    Path tmp;

    private void check(String label, String modelType, boolean biases, boolean tied, Consumer<ObjectNode> edit)
            throws IOException, OrtException {
        Path ckpt = Checkpoints.write(tmp.resolve(label), modelType, label.hashCode(), biases, tied,
                Checkpoints.Storage.F32, 1, edit);
        GraphRunner.Result expected = References.pytorch(ckpt, PROMPTS, NEW_TOKENS);
        BuiltGraph gqa = OnnxGraphBuilder.build(ckpt, tmp.resolve(label + "-gqa"), BuildOptions.defaults());
        BuiltGraph std = OnnxGraphBuilder.build(ckpt, tmp.resolve(label + "-std"),
                BuildOptions.defaults().withVariant(BuildOptions.Variant.STANDARD));
        try (GraphRunner a = new GraphRunner(gqa, 1); GraphRunner b = new GraphRunner(std, 1)) {
            References.assertSame(F32Bounds.Shape.of(ckpt, References.CONTEXT), expected, a.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.SHARED_BATCHED),
                    label + " gqa shared batched vs pytorch");
            References.assertSame(F32Bounds.Shape.of(ckpt, References.CONTEXT), expected, a.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.SHARED_STAGGERED),
                    label + " gqa shared staggered vs pytorch");
            References.assertSame(F32Bounds.Shape.of(ckpt, References.CONTEXT), expected, a.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.SHARED_CHUNKED),
                    label + " gqa shared chunked prefill vs pytorch");
            References.assertSame(F32Bounds.Shape.of(ckpt, References.CONTEXT), expected, b.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.LEFT_PADDED_CONCAT),
                    label + " standard left-padded vs pytorch");
        }
    }

    @Test
    void llamaGroupedQueryAttentionUntied() throws Exception {
        check("llama-gqa", "llama", false, false, c -> { });
    }

    @Test
    void llamaTied() throws Exception {
        check("llama-tied", "llama", false, true, c -> { });
    }

    @Test
    void llamaAttentionBias() throws Exception {
        check("llama-bias", "llama", true, false, c -> { });
    }

    @Test
    void qwen2Biases() throws Exception {
        check("qwen2", "qwen2", true, true, c -> {
            c.put("rope_theta", 1000000.0);
            c.put("use_sliding_window", false);
            c.put("sliding_window", 4);
        });
    }

    @Test
    void mistralSlidingWindow() throws Exception {
        check("mistral", "mistral", false, false, c -> c.put("sliding_window", 4));
    }

    @Test
    void ropeScalingLinear() throws Exception {
        check("rope-linear", "llama", false, false, c -> c.putObject("rope_scaling").put("type", "linear")
                .put("factor", 4.0));
    }

    @Test
    void ropeScalingLlama3() throws Exception {
        check("rope-llama3", "llama", false, false, c -> c.putObject("rope_scaling").put("rope_type", "llama3")
                .put("factor", 8.0).put("low_freq_factor", 1.0).put("high_freq_factor", 4.0)
                .put("original_max_position_embeddings", 64));
    }

    @Test
    void ropeScalingDynamicWithinTheContext() throws Exception {
        check("rope-dynamic", "llama", false, false, c -> c.putObject("rope_scaling").put("type", "dynamic")
                .put("factor", 2.0));
    }

    @Test
    void halfPrecisionAndShardedCheckpointsGiveTheF32Graph() throws Exception {
        Path f32 = Checkpoints.write(tmp.resolve("f32"), "llama", 11, false, false, Checkpoints.Storage.F32, 1,
                c -> { });
        Path f16 = Checkpoints.write(tmp.resolve("f16"), "llama", 11, false, false, Checkpoints.Storage.F16, 3,
                c -> { });
        Path bf16 = Checkpoints.write(tmp.resolve("bf16"), "llama", 11, false, false, Checkpoints.Storage.BF16, 2,
                c -> { });
        GraphRunner.Result expected;
        try (GraphRunner r = new GraphRunner(OnnxGraphBuilder.build(f32, tmp.resolve("g32"), BuildOptions.defaults()),
                1)) {
            expected = r.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.SHARED_BATCHED);
        }
        for (Path ckpt : new Path[] {f16, bf16}) {
            BuiltGraph g = OnnxGraphBuilder.build(ckpt, tmp.resolve("g-" + ckpt.getFileName()),
                    BuildOptions.defaults().withExternalData(BuildOptions.ExternalData.ALWAYS));
            try (GraphRunner r = new GraphRunner(g, 1)) {
                GraphRunner.Result actual = r.greedy(PROMPTS, NEW_TOKENS, GraphRunner.Mode.SHARED_BATCHED);
                for (int row = 0; row < PROMPTS.size(); row++) {
                    assertEquals(java.util.Arrays.toString(expected.tokens().get(row)),
                            java.util.Arrays.toString(actual.tokens().get(row)), ckpt.getFileName() + " row " + row);
                    for (int s = 0; s < NEW_TOKENS; s++) {
                        assertEquals(0f, GraphRunner.maxAbsDiff(expected.logits().get(row).get(s),
                                actual.logits().get(row).get(s)), ckpt.getFileName() + " row " + row + " step " + s);
                    }
                }
            }
        }
    }

    @Test
    void unsupportedConfigurationsAreRejectedByName() throws Exception {
        Path yarn = Checkpoints.write(tmp.resolve("yarn"), "llama", 3, false, false, Checkpoints.Storage.F32, 1,
                c -> c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4.0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxGraphBuilder.build(yarn, tmp.resolve("out-yarn"), BuildOptions.defaults()));
        assertTrue(e.getMessage().contains("yarn"), e.getMessage());
        Path phi = Checkpoints.write(tmp.resolve("phi"), "phi3", 3, false, false, Checkpoints.Storage.F32, 1,
                c -> { });
        e = assertThrows(IllegalArgumentException.class,
                () -> OnnxGraphBuilder.build(phi, tmp.resolve("out-phi"), BuildOptions.defaults()));
        assertTrue(e.getMessage().contains("phi3") && e.getMessage().contains("llama"), e.getMessage());
        Path gelu = Checkpoints.write(tmp.resolve("gelu"), "llama", 3, false, false, Checkpoints.Storage.F32, 1,
                c -> c.put("hidden_act", "gelu"));
        e = assertThrows(IllegalArgumentException.class,
                () -> OnnxGraphBuilder.build(gelu, tmp.resolve("out-gelu"), BuildOptions.defaults()));
        assertTrue(e.getMessage().contains("hidden_act"), e.getMessage());
    }
}
