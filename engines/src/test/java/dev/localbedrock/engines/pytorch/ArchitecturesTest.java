package dev.localbedrock.engines.pytorch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.hf.SafeTensorsWriter;
import dev.localbedrock.engines.numerics.F32Bounds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import static dev.localbedrock.engines.pytorch.Greedy.argmax;
import static dev.localbedrock.engines.pytorch.Greedy.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Llama-family variants on small random checkpoints written here ({@link TestCheckpoints}): every position's logits
 * against the plain-Java {@link ReferenceDecoder} (float64, written from the {@code transformers} formulas), KV decode
 * against recomputation, batching against rows alone; plus checkpoint types and load errors.
 */
class ArchitecturesTest {
    private static final int LENGTH = 40;

    @TempDir
    Path tmp;

    /** A named variant: model type and config edits. */
    private record Variant(String modelType, Consumer<ObjectNode> edit, int capacity) {
    }

    private static Variant variant(String name) {
        return switch (name) {
            case "llama" -> new Variant("llama", c -> { }, 64);
            case "qwen2" -> new Variant("qwen2", c -> {
                c.put("rope_theta", 1000000.0);
                c.put("sliding_window", 32);       // present in Qwen2 configs, inactive without use_sliding_window
                c.put("use_sliding_window", false);
            }, 64);
            case "mistral-window" -> new Variant("mistral", c -> c.put("sliding_window", 6), 64);
            case "linear" -> new Variant("llama", c -> {
                c.put("max_position_embeddings", 32);
                c.putObject("rope_scaling").put("type", "linear").put("factor", 2.0);
            }, 64);
            case "dynamic" -> new Variant("llama", c -> {
                c.put("max_position_embeddings", 16);
                c.putObject("rope_scaling").put("type", "dynamic").put("factor", 4.0);
            }, 64);
            case "llama3" -> new Variant("llama", c -> {
                c.put("max_position_embeddings", 64);
                c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0)
                        .put("low_freq_factor", 1.0).put("high_freq_factor", 4.0)
                        .put("original_max_position_embeddings", 16);
            }, 64);
            case "attention-bias" -> new Variant("llama", c -> c.put("attention_bias", true), 64);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private Path write(String name) throws IOException {
        Variant v = variant(name);
        return TestCheckpoints.write(tmp.resolve(name), v.modelType(), 42, v.edit());
    }

    private static PtDecoderModel load(Path dir, int capacity) throws IOException {
        return PtDecoderModel.load(dir, "cpu", new EngineOptions(capacity, 1, 6 * capacity));
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "mistral-window", "linear", "dynamic", "llama3", "attention-bias"})
    void everyPositionMatchesTheJavaReference(String name) throws IOException {
        Path dir = write(name);
        int[] ids = DecoderChecks.randomIds(new Random(7), LENGTH, TestCheckpoints.VOCAB);
        double[][] expected;
        try (ReferenceDecoder ref = new ReferenceDecoder(dir)) {
            expected = ref.logits(ids);
        }
        F32Bounds.Bound vsReference = F32Bounds.againstExact("pytorch vs Java f64 reference",
                F32Bounds.Shape.of(dir, LENGTH));
        try (PtDecoderModel m = load(dir, variant(name).capacity())) {
            try (SequenceState seq = m.newSequence()) {
                for (int i = 0; i < ids.length; i++) {
                    float[] actual = DecoderChecks.run(m, seq, ids[i]);
                    vsReference.check(expected[i], actual, name + " position " + i);
                }
            }
            try (SequenceState seq = m.newSequence()) {
                DecoderChecks.run(m, seq, java.util.Arrays.copyOfRange(ids, 0, 13));
                float[] actual = DecoderChecks.run(m, seq, java.util.Arrays.copyOfRange(ids, 13, ids.length));
                vsReference.check(expected[ids.length - 1], actual, name + " chunked prefill");
            }
            DecoderChecks.cachedDecodeEqualsRecompute(m, java.util.Arrays.copyOfRange(ids, 0, 20), 12,
                    F32Bounds.betweenF32("pytorch cached decode vs recompute", F32Bounds.Shape.of(dir, 32)));
            DecoderChecks.batchedRowsEqualEachRowAlone(m, TestCheckpoints.VOCAB, 23,
                    F32Bounds.betweenF32("pytorch batched vs alone",
                            F32Bounds.Shape.of(dir, DecoderChecks.BATCH_SCRIPT_CONTEXT)));
        }
    }

