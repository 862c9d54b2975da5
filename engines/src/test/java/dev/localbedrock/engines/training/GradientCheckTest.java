package dev.localbedrock.engines.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.DoubleBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Autograd gradients of the training loss against central finite differences, in float64 on a tiny generated Llama
 * (hidden 8, 2 layers, 2 query heads over 1 KV head, so the grouped-query path is exercised), on a batch of three
 * sequences of different lengths (right padding and its mask exercised) with different prompt lengths.
 *
 * <p>Tolerance: with {@code h = 1e-6}, the central difference has truncation error {@code h² |L'''| / 6}, about
 * {@code 1e-12} for these O(1) derivatives, and rounding error about {@code ε |L| / h = 1.1e-16 · 5.6 / 1e-6 ≈ 6e-10}
 * (the loss is near {@code ln 259 ≈ 5.6}). So an exact gradient agrees to about {@code 1e-9}; the check allows
 * {@code 1e-7 + 1e-5 |g|}, while a wrong mask, a missed term or a wrong scale moves gradients by far more than that
 * (the entries checked are at least {@code 1e-5} in size, asserted).
 */
class GradientCheckTest {
    private static final RandomLlamaCheckpoint.Shape TINY = new RandomLlamaCheckpoint.Shape(8, 2, 2, 1, 16, 259, 64);
    private static final double H = 1e-6;

    @TempDir
    static Path tmp;
    static Path checkpoint;

    private static final List<TrainingSequence> BATCH = List.of(
            new TrainingSequence(new int[] {1, 40, 41, 42, 7, 9, 2}, 4),
            new TrainingSequence(new int[] {1, 100, 101, 5, 2}, 3),
            new TrainingSequence(new int[] {1, 200, 201, 202, 203, 204, 205, 206, 2}, 2));

    @BeforeAll
    static void writeCheckpoint() throws IOException {
        checkpoint = RandomLlamaCheckpoint.write(tmp.resolve("tiny"), TINY, 11);
    }

    @Test
    void loraGradientsMatchFiniteDifferences() throws IOException {
        TrainingSettings s = new TrainingSettings(FineTuning.LORA, 2, 4, 1, BATCH.size(), 1e-3, 0, 0, 5, "cpu", 0);
        try (DecoderTrainer t = DecoderTrainer.open(checkpoint, s, DataType.FLOAT64)) {
            // B starts at zero, which makes dL/dA zero: give every B random entries first
            SplittableRandom rnd = new SplittableRandom(3);
            for (Parameter p : t.parameters()) {
                if (p.name().endsWith("lora_B.weight")) {
                    overwrite(p.value(), rnd, 0.5);
                }
            }
            check(t, "model.layers.0.self_attn.q_proj.lora_A.weight", "model.layers.0.self_attn.k_proj.lora_B.weight",
                    "model.layers.1.self_attn.v_proj.lora_A.weight", "model.layers.1.self_attn.o_proj.lora_B.weight",
                    "model.layers.0.mlp.gate_proj.lora_A.weight", "model.layers.1.mlp.up_proj.lora_B.weight",
                    "model.layers.1.mlp.down_proj.lora_A.weight");
        }
    }

    @Test
    void fullGradientsMatchFiniteDifferences() throws IOException {
        TrainingSettings s = new TrainingSettings(FineTuning.FULL, 0, 0, 1, BATCH.size(), 1e-3, 0, 0, 5, "cpu", 0);
        try (DecoderTrainer t = DecoderTrainer.open(checkpoint, s, DataType.FLOAT64)) {
            // random weights of std 0.02 make every gradient tiny: scale the matrices up so the check has signal
            SplittableRandom rnd = new SplittableRandom(4);
            for (Parameter p : t.parameters()) {
                if (p.name().endsWith("proj.weight")) {
                    overwrite(p.value(), rnd, 0.4);
                }
            }
            check(t, "model.layers.0.self_attn.q_proj.weight", "model.layers.1.self_attn.k_proj.weight",
                    "model.layers.0.mlp.down_proj.weight", "model.layers.1.mlp.gate_proj.weight",
                    "model.layers.0.input_layernorm.weight", "model.layers.1.post_attention_layernorm.weight",
                    "model.norm.weight", "model.embed_tokens.weight");
        }
    }

    /** For each named tensor, its 4 largest-gradient entries and 2 random ones. */
    private static void check(DecoderTrainer t, String... names) {
        t.lossAndGradients(BATCH);
        SplittableRandom pick = new SplittableRandom(9);
        for (String name : names) {
            Parameter p = t.parameters().stream().filter(q -> q.name().equals(name)).findFirst().orElseThrow();
            double[] grad = p.value().getGradient().toDoubleArray();
            int[] entries = new int[6];
            boolean[] used = new boolean[grad.length];
            for (int k = 0; k < 4; k++) {
                int best = -1;
                for (int i = 0; i < grad.length; i++) {
                    if (!used[i] && (best < 0 || Math.abs(grad[i]) > Math.abs(grad[best]))) {
                        best = i;
                    }
                }
                used[best] = true;
                entries[k] = best;
            }
            entries[4] = pick.nextInt(grad.length);
            entries[5] = pick.nextInt(grad.length);
            assertTrue(Math.abs(grad[entries[0]]) > 1e-5, name + ": largest gradient " + grad[entries[0]]
                    + " is too small for the check to mean anything");
            for (int i : entries) {
                double fd = (lossWith(t, p.value(), i, H) - lossWith(t, p.value(), i, -H)) / (2 * H);
                assertEquals(fd, grad[i], 1e-7 + 1e-5 * Math.abs(grad[i]), name + "[" + i + "]");
            }
        }
    }

    private static double lossWith(DecoderTrainer t, NDArray a, int index, double delta) {
        double[] values = a.toDoubleArray();
        double original = values[index];
        values[index] = original + delta;
        write(a, values);
        double loss = t.meanLoss(BATCH);
        values[index] = original;
        write(a, values);
        return loss;
    }

    private static void overwrite(NDArray a, SplittableRandom rnd, double std) {
        double[] v = new double[Math.toIntExact(a.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = (rnd.nextDouble() * 2 - 1) * std * Math.sqrt(3);
        }
        write(a, v);
    }

    /** In-place write of a leaf that requires gradients: allowed with autograd off. */
    private static void write(NDArray a, double[] values) {
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            a.set(DoubleBuffer.wrap(values));
        } finally {
            JniUtils.setGradMode(grad);
        }
    }
}
