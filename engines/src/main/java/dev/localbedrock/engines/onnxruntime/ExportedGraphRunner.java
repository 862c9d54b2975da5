package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The forward pass of an {@link OrtDecoderModel} over per-sequence buffers: exported graphs (Optimum/GenAI
 * {@code past_key_values.N.key|value} or legacy GPT-2 {@code past_N}, int32 or int64 ids, optional
 * {@code position_ids}; conventions read from the session's metadata, {@link DecoderGraph}) and built graphs of the
 * {@code standard} variant.
 *
 * <p>Past/present graphs return a new {@code present} tensor every step (ONNX Runtime copies the past into it and
 * appends the new positions), so each sequence owns, per cache tensor, a direct buffer laid out as its batch-1
 * {@code past} ({@link OrtSequence}). A sequence run alone passes that buffer as {@code past} without a copy and gets
 * its {@code present} pinned into a spare buffer from the {@link ExportedKvPool}'s free list; the two are then swapped,
 * so the Java side copies nothing.
 *
 * <p>{@link #forward} groups its rows and runs each group as one session run:
 * <ul>
 *   <li>Decode rows (one new token) form one group whatever their past lengths when the graph passes the left-padding
 *       probe at load ({@link CapabilityProbe}): each row's past is right-aligned in a
 *       {@code [batch, heads, maxPast, headDim]} tensor and the attention mask zeroes the padding, positions stay per
 *       row. Otherwise (graph without an attention mask, or an attention op whose padding semantics differ, e.g.
 *       GroupQueryAttention's right-aligned caches) decode rows are grouped by equal past length, which needs no
 *       padding at all.</li>
 *   <li>Multi-token rows (prefill, prompt chunks) are grouped by equal new-token count and equal past length, so they
 *       are never padded. When the graph cannot take several new tokens on top of a non-empty past (the probe finds
 *       this for the GenAI Llama export, whose causal mask ignores the past), such rows are fed one token per run,
 *       batched with each other like decode rows.</li>
 * </ul>
 * Each row's logits equal what it gets alone up to float summation order.
 *
 * <p>Cost, honestly: a batched run gathers every row's whole cache into one past tensor and scatters the present back
 * (two memcpys of all rows' KV per step, on top of ONNX Runtime's own past→present copy), attention in a padded group
 * costs as much as the longest row for every row, and an exported graph computes logits for every new position (a
 * prefill of {@code n} tokens materialises {@code n × vocab} floats; runs are split so no tensor exceeds
 * {@value OrtDecoderModel#RUN_TENSOR_BYTES} bytes). Built graphs of the {@code standard} variant return only each
 * row's last logits.
 *
 * <p>Not thread-safe: it is only used under the model's lock (and by the probe, before the model is published).
 */
final class ExportedGraphRunner {
    private final DecoderSession steps;
    private final DecoderGraph graph;
    private final ExportedKvPool pool;
    private final int slotCount;
    private final int vocab;
    /** Whether decode rows of different past lengths may share a run (left-padded past + mask); set by the probe. */
    boolean leftPadding;
    /** Whether a run may append several tokens to a non-empty past; set by the probe. */
    boolean multiTokenWithPast;
    /** Run options of the capability probe (native errors of an expected failure not logged), else {@code null}. */
    OrtSession.RunOptions runOptions;

    // batched past and present tensors, per cache slot, reused (grown on demand)
    private final ByteBuffer[] pastScratch;
    private final ByteBuffer[] presentScratch;

    ExportedGraphRunner(DecoderSession steps, ExportedKvPool pool) {
        this.steps = steps;
        this.graph = steps.graph;
        this.pool = pool;
        this.slotCount = graph.slots().size();
        this.vocab = steps.vocab;
        this.pastScratch = new ByteBuffer[slotCount];
        this.presentScratch = new ByteBuffer[slotCount];
    }

    /** How rows are grouped into session runs; {@code past} is -1 when rows of any past length may share a run. */
    private record GroupKey(int newTokens, int past, boolean tokenByToken) {
    }

    /** One step: groups the (validated) rows as the class comment says and runs each group. */
    float[][] forward(OrtSequence[] seqs, List<int[]> tokens) {
        float[][] out = new float[seqs.length][];
        Map<GroupKey, List<Integer>> groups = new LinkedHashMap<>();
        for (int r = 0; r < seqs.length; r++) {
            groups.computeIfAbsent(groupKey(seqs[r].length, tokens.get(r).length), k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<GroupKey, List<Integer>> g : groups.entrySet()) {
            runGroup(g.getKey(), g.getValue(), seqs, tokens, out);
        }
        return out;
    }

    private GroupKey groupKey(int past, int n) {
        if (n == 1) {
            return new GroupKey(1, leftPadding ? -1 : past, false);
        }
        if (past == 0 || multiTokenWithPast) {
            return new GroupKey(n, past, false);
        }
        return new GroupKey(n, leftPadding ? -1 : past, true);
    }

    private void runGroup(GroupKey key, List<Integer> rows, OrtSequence[] seqs, List<int[]> tokens, float[][] out) {
        int perRun = rowsPerRun(key, rows, seqs);
        for (int from = 0; from < rows.size(); from += perRun) {
            List<Integer> part = rows.subList(from, Math.min(rows.size(), from + perRun));
            OrtSequence[] rs = new OrtSequence[part.size()];
            int[][] ts = new int[part.size()][];
            for (int i = 0; i < rs.length; i++) {
                rs[i] = seqs[part.get(i)];
                ts[i] = tokens.get(part.get(i));
            }
            float[][] logits;
            if (key.tokenByToken()) {
                logits = null;
                int[][] column = new int[rs.length][1];
                for (int j = 0; j < key.newTokens(); j++) {
                    for (int i = 0; i < rs.length; i++) {
                        column[i][0] = ts[i][j];
                    }
                    logits = run(rs, column);
                }
            } else {
                logits = run(rs, ts);
            }
            for (int i = 0; i < rs.length; i++) {
                out[part.get(i)] = logits[i];
            }
        }
    }

    /**
     * Rows per session run so that neither the logits nor a batched cache tensor exceeds
     * {@link OrtDecoderModel#RUN_TENSOR_BYTES}.
     */
    private int rowsPerRun(GroupKey key, List<Integer> rows, OrtSequence[] seqs) {
        int n = key.tokenByToken() ? 1 : key.newTokens();
        int maxPast = 0;
        for (int r : rows) {
            maxPast = Math.max(maxPast, seqs[r].length);
        }
        long total = maxPast + (long) key.newTokens();
        long perRow = (long) n * vocab * Float.BYTES;
        for (DecoderGraph.CacheSlot s : graph.slots()) {
            perRow = Math.max(perRow, graph.floatsPerToken(s) * total * Float.BYTES);
        }
        return (int) Math.max(1, Math.min(rows.size(), OrtDecoderModel.RUN_TENSOR_BYTES / perRow));
    }

    /**
     * One session run: appends {@code tokens[i]} (all of one length) to {@code rows[i]} and returns the logits of each
     * row's last new position. Rows of different lengths are left-padded (the caller decides whether the graph allows
     * it). Nothing is committed to a sequence unless the run succeeds.
     *
     * @throws IllegalStateException when ONNX Runtime fails
     */
    float[][] run(OrtSequence[] rows, int[][] tokens) {
        int b = rows.length;
        int n = tokens[0].length;
        int maxPast = 0;
        for (OrtSequence q : rows) {
            maxPast = Math.max(maxPast, q.length);
        }
        int total = maxPast + n;
        int heads = graph.kvHeads();
        int hd = graph.headDim();
        boolean single = b == 1;
        ByteBuffer[] fresh = single ? new ByteBuffer[slotCount] : null;
        List<OnnxTensor> open = new ArrayList<>(2 * slotCount + 4);
        try {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            Map<String, OnnxTensor> outputs = new HashMap<>();

            // token ids [b, n], attention mask [b, total] (zero over each row's left padding), positions [b, n]
            IndexWriter ids = new IndexWriter(graph.idType(), steps.ids((long) b * n * Long.BYTES));
            for (int r = 0; r < b; r++) {
                for (int i = 0; i < n; i++) {
                    ids.put(r * n + i, tokens[r][i]);
                }
            }
            inputs.put(graph.inputIds(), steps.open(ids.tensor(steps.env, b, n), open));
            if (graph.attentionMask() != null) {
                IndexWriter mask = new IndexWriter(graph.maskType(), steps.mask((long) b * total * Long.BYTES));
                for (int r = 0; r < b; r++) {
                    int pad = maxPast - rows[r].length;
                    for (int t = 0; t < total; t++) {
                        mask.put(r * total + t, t < pad ? 0 : 1);
                    }
                }
                inputs.put(graph.attentionMask(), steps.open(mask.tensor(steps.env, b, total), open));
            }
            if (graph.positionIds() != null) {
                IndexWriter pos = new IndexWriter(graph.positionType(), steps.positions((long) b * n * Long.BYTES));
                for (int r = 0; r < b; r++) {
                    for (int i = 0; i < n; i++) {
                        pos.put(r * n + i, rows[r].length + i);
                    }
                }
                inputs.put(graph.positionIds(), steps.open(pos.tensor(steps.env, b, n), open));
            }

            // caches: past in, present pinned
            for (int s = 0; s < slotCount; s++) {
                DecoderGraph.CacheSlot slot = graph.slots().get(s);
                long fpt = graph.floatsPerToken(slot);
                FloatBuffer past;
                FloatBuffer present;
                if (single) {
                    OrtSequence q = rows[0];
                    past = DirectBuffers.floats(q.kv[s] == null ? DirectBuffers.EMPTY : q.kv[s], 0, fpt * maxPast);
                    fresh[s] = pool.take(fpt * total * Float.BYTES, ExportedKvPool.preferredBytes(q, total, fpt));
                    present = DirectBuffers.floats(fresh[s], 0, fpt * total);
                } else {
                    pastScratch[s] = DirectBuffers.ensure(pastScratch[s], fpt * b * maxPast * Float.BYTES);
                    gather(rows, s, slot.planes(), heads, hd, maxPast);
                    past = DirectBuffers.floats(pastScratch[s], 0, fpt * b * maxPast);
                    presentScratch[s] = DirectBuffers.ensure(presentScratch[s], fpt * b * total * Float.BYTES);
                    present = DirectBuffers.floats(presentScratch[s], 0, fpt * b * total);
                }
                inputs.put(slot.past(), steps.open(OnnxTensor.createTensor(steps.env, past,
                        cacheShape(slot, b, maxPast)), open));
                outputs.put(slot.present(), steps.open(OnnxTensor.createTensor(steps.env, present,
                        cacheShape(slot, b, total)), open));
            }
            int positions = graph.lastLogitOnly() ? 1 : n; // with left padding, a row's last position is its last token
            FloatBuffer logits = steps.logits((long) b * positions * vocab);
            outputs.put(graph.logits(), steps.open(OnnxTensor.createTensor(steps.env, logits,
                    new long[] {b, positions, vocab}), open));

            steps.runs++;
            try (OrtSession.Result ignored = steps.session.run(inputs, Collections.emptySet(), outputs, runOptions)) {
                // every output is pinned: the results are already in our buffers
            }

            float[][] result = new float[b][vocab];
            for (int r = 0; r < b; r++) {
                logits.get(Math.toIntExact(((long) r * positions + positions - 1) * vocab), result[r]);
            }
            // commit the new caches
            if (single) {
                OrtSequence q = rows[0];
                for (int s = 0; s < slotCount; s++) {
                    pool.give(q.kv[s]);
                    q.kv[s] = fresh[s];
                    fresh[s] = null;
                }
            } else {
                for (int s = 0; s < slotCount; s++) {
                    scatter(rows, s, graph.slots().get(s).planes(), heads, hd, maxPast, total);
                }
            }
            for (OrtSequence q : rows) {
                q.length += n;
            }
            return result;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed running " + steps.graphFile.getFileName()
                    + " (batch " + b + ", " + n + " new tokens, past up to " + maxPast + "): " + e.getMessage(), e);
        } finally {
            steps.closeAll(open);
            if (fresh != null) {
                for (ByteBuffer f : fresh) {
                    pool.give(f);
                }
            }
        }
    }

    /** {@code [b, heads, len, hd]}, or {@code [2, b, heads, len, hd]} for stacked caches. */
    private long[] cacheShape(DecoderGraph.CacheSlot slot, int b, int len) {
        return slot.planes() == 2
                ? new long[] {2, b, graph.kvHeads(), len, graph.headDim()}
                : new long[] {b, graph.kvHeads(), len, graph.headDim()};
    }

    /** Copies each row's cache of slot {@code s} into the batch past tensor, right-aligned; zeroes the padding. */
    private void gather(OrtSequence[] rows, int s, int planes, int heads, int hd, int maxPast) {
        int b = rows.length;
        ByteBuffer dst = pastScratch[s];
        for (int r = 0; r < b; r++) {
            OrtSequence q = rows[r];
            int len = q.length;
            int pad = maxPast - len;
            for (int g = 0; g < planes; g++) {
                for (int h = 0; h < heads; h++) {
                    long base = (((long) g * b + r) * heads + h) * maxPast * hd;
                    if (pad > 0) {
                        DirectBuffers.zeroFloats(dst, base, (long) pad * hd);
                    }
                    if (len > 0) {
                        long src = ((long) g * heads + h) * len * hd;
                        DirectBuffers.copyFloats(q.kv[s], src, dst, base + (long) pad * hd, (long) len * hd);
                    }
                }
            }
        }
    }

    /** Copies each row's part of the batch present tensor of slot {@code s} back into the row's own storage. */
    private void scatter(OrtSequence[] rows, int s, int planes, int heads, int hd, int maxPast, int total) {
        int b = rows.length;
        ByteBuffer src = presentScratch[s];
        long fpt = (long) planes * heads * hd;
        for (int r = 0; r < b; r++) {
            OrtSequence q = rows[r];
            int pad = maxPast - q.length;
            int len = total - pad;
            long need = fpt * len * Float.BYTES;
            if (q.kv[s] == null || q.kv[s].capacity() < need) {
                ByteBuffer grown = pool.take(need, ExportedKvPool.preferredBytes(q, len, fpt));
                pool.give(q.kv[s]);
                q.kv[s] = grown;
            }
            for (int g = 0; g < planes; g++) {
                for (int h = 0; h < heads; h++) {
                    long from = ((((long) g * b + r) * heads + h) * total + pad) * hd;
                    long to = ((long) g * heads + h) * len * hd;
                    DirectBuffers.copyFloats(src, from, q.kv[s], to, (long) len * hd);
                }
            }
        }
    }

    /** Drops the batched scratch (the model is closing). */
    void clearScratch() {
        java.util.Arrays.fill(pastScratch, null);
        java.util.Arrays.fill(presentScratch, null);
    }
}
