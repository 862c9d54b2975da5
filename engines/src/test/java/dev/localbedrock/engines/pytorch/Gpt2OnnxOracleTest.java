package dev.localbedrock.engines.pytorch;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.TestModels;
import dev.localbedrock.engines.numerics.F32Bounds;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.localbedrock.engines.pytorch.Greedy.argmax;
import static dev.localbedrock.engines.pytorch.Greedy.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The numerical oracle for GPT-2: tiny-random-gpt2's own ONNX export ({@code onnx/past.onnx}: contrib
 * {@code EmbedLayerNormalization}, {@code Attention}, {@code SkipLayerNormalization}, {@code FastGelu}; same weights),
 * run directly with ONNX Runtime, must give the PyTorch engine's logits at every position within float32 rounding (F32Bounds). Independent code
 * computing the same function: agreement shows the learned positions, LayerNorms with bias, {@code Conv1D} layout,
 * tanh-GELU and tied head are right.
 */
class Gpt2OnnxOracleTest {
    /** Two float32 programs of one network: the same reductions, in whatever order each engine's kernels pick. */
    private static final F32Bounds.Bound TWO_ENGINES = F32Bounds.betweenF32("pytorch vs gpt2 ONNX export",
            F32Bounds.Shape.of(TestModels.tinyGpt2(), 64));
    private static final int LAYERS = 5;
    private static final int HEADS = 4;
    private static final int HEAD_DIM = 8;
    private static final int VOCAB = 1000;
    private static OrtEnvironment env;
    private static OrtSession session;
    private static PtDecoderModel model;

    @BeforeAll
    static void load() throws OrtException, IOException {
        env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            session = env.createSession(TestModels.tinyGpt2().resolve("onnx/past.onnx").toString(), options);
        }
        model = PtDecoderModel.load(TestModels.tinyGpt2(), TestModels.device(), EngineOptions.defaults());
    }

    @AfterAll
    static void close() throws OrtException {
        model.close();
        session.close();
    }

    /** ONNX logits {@code [n][vocab]} for {@code ids} run from an empty past. */
    private static float[][] onnxLogits(int[] ids) throws OrtException {
        int n = ids.length;
        int[] mask = new int[n];
        int[] pos = new int[n];
        for (int i = 0; i < n; i++) {
            mask[i] = 1;
            pos[i] = i;
        }
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            long[] shape = {1, n};
            inputs.put("input_ids", OnnxTensor.createTensor(env, IntBuffer.wrap(ids.clone()), shape));
            inputs.put("position_ids", OnnxTensor.createTensor(env, IntBuffer.wrap(pos), shape));
            inputs.put("attention_mask", OnnxTensor.createTensor(env, IntBuffer.wrap(mask), shape));
            for (int l = 0; l < LAYERS; l++) {
                inputs.put("past_" + l, OnnxTensor.createTensor(env, FloatBuffer.allocate(0),
                        new long[] {2, 1, HEADS, 0, HEAD_DIM}));
            }
            try (OrtSession.Result result = session.run(inputs)) {
                OnnxTensor logits = (OnnxTensor) result.get("logits").orElseThrow();
                long[] s = logits.getInfo().getShape();
                assertEquals(List.of(1L, (long) n, (long) VOCAB), List.of(s[0], s[1], s[2]));
                FloatBuffer fb = logits.getFloatBuffer();
                float[][] out = new float[n][VOCAB];
                for (int i = 0; i < n; i++) {
                    fb.get(out[i]);
                }
                return out;
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    @Test
    void theGraphHasTheDocumentedInputs() {
        assertEquals(java.util.Set.of("input_ids", "position_ids", "attention_mask", "past_0", "past_1", "past_2",
                "past_3", "past_4"), session.getInputNames());
    }

    @Test
    void everyPositionMatchesTheOnnxExport() throws OrtException {
        Random rng = new Random(5);
        for (int length : new int[] {1, 7, 40}) {
            int[] ids = DecoderChecks.randomIds(rng, length, VOCAB);
            float[][] expected = onnxLogits(ids);
            for (int i = 1; i < ids.length; i++) {
                // positions differ far more than the tolerance, so agreement within it is not vacuous
                assertTrue(maxAbsDiff(expected[i], expected[i - 1]) > 100 * TWO_ENGINES.limit(expected[i]));
            }
            try (SequenceState seq = model.newSequence()) {
                for (int i = 0; i < ids.length; i++) {
                    float[] actual = DecoderChecks.run(model, seq, ids[i]);
                    TWO_ENGINES.check(expected[i], actual, "length " + length + " position " + i);
                    assertEquals(argmax(expected[i]), argmax(actual));
                }
            }
            try (SequenceState seq = model.newSequence()) {
                float[] actual = DecoderChecks.run(model, seq, ids);
                TWO_ENGINES.check(expected[ids.length - 1], actual, "length " + length + " prefill");
            }
        }
    }

    @Test
    void greedyContinuationMatchesTheOnnxExport() throws OrtException {
        int[] ids = {98, 464, 329, 318, 257};
        try (SequenceState seq = model.newSequence()) {
            float[] logits = DecoderChecks.run(model, seq, ids);
            for (int step = 0; step < 12; step++) {
                float[][] expected = onnxLogits(ids);
                TWO_ENGINES.check(expected[ids.length - 1], logits, "step " + step);
                int next = argmax(logits);
                assertEquals(argmax(expected[ids.length - 1]), next, "step " + step);
                ids = Greedy.append(ids, next);
                logits = DecoderChecks.run(model, seq, next);
            }
        }
    }
}
