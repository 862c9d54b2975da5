package dev.localbedrock.engines.onnxruntime;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.SequenceState;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Small helpers shared by the ONNX Runtime engine tests. */
final class OrtTestSupport {
    private OrtTestSupport() {
    }

    /** Index of the largest logit (first on ties). */
    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    static float maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException(a.length + " vs " + b.length);
        }
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            float d = Math.abs(a[i] - b[i]);
            if (!(d <= m)) {
                m = Float.isNaN(d) ? Float.POSITIVE_INFINITY : d;
            }
        }
        return m;
    }

    static int[] append(int[] ids, int id) {
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = id;
        return out;
    }

    /** A greedy trace: the logits of the prompt's last position and of every generated token, and the tokens. */
    record Trace(List<float[]> logits, int[] tokens) {
    }

    /** Prefills {@code prompt} alone, then decodes {@code steps} greedy tokens alone. */
    static Trace greedyAlone(DecoderModel model, int[] prompt, int steps) {
        try (SequenceState seq = model.newSequence(prompt.length + steps + 1)) {
            List<float[]> logits = new ArrayList<>();
            int[] generated = new int[steps];
            float[] l = model.forward(List.of(seq), List.of(prompt))[0];
            for (int s = 0; s < steps; s++) {
                logits.add(l);
                generated[s] = argmax(l);
                l = model.forward(List.of(seq), List.of(new int[] {generated[s]}))[0];
            }
            return new Trace(logits, generated);
        }
    }

    /** All prompts in one batch: one forward for every prefill, then {@code steps} batched greedy decode steps. */
    static List<Trace> greedyBatched(DecoderModel model, List<int[]> prompts, int steps) {
        List<SequenceState> seqs = new ArrayList<>();
        try {
            for (int[] p : prompts) {
                seqs.add(model.newSequence(p.length + steps + 1));
            }
            List<List<float[]>> logits = new ArrayList<>();
            int[][] generated = new int[prompts.size()][steps];
            for (int r = 0; r < prompts.size(); r++) {
                logits.add(new ArrayList<>());
            }
            float[][] l = model.forward(seqs, prompts);
            for (int s = 0; s < steps; s++) {
                List<int[]> next = new ArrayList<>();
                for (int r = 0; r < prompts.size(); r++) {
                    logits.get(r).add(l[r]);
                    generated[r][s] = argmax(l[r]);
                    next.add(new int[] {generated[r][s]});
                }
                l = model.forward(seqs, next);
            }
            List<Trace> out = new ArrayList<>();
            for (int r = 0; r < prompts.size(); r++) {
                out.add(new Trace(logits.get(r), generated[r]));
            }
            return out;
        } finally {
            seqs.forEach(SequenceState::close);
        }
    }
}