    /** The variants change the function where they should, so agreement with the reference is not vacuous. */
    @ParameterizedTest
    @ValueSource(strings = {"mistral-window", "linear", "dynamic", "llama3"})
    void variantsDifferFromPlainLlamaWhereTheyShould(String name) throws IOException {
        Path dir = write(name);
        Path plain = TestCheckpoints.write(tmp.resolve("plain-" + name), "llama", 42,
                c -> c.put("max_position_embeddings", 64));
        int[] ids = DecoderChecks.randomIds(new Random(7), LENGTH, TestCheckpoints.VOCAB);
        try (ReferenceDecoder a = new ReferenceDecoder(dir); ReferenceDecoder b = new ReferenceDecoder(plain)) {
            double[][] la = a.logits(ids);
            double[][] lb = b.logits(ids);
            int early = name.equals("mistral-window") ? 5 : name.equals("dynamic") ? 15 : 0;
            if (early > 0) {
                // below the window / the trained context nothing changes
                assertTrue(maxAbsDiff(toFloat(la[early]), toFloat(lb[early])) < 1e-9f, name);
            }
            double limit = F32Bounds.againstExact("variants", F32Bounds.Shape.of(dir, LENGTH)).limit(la[LENGTH - 1]);
            assertTrue(maxAbsDiff(toFloat(la[LENGTH - 1]), toFloat(lb[LENGTH - 1])) > 100 * limit, name);
        }
    }

    @Test
    void rotaryTablesFollowTheReferenceFormula() throws IOException {
        for (String name : List.of("llama", "linear", "dynamic", "llama3")) {
            Path dir = write(name);
            try (ReferenceDecoder ref = new ReferenceDecoder(dir)) {
                var config = dev.localbedrock.engines.hf.HfModelConfig.load(dir);
                RotaryTables t = RotaryTables.build(config, 64);
                int hd = t.dim;
                for (int p = 0; p < 64; p++) {
                    double[] inv = ref.inverseFrequencies(p);
                    for (int i = 0; i < hd / 2; i++) {
                        assertEquals(Math.cos(p * inv[i]), t.cos[p * hd + i], 2e-5, name + " p " + p + " i " + i);
                        assertEquals(Math.sin(p * inv[i]), t.sin[p * hd + i + hd / 2], 2e-5, name + " p " + p);
                    }
                }
            }
        }
    }

