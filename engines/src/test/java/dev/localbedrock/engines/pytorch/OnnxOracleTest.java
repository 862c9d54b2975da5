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
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.localbedrock.engines.pytorch.Greedy.argmax;
import static dev.localbedrock.engines.pytorch.Greedy.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The numerical oracle: tiny-random-llama's own ONNX export (same weights), run directly with ONNX Runtime, must give
 * the same logits as the PyTorch engine at every position. Independent code computing the same function, so agreement
 * within float32 rounding (F32Bounds) shows the Llama graph (RoPE layout, GQA, norms, MLP) is right.
 */
class OnnxOracleTest {
    /** Two float32 programs of one network: the same reductions, in whatever order each engine's kernels pick. */
    private static final F32Bounds.Bound TWO_ENGINES = F32Bounds.betweenF32("pytorch vs llama ONNX export",
            F32Bounds.Shape.of(TestModels.tinyLlama(), 64));
    private static final int LAYERS = 2;
    private static final int VOCAB = 32000;
    private static OrtEnvironment env;
    private static OrtSession session;
    private static PtDecoderModel model;

    @BeforeAll
    static void load() throws OrtException, IOException {
        env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            session = env.createSession(TestModels.tinyLlama().resolve("onnx/model.onnx").toString(), options);
        }
        model = PtDecoderModel.load(TestModels.tinyLlama(), TestModels.device(), EngineOptions.defaults());
    }

    @AfterAll
    static void close() throws OrtException {
        model.close();
        session.close();
    }

    /** ONNX logits {@code [n][vocab]} for {@code ids} run from an empty past. */
    private static float[][] onnxLogits(int[] ids) throws OrtException {
        int n = ids.length;
        long[] idArr = new long[n];
        long[] mask = new long[n];
        long[] pos = new long[n];
        for (int i = 0; i < n; i++) {
            idArr[i] = ids[i];
            mask[i] = 1;
            pos[i] = i;
        }
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            long[] shape = {1, n};
            inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(idArr), shape));
            inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
            inputs.put("position_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(pos), shape));
            for (int l = 0; l < LAYERS; l++) {
                for (String kv : new String[] {"key", "value"}) {
                    inputs.put("past_key_values." + l + "." + kv,
                            OnnxTensor.createTensor(env, FloatBuffer.allocate(0), new long[] {1, 1, 0, 16}));
                }
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
    void everyPositionMatchesTheOnnxExport() throws OrtException {
        for (String prompt : new String[] {"Hello world", "The capital of France is Paris, and the capital of"}) {
            int[] ids = model.tokenizer().encode(prompt, true);
            float[][] expected = onnxLogits(ids);
            for (int i = 1; i < ids.length; i++) {
                // positions differ far more than the tolerance, so agreement within it is not vacuous
                assertTrue(maxAbsDiff(expected[i], expected[i - 1]) > 100 * TWO_ENGINES.limit(expected[i]));
            }
            try (SequenceState seq = model.newSequence()) {
                // token by token through the KV cache: every position's logits
                for (int i = 0; i < ids.length; i++) {
                    float[] actual = model.forward(List.of(seq), List.of(new int[] {ids[i]}))[0];
                    TWO_ENGINES.check(expected[i], actual, "'" + prompt + "' position " + i);
                    assertEquals(argmax(expected[i]), argmax(actual));
                }
            }
            try (SequenceState seq = model.newSequence()) {
                // the whole prompt in one prefill: the last position
                float[] actual = model.forward(List.of(seq), List.of(ids))[0];
                TWO_ENGINES.check(expected[ids.length - 1], actual, "'" + prompt + "' prefill");
            }
        }
    }

    @Test
    void greedyContinuationMatchesTheOnnxExport() throws OrtException {
        int[] ids = model.tokenizer().encode("Once upon a time", true);
        try (SequenceState seq = model.newSequence()) {
            float[] logits = model.forward(List.of(seq), List.of(ids))[0];
            for (int step = 0; step < 12; step++) {
                float[][] expected = onnxLogits(ids);
                TWO_ENGINES.check(expected[ids.length - 1], logits, "step " + step);
                int next = argmax(logits);
                assertEquals(argmax(expected[ids.length - 1]), next, "step " + step);
                ids = Greedy.append(ids, next);
                logits = model.forward(List.of(seq), List.of(new int[] {next}))[0];
            }
        }
    }
}
