package dev.localbedrock.engines.onnxbuild;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Drives a decoder graph with ONNX Runtime's Java API, greedily, for a batch of prompts: the contract documented on
 * {@link OnnxGraphBuilder}, in each of its driving modes. Works for built graphs and for Optimum-style exports with the
 * same names (left padding, {@code position_ids}, logits for all positions).
 */
final class GraphRunner implements AutoCloseable {
    /** How the KV cache and padding are handled. */
    enum Mode {
        /** Left padding, position_ids, past concatenated into present (Optimum). */
        LEFT_PADDED_CONCAT,
        /** Right padding, present = past + new (GQA graph driven like a standard one). */
        RIGHT_PADDED_CONCAT,
        /** Right padding, one shared buffer per layer as past and pinned present; prompts prefilled together. */
        SHARED_BATCHED,
        /**
         * Shared buffers, continuous batching: row b is prefilled alone (a B=1 view of its slot) at step b, while the
         * rows before it keep decoding (a view of the first rows); so rows sit at different positions. A one-token
         * prompt joins a decode step directly instead.
         */
        SHARED_STAGGERED,
        /**
         * Shared buffers: each row's prompt is fed alone in chunks of {@link #CHUNK} tokens (the first chunk a first
         * prompt, the others appended to a non-empty cache), then all rows decode together.
         */
        SHARED_CHUNKED
    }

    /** Prompt chunk size of {@link Mode#SHARED_CHUNKED}. */
    static final int CHUNK = 3;

    /** Per row: generated ids, and the logits (full vocabulary) that chose each of them. */
    record Result(List<int[]> tokens, List<List<float[]>> logits) {
    }

    private final OrtEnvironment env;
    private final OrtSession session;
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final boolean positionIds;

