package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The forward pass of an {@link OrtDecoderModel} over its shared {@link KvArena} (built {@code gqa-shared-kv} graphs).
 * A session run over the sequences in slots {@code [lo, lo + B)} passes one {@link OnnxTensor} per cache tensor, over
 * that slice of the arena, as both the {@code past_key_values.N.*} input and the pinned {@code present.N.*} output, so
 * {@code GroupQueryAttention} appends the new keys and values in place: <b>a decode step over rows at different
 * positions copies no KV at all</b>. The attention mask is right-padded (each row's tokens are a prefix of its mask
 * row; the graph derives {@code seqlens_k} and positions from it), and the logits ({@code [B, 1, vocab]}: each row's
 * last real token) are pinned into a reused direct buffer and copied once into the returned arrays.
 *
 * <p>{@link #forward} turns its rows into the call shapes the graph allows, each one session run:
 * <ol>
 *   <li>all one-token rows — decodes at any positions, and one-token prompts — in <b>one</b> run;</li>
 *   <li>all first prompts of several tokens (empty caches) in one run, right-padded to the longest;</li>
 *   <li>each prompt chunk onto an existing cache in a run of its own (ONNX Runtime 1.21.1's
 *       {@code GroupQueryAttention} takes several new tokens on a non-empty cache only at batch 1).</li>
 * </ol>
 * Row {@code b} of a run must be slot {@code lo + b}, so before the runs the decode rows are arranged into consecutive
 * slots ({@link KvArena#arrange}) and the first prompts, whose caches are empty and move for free, into free slots
 * beside them ({@link KvArena#placeEmpty}); {@link OrtDecoderModel}'s comment says when that copies and what it
 * costs.
 *
 * <p>Not thread-safe: it is only used under the model's lock.
 */
final class ArenaRunner {
    private final DecoderSession steps;
    private final DecoderGraph graph;
    private final KvArena arena;
    private final BuiltGraphMetadata built;
    private final int slotCount;
    private final int vocab;
    /** Time spent inside {@code OrtSession.run}, for measurements. */
    long sessionNanos;

    ArenaRunner(DecoderSession steps, KvArena arena, BuiltGraphMetadata built) {
        this.steps = steps;
        this.graph = steps.graph;
        this.arena = arena;
        this.built = built;
        this.slotCount = graph.slots().size();
        this.vocab = steps.vocab;
    }

    /**
     * One step over the arena: all one-token rows (decodes, and one-token first prompts) in one run, all first prompts
     * of several tokens in one run (right-padded), each prompt chunk onto an existing cache in a run of its own. The
     * decode rows and the first prompts are first arranged into consecutive slots ({@link KvArena#arrange},
     * {@link KvArena#placeEmpty}).
     */
    float[][] forward(OrtSequence[] seqs, List<int[]> tokens) {
        int n = seqs.length;
        float[][] out = new float[n][];
        Map<OrtSequence, Integer> rowOf = new IdentityHashMap<>();
        List<OrtSequence> decode = new ArrayList<>();
        List<OrtSequence> first = new ArrayList<>();
        List<OrtSequence> chunks = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            OrtSequence q = seqs[r];
            rowOf.put(q, r);
            int len = tokens.get(r).length;
            if (len == 1) {
                decode.add(q);
            } else if (q.length == 0) {
                first.add(q);
            } else {
                chunks.add(q);
            }
        }
        int avoidLo = 0;
        int avoidHi = 0;
        OrtSequence[] decodeRun = null;
        if (!decode.isEmpty()) {
            avoidLo = arena.arrange(decode.toArray(new OrtSequence[0]));
            avoidHi = avoidLo + decode.size();
            decodeRun = new OrtSequence[decode.size()];
            for (int s = avoidLo; s < avoidHi; s++) {
                decodeRun[s - avoidLo] = arena.occupant(s);
            }
        }
        List<OrtSequence[]> firstRuns = first.isEmpty() ? List.of()
                : arena.placeEmpty(first.toArray(new OrtSequence[0]), avoidLo, avoidHi);
        if (decodeRun != null) {
            runSplit(decodeRun, tokens, rowOf, false, out);
        }
        for (OrtSequence[] run : firstRuns) {
            runSplit(run, tokens, rowOf, true, out);
        }
        for (OrtSequence q : chunks) {
            runSplit(new OrtSequence[] {q}, tokens, rowOf, false, out);
        }
        return out;
    }

    /**
     * Runs {@code rows} (consecutive slots, in slot order) in as few runs as {@link OrtDecoderModel#RUN_TENSOR_BYTES}
     * allows.
     */
    private void runSplit(OrtSequence[] rows, List<int[]> tokens, Map<OrtSequence, Integer> rowOf,
                          boolean firstPrompt, float[][] out) {
        int s = 0;
        for (OrtSequence q : rows) {
            s = Math.max(s, tokens.get(rowOf.get(q)).length);
        }
        long perRow = (long) (built.allLogits() ? s : 1) * vocab * Float.BYTES;
        int perRun = (int) Math.max(1, Math.min(rows.length, OrtDecoderModel.RUN_TENSOR_BYTES / perRow));
        for (int from = 0; from < rows.length; from += perRun) {
            OrtSequence[] part = java.util.Arrays.copyOfRange(rows, from, Math.min(rows.length, from + perRun));
            int[][] ts = new int[part.length][];
            for (int i = 0; i < part.length; i++) {
                ts[i] = tokens.get(rowOf.get(part[i]));
            }
            float[][] logits = run(part, ts, firstPrompt);
            for (int i = 0; i < part.length; i++) {
                out[rowOf.get(part[i])] = logits[i];
            }
        }
    }

    /**
     * One session run over arena slots {@code [rows[0].slot, rows[0].slot + rows.length)}: right-padded ids, a prefix
     * mask per row, one {@code OnnxTensor} per cache tensor over the slots' slice passed as past and pinned as
     * present (updated in place), logits pinned into a direct buffer. Either every row adds the same number of tokens
     * onto its cache (a decode step, or one row's chunk), or ({@code firstPrompt}) every cache is empty and rows hold
     * up to {@code S} tokens, right-padded. Lengths are committed only when the run succeeds; a failed run may have
     * written past the rows' lengths, which no later step reads.
     */
    private float[][] run(OrtSequence[] rows, int[][] tokens, boolean firstPrompt) {
        int b = rows.length;
        int lo = rows[0].slot;
        int s = 0;
        int width = 0;
        for (int r = 0; r < b; r++) {
            if (rows[r].slot != lo + r) {
                throw new IllegalStateException("arena rows are not in consecutive slots: " + List.of(rows));
            }
            s = Math.max(s, tokens[r].length);
            width = Math.max(width, rows[r].length + tokens[r].length);
        }
        if (firstPrompt) {
            width = s;
        }
        int positions = built.allLogits() ? s : 1;
        List<OnnxTensor> open = new ArrayList<>(slotCount + 3);
        try {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            Map<String, OnnxTensor> outputs = new HashMap<>();
            IndexWriter ids = new IndexWriter(graph.idType(), steps.ids((long) b * s * Long.BYTES));
            IndexWriter mask = new IndexWriter(graph.maskType(), steps.mask((long) b * width * Long.BYTES));
            for (int r = 0; r < b; r++) {
                int[] t = tokens[r];
                for (int i = 0; i < s; i++) {
                    ids.put(r * s + i, i < t.length ? t[i] : 0);
                }
                int real = rows[r].length + t.length;
                for (int j = 0; j < width; j++) {
                    mask.put(r * width + j, j < real ? 1 : 0);
                }
            }
            inputs.put(graph.inputIds(), steps.open(ids.tensor(steps.env, b, s), open));
            inputs.put(graph.attentionMask(), steps.open(mask.tensor(steps.env, b, width), open));
            long[] kvShape = {b, graph.kvHeads(), arena.capacity, graph.headDim()};
            for (int i = 0; i < slotCount; i++) {
                DecoderGraph.CacheSlot slot = graph.slots().get(i);
                OnnxTensor kv = steps.open(OnnxTensor.createTensor(steps.env, arena.view(i, lo, b), kvShape), open);
                inputs.put(slot.past(), kv);
                outputs.put(slot.present(), kv);
            }
            FloatBuffer logits = steps.logits((long) b * positions * vocab);
            outputs.put(graph.logits(), steps.open(OnnxTensor.createTensor(steps.env, logits,
                    new long[] {b, positions, vocab}), open));

            steps.runs++;
            long t0 = System.nanoTime();
            try (OrtSession.Result ignored = steps.session.run(inputs, Collections.emptySet(), outputs)) {
                // every output is pinned: the results are already in our buffers
            }
            sessionNanos += System.nanoTime() - t0;

            float[][] result = new float[b][vocab];
            for (int r = 0; r < b; r++) {
                int p = built.allLogits() ? tokens[r].length - 1 : 0;
                logits.get(Math.toIntExact(((long) r * positions + p) * vocab), result[r]);
            }
            for (int r = 0; r < b; r++) {
                rows[r].length += tokens[r].length;
            }
            return result;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed running " + steps.graphFile.getFileName()
                    + " (batch " + b + ", " + s + " new tokens, mask width " + width + ", slots " + lo + ".."
                    + (lo + b - 1) + "): " + e.getMessage(), e);
        } finally {
            steps.closeAll(open);
        }
    }
}
