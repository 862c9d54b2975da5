package dev.localbedrock.engines.onnxbuild;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.numerics.F32Bounds;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Reference decoders the built graphs are checked against, and the comparison. */
final class References {
    /** Longer than any prompt plus its new tokens in the graph tests. */
    static final int CONTEXT = 32;

    private References() {
    }

    /** Greedy decoding on the PyTorch engine, all prompts in one batch. */
    static GraphRunner.Result pytorch(Path dir, List<int[]> prompts, int newTokens) {
        try (DecoderModel m = DecoderModels.load(dir, EngineKind.PYTORCH, "cpu", new EngineOptions(256, 0))) {
            List<SequenceState> seqs = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                seqs.add(m.newSequence());
            }
            List<int[]> out = new ArrayList<>();
            List<List<float[]>> logits = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                out.add(new int[newTokens]);
                logits.add(new ArrayList<>());
            }
            List<int[]> in = prompts;
            for (int step = 0; step < newTokens; step++) {
                float[][] l = m.forward(seqs, in);
                List<int[]> next = new ArrayList<>();
                for (int r = 0; r < l.length; r++) {
                    int t = GraphRunner.argmax(l[r]);
                    out.get(r)[step] = t;
                    logits.get(r).add(l[r]);
                    next.add(new int[] {t});
                }
                in = next;
            }
            seqs.forEach(SequenceState::close);
            return new GraphRunner.Result(out, logits);
        }
    }

    /**
     * Greedy decoding with tiny-random-gpt2's shipped {@code onnx/past.onnx} (int32 ids, stacked
     * {@code past_i [2, B, heads, P, hd]}), one prompt at a time.
     */
    static GraphRunner.Result gpt2Past(Path onnx, List<int[]> prompts, int newTokens, int layers, int heads, int hd)
            throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<int[]> out = new ArrayList<>();
        List<List<float[]>> logits = new ArrayList<>();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            try (OrtSession s = env.createSession(onnx.toString(), o)) {
                for (int[] prompt : prompts) {
                    int[] gen = new int[newTokens];
                    List<float[]> lg = new ArrayList<>();
                    int[] ids = prompt;
                    int past = 0;
                    OrtSession.Result prev = null;
                    for (int step = 0; step < newTokens; step++) {
                        int n = ids.length;
                        int[] pos = new int[n];
                        for (int i = 0; i < n; i++) {
                            pos[i] = past + i;
                        }
                        int[] mask = new int[past + n];
                        java.util.Arrays.fill(mask, 1);
                        Map<String, OnnxTensor> in = new HashMap<>();
                        List<OnnxTensor> temp = new ArrayList<>();
                        temp.add(put(env, in, "input_ids", ids, new long[] {1, n}));
                        temp.add(put(env, in, "position_ids", pos, new long[] {1, n}));
                        temp.add(put(env, in, "attention_mask", mask, new long[] {1, past + n}));
                        for (int l = 0; l < layers; l++) {
                            if (prev == null) {
                                OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.allocate(0),
                                        new long[] {2, 1, heads, 0, hd});
                                temp.add(t);
                                in.put("past_" + l, t);
                            } else {
                                in.put("past_" + l, (OnnxTensor) prev.get("present_" + l).orElseThrow());
                            }
                        }
                        OrtSession.Result r = s.run(in);
                        temp.forEach(OnnxTensor::close);
                        if (prev != null) {
                            prev.close();
                        }
                        prev = r;
                        OnnxTensor lt = (OnnxTensor) r.get("logits").orElseThrow();
                        int v = (int) lt.getInfo().getShape()[2];
                        FloatBuffer fb = lt.getFloatBuffer();
                        float[] last = new float[v];
                        fb.position((n - 1) * v);
                        fb.get(last);
                        lg.add(last);
                        gen[step] = GraphRunner.argmax(last);
                        past += n;
                        ids = new int[] {gen[step]};
                    }
                    if (prev != null) {
                        prev.close();
                    }
                    out.add(gen);
                    logits.add(lg);
                }
            }
        }
        return new GraphRunner.Result(out, logits);
    }

    private static OnnxTensor put(OrtEnvironment env, Map<String, OnnxTensor> in, String name, int[] data,
                                  long[] shape) throws OrtException {
        OnnxTensor t = OnnxTensor.createTensor(env, IntBuffer.wrap(data), shape);
        in.put(name, t);
        return t;
    }

    /**
     * Same tokens for every row and every step's logits within float32 rounding of a network of {@code shape}: the
     * built graph and its reference are two float32 programs of one network ({@link F32Bounds#betweenF32}).
     */
    static void assertSame(F32Bounds.Shape shape, GraphRunner.Result expected, GraphRunner.Result actual,
                           String what) {
        F32Bounds.Bound bound = F32Bounds.betweenF32("onnxbuild graph vs reference", shape);
        assertEquals(expected.tokens().size(), actual.tokens().size(), what + ": rows");
        float worst = 0;
        for (int r = 0; r < expected.tokens().size(); r++) {
            assertArrayEquals(expected.tokens().get(r), actual.tokens().get(r), what + ": greedy tokens of row " + r);
            for (int step = 0; step < expected.logits().get(r).size(); step++) {
                float[] e = expected.logits().get(r).get(step);
                float[] a = actual.logits().get(r).get(step);
                worst = Math.max(worst, GraphRunner.maxAbsDiff(e, a));
                bound.check(e, a, what + ": row " + r + " step " + step);
            }
        }
        System.err.printf("[onnxbuild-test] %s: tokens equal, max |logit diff| %.2e%n", what, worst);
    }
}