    GraphRunner(Path model, int layers, int kvHeads, int headDim, int threads) throws OrtException {
        this.env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(threads);
            o.setInterOpNumThreads(1);
            this.session = env.createSession(model.toString(), o);
        }
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.positionIds = session.getInputNames().contains(GraphSpec.POSITION_IDS);
    }

    GraphRunner(BuiltGraph g, int threads) throws OrtException {
        this(g.modelFile(), g.spec().numLayers(), g.spec().numKvHeads(), g.spec().headDim(), threads);
    }

    OrtSession session() {
        return session;
    }

    Result greedy(List<int[]> prompts, int newTokens, Mode mode) throws OrtException {
        return switch (mode) {
            case LEFT_PADDED_CONCAT, RIGHT_PADDED_CONCAT -> concat(prompts, newTokens, mode == Mode.LEFT_PADDED_CONCAT);
            case SHARED_BATCHED -> shared(prompts, newTokens, false);
            case SHARED_STAGGERED -> shared(prompts, newTokens, true);
            case SHARED_CHUNKED -> chunked(prompts, newTokens);
        };
    }

    // ------------------------------------------------------------------ concatenating KV

    private Result concat(List<int[]> prompts, int newTokens, boolean left) throws OrtException {
        int b = prompts.size();
        int[] lens = prompts.stream().mapToInt(p -> p.length).toArray();
        int maxLen = Arrays.stream(lens).max().orElseThrow();
        List<int[]> out = new ArrayList<>();
        List<List<float[]>> outLogits = new ArrayList<>();
        for (int r = 0; r < b; r++) {
            out.add(new int[newTokens]);
            outLogits.add(new ArrayList<>());
        }
        // step 0: the padded prompts
        long[] ids = new long[b * maxLen];
        long[] mask = new long[b * maxLen];
        long[] pos = new long[b * maxLen];
        int[] lastIndex = new int[b];
        for (int r = 0; r < b; r++) {
            int pad = maxLen - lens[r];
            for (int j = 0; j < lens[r]; j++) {
                int col = left ? pad + j : j;
                ids[r * maxLen + col] = prompts.get(r)[j];
                mask[r * maxLen + col] = 1;
                pos[r * maxLen + col] = j;
            }
            if (left) {
                for (int j = 0; j < pad; j++) {
                    pos[r * maxLen + j] = 1;
                }
            }
            lastIndex[r] = left ? maxLen - 1 : lens[r] - 1;
        }
        Map<String, OnnxTensor> owned = new HashMap<>();
        for (int l = 0; l < layers; l++) {
            for (String name : List.of(GraphSpec.pastKey(l), GraphSpec.pastValue(l))) {
                owned.put(name, OnnxTensor.createTensor(env, FloatBuffer.allocate(0), new long[] {b, kvHeads, 0, headDim}));
            }
        }
        OrtSession.Result previous = null;
        int width = maxLen;
        int[] cur = lens.clone();
        long[] curIds = ids;
        long[] curPos = pos;
        int s = maxLen;
        try {
            for (int step = 0; step < newTokens; step++) {
                Map<String, OnnxTensor> in = new HashMap<>();
                List<OnnxTensor> temp = new ArrayList<>();
                temp.add(put(in, GraphSpec.INPUT_IDS, curIds, b, s));
                temp.add(put(in, GraphSpec.ATTENTION_MASK, mask, b, width));
                if (positionIds) {
                    temp.add(put(in, GraphSpec.POSITION_IDS, curPos, b, s));
                }
                for (int l = 0; l < layers; l++) {
                    for (String[] pair : new String[][] {{GraphSpec.pastKey(l), GraphSpec.presentKey(l)},
                            {GraphSpec.pastValue(l), GraphSpec.presentValue(l)}}) {
                        if (previous == null) {
                            in.put(pair[0], owned.get(pair[0]));
                        } else {
                            in.put(pair[0], (OnnxTensor) previous.get(pair[1]).orElseThrow());
                        }
                    }
                }
                OrtSession.Result result = session.run(in);
                temp.forEach(OnnxTensor::close);
                if (previous != null) {
                    previous.close();
                }
                previous = result;
                float[][] rows = logitsRows(result, b, s, lastIndex);
                int[] next = new int[b];
                for (int r = 0; r < b; r++) {
                    out.get(r)[step] = argmax(rows[r]);
                    next[r] = forced != null ? forced.get(r)[step] : out.get(r)[step];
                    outLogits.get(r).add(rows[r]);
                }
                // next step: one token per row
                s = 1;
                curIds = new long[b];
                curPos = new long[b];
                for (int r = 0; r < b; r++) {
                    curIds[r] = next[r];
                    curPos[r] = cur[r];
                    cur[r]++;
                }
                if (left) {
                    width++;
                    long[] m = new long[b * width];
                    for (int r = 0; r < b; r++) {
                        System.arraycopy(mask, r * (width - 1), m, r * width, width - 1);
                        m[r * width + width - 1] = 1;
                        lastIndex[r] = 0;
                    }
                    mask = m;
                } else {
                    width = Arrays.stream(cur).max().orElseThrow();
                    mask = prefixMask(cur, width);
                    Arrays.fill(lastIndex, 0);
                }
            }
        } finally {
            if (previous != null) {
                previous.close();
            }
            owned.values().forEach(OnnxTensor::close);
        }
        return new Result(out, outLogits);
    }

    // ------------------------------------------------------------------ shared KV buffers

    private Result shared(List<int[]> prompts, int newTokens, boolean staggered) throws OrtException {
        int b = prompts.size();
        int[] lens = prompts.stream().mapToInt(p -> p.length).toArray();
        int capacity = Arrays.stream(lens).max().orElseThrow() + newTokens + (staggered ? b : 0) + 1;
        long slot = (long) kvHeads * capacity * headDim;
        FloatBuffer[][] buffers = new FloatBuffer[layers][2];
        for (int l = 0; l < layers; l++) {
            for (int k = 0; k < 2; k++) {
                buffers[l][k] = ByteBuffer.allocateDirect((int) (b * slot * 4)).order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
            }
        }
        List<int[]> out = new ArrayList<>();
        List<List<float[]>> outLogits = new ArrayList<>();
        for (int r = 0; r < b; r++) {
            out.add(new int[newTokens]);
            outLogits.add(new ArrayList<>());
        }
        int[] cur = new int[b];      // tokens in each row's cache
        int[] produced = new int[b]; // tokens generated per row
        int[] last = new int[b];     // last generated token per row
        if (!staggered) {
            int[] next = prefill(buffers, 0, b, prompts, capacity, slot);
            for (int r = 0; r < b; r++) {
                cur[r] = lens[r];
                record(out, outLogits, r, produced, last, next, r);
            }
            while (produced[0] < newTokens) {
                decode(buffers, 0, b, cur, last, capacity, slot, out, outLogits, produced);
            }
        } else {
            int active = 0;
            while (true) {
                // rows join in order and all generate newTokens, so the unfinished active rows are a suffix
                int f = 0;
                while (f < active && produced[f] >= newTokens) {
                    f++;
                }
                if (active < b && lens[active] == 1 && f < active) {
                    // a one-token prompt joins a decode step directly (its row: len 1, position 0)
                    last[active] = prompts.get(active)[0];
                    cur[active] = 0;
                    decode(buffers, f, active + 1 - f, cur, last, capacity, slot, out, outLogits, produced);
                    active++;
                    continue;
                }
                if (f < active) {
                    decode(buffers, f, active - f, cur, last, capacity, slot, out, outLogits, produced);
                }
                if (active < b) {
                    int[] next = prefill(buffers, active, 1, List.of(prompts.get(active)), capacity, slot);
                    cur[active] = lens[active];
                    record(out, outLogits, active, produced, last, next, 0);
                    active++;
                } else if (f == active) {
                    break;
                }
            }
        }
        return new Result(out, outLogits);
    }

    private List<float[]> lastRows;

    private Result chunked(List<int[]> prompts, int newTokens) throws OrtException {
        int b = prompts.size();
        int[] lens = prompts.stream().mapToInt(p -> p.length).toArray();
        int capacity = Arrays.stream(lens).max().orElseThrow() + newTokens + 1;
        long slot = (long) kvHeads * capacity * headDim;
        FloatBuffer[][] buffers = new FloatBuffer[layers][2];
        for (int l = 0; l < layers; l++) {
            for (int k = 0; k < 2; k++) {
                buffers[l][k] = ByteBuffer.allocateDirect((int) (b * slot * 4)).order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
            }
        }
        List<int[]> out = new ArrayList<>();
        List<List<float[]>> outLogits = new ArrayList<>();
        int[] cur = new int[b];
        int[] produced = new int[b];
        int[] last = new int[b];
        for (int r = 0; r < b; r++) {
            out.add(new int[newTokens]);
            outLogits.add(new ArrayList<>());
            int[] p = prompts.get(r);
            int[] next = null;
            for (int start = 0; start < p.length; start += CHUNK) {
                int n = Math.min(CHUNK, p.length - start);
                long[] ids = new long[n];
                for (int j = 0; j < n; j++) {
                    ids[j] = p[start + j];
                }
                int len = start + n;
                next = runShared(buffers, r, 1, ids, n, prefixMask(new int[] {len}, len), len, capacity, slot,
                        new int[] {n - 1});
            }
            cur[r] = p.length;
            record(out, outLogits, r, produced, last, next, 0);
        }
        while (produced[0] < newTokens) {
            decode(buffers, 0, b, cur, last, capacity, slot, out, outLogits, produced);
        }
        return new Result(out, outLogits);
    }

    private void record(List<int[]> out, List<List<float[]>> outLogits, int row, int[] produced, int[] last,
                        int[] next, int idx) {
        out.get(row)[produced[row]] = next[idx];
        outLogits.get(row).add(lastRows.get(idx));
        last[row] = forced != null ? forced.get(row)[produced[row]] : next[idx];
        produced[row]++;
    }

    private List<int[]> forced;

    /**
     * Teacher forcing: feed {@code tokens.get(r)[i]} as row {@code r}'s token after step {@code i} instead of the
     * argmax (which is still what {@link Result#tokens()} reports); {@code null} for free greedy decoding.
     */
    GraphRunner force(List<int[]> tokens) {
        this.forced = tokens;
        return this;
    }

    /** First prompt for rows {@code [first, first+n)}: right-padded, mask width = S. */
    private int[] prefill(FloatBuffer[][] buffers, int first, int n, List<int[]> prompts, int capacity, long slot)
            throws OrtException {
        int s = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
        long[] ids = new long[n * s];
        int[] lens = new int[n];
        for (int r = 0; r < n; r++) {
            int[] p = prompts.get(r);
            lens[r] = p.length;
            for (int j = 0; j < p.length; j++) {
                ids[r * s + j] = p[j];
            }
        }
        int[] lastIndex = new int[n];
        for (int r = 0; r < n; r++) {
            lastIndex[r] = lens[r] - 1;
        }
        return runShared(buffers, first, n, ids, s, prefixMask(lens, s), s, capacity, slot, lastIndex);
    }

    private void decode(FloatBuffer[][] buffers, int first, int n, int[] cur, int[] last, int capacity, long slot,
                        List<int[]> out, List<List<float[]>> outLogits, int[] produced) throws OrtException {
        long[] ids = new long[n];
        int[] lens = new int[n];
        for (int r = 0; r < n; r++) {
            ids[r] = last[first + r];
            lens[r] = cur[first + r] + 1;
        }
        int width = Arrays.stream(lens).max().orElseThrow();
        int[] next = runShared(buffers, first, n, ids, 1, prefixMask(lens, width), width, capacity, slot, new int[n]);
        for (int r = 0; r < n; r++) {
            cur[first + r]++;
            record(out, outLogits, first + r, produced, last, next, r);
        }
    }

    private int[] runShared(FloatBuffer[][] buffers, int first, int n, long[] ids, int s, long[] mask, int width,
                            int capacity, long slot, int[] lastIndex) throws OrtException {
        Map<String, OnnxTensor> in = new HashMap<>();
        Map<String, OnnxValue> pinned = new HashMap<>();
        List<OnnxTensor> temp = new ArrayList<>();
        try {
            temp.add(put(in, GraphSpec.INPUT_IDS, ids, n, s));
            temp.add(put(in, GraphSpec.ATTENTION_MASK, mask, n, width));
            long[] shape = {n, kvHeads, capacity, headDim};
            for (int l = 0; l < layers; l++) {
                for (int k = 0; k < 2; k++) {
                    FloatBuffer view = buffers[l][k].duplicate().position((int) (first * slot)).limit(
                            (int) ((first + n) * slot)).slice();
                    OnnxTensor t = OnnxTensor.createTensor(env, view, shape);
                    temp.add(t);
                    in.put(k == 0 ? GraphSpec.pastKey(l) : GraphSpec.pastValue(l), t);
                    pinned.put(k == 0 ? GraphSpec.presentKey(l) : GraphSpec.presentValue(l), t);
                }
            }
            try (OrtSession.Result result = session.run(in, Set.of(GraphSpec.LOGITS), pinned)) {
                float[][] rows = logitsRows(result, n, s, lastIndex);
                lastRows = Arrays.asList(rows);
                int[] next = new int[n];
                for (int r = 0; r < n; r++) {
                    next[r] = argmax(rows[r]);
                }
                return next;
            }
        } finally {
            temp.forEach(OnnxTensor::close);
        }
    }

    // ------------------------------------------------------------------ helpers

    private OnnxTensor put(Map<String, OnnxTensor> in, String name, long[] data, int b, int s) throws OrtException {
        OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(data, 0, b * s), new long[] {b, s});
        in.put(name, t);
        return t;
    }

    static long[] prefixMask(int[] lens, int width) {
        long[] m = new long[lens.length * width];
        for (int r = 0; r < lens.length; r++) {
            Arrays.fill(m, r * width, r * width + lens[r], 1L);
        }
        return m;
    }

    /** Row {@code r}'s logits: position 0 when the graph returns one per row, else {@code lastIndex[r]}. */
    private static float[][] logitsRows(OrtSession.Result result, int b, int s, int[] lastIndex) throws OrtException {
        OnnxTensor logits = (OnnxTensor) result.get(GraphSpec.LOGITS).orElseThrow();
        long[] shape = logits.getInfo().getShape();
        int l = (int) shape[1];
        int v = (int) shape[2];
        if (shape[0] != b || (l != 1 && l != s)) {
            throw new IllegalStateException("logits shape " + Arrays.toString(shape) + " for batch " + b + " x " + s);
        }
        FloatBuffer fb = logits.getFloatBuffer();
        float[][] rows = new float[b][v];
        for (int r = 0; r < b; r++) {
            int p = l == 1 ? 0 : lastIndex[r];
            fb.position((r * l + p) * v);
            fb.get(rows[r]);
        }
        return rows;
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
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
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