    @Test
    void halfPrecisionCheckpointsComputeInFloat32OnTheCpu() throws IOException {
        int[] ids = DecoderChecks.randomIds(new Random(2), 12, TestCheckpoints.VOCAB);
        for (TestCheckpoints.Storage[] pair : new TestCheckpoints.Storage[][] {
            {TestCheckpoints.Storage.F16, TestCheckpoints.Storage.F32_ROUNDED_TO_F16},
            {TestCheckpoints.Storage.BF16, TestCheckpoints.Storage.F32_ROUNDED_TO_BF16}}) {
            Path half = TestCheckpoints.write(tmp.resolve(pair[0].name()), "qwen2", 5, c -> { }, pair[0]);
            Path twin = TestCheckpoints.write(tmp.resolve(pair[1].name()), "qwen2", 5, c -> { }, pair[1]);
            try (PtDecoderModel a = load(half, 32); PtDecoderModel b = load(twin, 32);
                 SequenceState sa = a.newSequence(); SequenceState sb = b.newSequence()) {
                assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, a.computeType());
                float[] la = DecoderChecks.run(a, sa, ids);
                float[] lb = DecoderChecks.run(b, sb, ids);
                // the same f32 values through the same kernels: nothing may differ, not even by rounding
                F32Bounds.assertBitExact("f16/bf16 storage vs f32 twin", lb, la, pair[0].name());
                assertEquals(argmax(la), argmax(lb));
            }
        }
    }

    @Test
    void unsupportedModelTypesAreNamed() throws IOException {
        Path dir = TestCheckpoints.write(tmp.resolve("falcon"), "falcon", 1, c -> { });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DecoderModels.load(dir, EngineKind.PYTORCH, "cpu", null));
        assertTrue(e.getMessage().contains("'falcon'") && e.getMessage().contains("gpt2")
                && e.getMessage().contains("qwen2"), e.getMessage());
    }

    @Test
    void missingAndMisshapenTensorsAreNamed() throws IOException {
        Path missing = write("llama");
        TestCheckpoints.rewrite(missing, w -> w.remove("model.layers.1.mlp.up_proj.weight"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(missing, 16));
        assertTrue(e.getMessage().contains("model.layers.1.mlp.up_proj.weight"), e.getMessage());

        Path misshapen = TestCheckpoints.write(tmp.resolve("misshapen"), "llama", 42, c -> { });
        TestCheckpoints.rewrite(misshapen, w -> w.put("model.layers.0.self_attn.k_proj.weight",
                new SafeTensorsWriter.Tensor(new long[] {8, 32}, new float[8 * 32])));
        e = assertThrows(IllegalArgumentException.class, () -> load(misshapen, 16));
        assertTrue(e.getMessage().contains("model.layers.0.self_attn.k_proj.weight")
                && e.getMessage().contains("[16, 32]"), e.getMessage());

        Path noBias = TestCheckpoints.write(tmp.resolve("qwen-no-bias"), "qwen2", 42, c -> { });
        TestCheckpoints.rewrite(noBias, w -> w.remove("model.layers.0.self_attn.v_proj.bias"));
        e = assertThrows(IllegalArgumentException.class, () -> load(noBias, 16));
        assertTrue(e.getMessage().contains("model.layers.0.self_attn.v_proj.bias"), e.getMessage());

        Path undeclared = TestCheckpoints.write(tmp.resolve("undeclared"), "llama", 42, c -> { });
        TestCheckpoints.rewrite(undeclared, w -> w.put("model.layers.1.self_attn.o_proj.bias",
                new SafeTensorsWriter.Tensor(new long[] {32}, new float[32])));
        e = assertThrows(IllegalArgumentException.class, () -> load(undeclared, 16));
        assertTrue(e.getMessage().contains("model.layers.1.self_attn.o_proj.bias"), e.getMessage());
    }

    @Test
    void unsupportedSettingsFailClearly() throws IOException {
        Path yarn = TestCheckpoints.write(tmp.resolve("yarn"), "llama", 1,
                c -> c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4.0));
        UnsupportedOperationException u = assertThrows(UnsupportedOperationException.class, () -> load(yarn, 16));
        assertTrue(u.getMessage().contains("'yarn'") && u.getMessage().contains("dynamic"), u.getMessage());

        Path qwenWindow = TestCheckpoints.write(tmp.resolve("qwen-window"), "qwen2", 1, c -> {
            c.put("use_sliding_window", true);
            c.put("sliding_window", 8);
        });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(qwenWindow, 16));
        assertTrue(e.getMessage().contains("sliding_window 8"), e.getMessage());
        load(qwenWindow, 8).close(); // within the window it is plain attention

        Path gelu = TestCheckpoints.write(tmp.resolve("gelu"), "llama", 1, c -> c.put("hidden_act", "gelu"));
        e = assertThrows(IllegalArgumentException.class, () -> load(gelu, 16));
        assertTrue(e.getMessage().contains("'gelu'"), e.getMessage());

        Path dynamic = write("dynamic");
        e = assertThrows(IllegalArgumentException.class, () -> load(dynamic, 65));
        assertTrue(e.getMessage().contains("max_position_embeddings 16") && e.getMessage().contains("64"),
                e.getMessage());
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
