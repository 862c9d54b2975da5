package dev.localbedrock.engines.pytorch;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.numerics.F32Bounds;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static dev.localbedrock.engines.pytorch.Greedy.append;
import static dev.localbedrock.engines.pytorch.Greedy.argmax;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Engine-independent checks of the {@link DecoderModel} contract, run against several models. */
final class DecoderChecks {
    /** The longest sequence {@link #batchedRowsEqualEachRowAlone} builds (prompt 8, 11 decode steps). */
    static final int BATCH_SCRIPT_CONTEXT = 20;

    private DecoderChecks() {
    }

    static float[] run(DecoderModel model, SequenceState seq, int... tokens) {
        return model.forward(List.of(seq), List.<int[]>of(tokens))[0];
    }

    /** Logits of the last token of {@code ids} computed from scratch in a fresh sequence. */
    static float[] recompute(DecoderModel model, int[] ids) {
        try (SequenceState seq = model.newSequence()) {
            return run(model, seq, ids);
        }
    }

    /** {@code n} ids in {@code [3, limit)}, seeded. */
    static int[] randomIds(Random rng, int n, int limit) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 3 + rng.nextInt(limit - 3);
        }
        return ids;
    }

    /** Greedy decoding through the KV cache equals recomputing the whole prefix at every step. */
    static void cachedDecodeEqualsRecompute(DecoderModel model, int[] prompt, int steps, F32Bounds.Bound bound) {
        List<Integer> cached = new ArrayList<>();
        List<Integer> oracle = new ArrayList<>();
        try (SequenceState seq = model.newSequence()) {
            float[] logits = run(model, seq, prompt);
            int[] history = prompt;
            for (int step = 0; step < steps; step++) {
                float[] reference = recompute(model, history);
                bound.check(reference, logits, "step " + step + ": cached vs recomputed");
                int next = argmax(logits);
                cached.add(next);
                oracle.add(argmax(reference));
                history = append(history, next);
                logits = run(model, seq, next);
            }
            assertEquals(prompt.length + steps, seq.length());
        }
        assertEquals(oracle, cached, "greedy tokens");
    }

    /** One row of a batched script: its sequence and, per step it took part in, the tokens fed and logits got. */
    private static final class Row {
        final SequenceState seq;
        final List<int[]> fed = new ArrayList<>();
        final List<float[]> got = new ArrayList<>();
        float[] lastLogits;

        Row(SequenceState seq) {
            this.seq = seq;
        }
    }

    /**
     * Rows with different prompt lengths join a batch at different steps — prefill, chunked prefill and decode mixed
     * in one forward, caller order shuffled, rows in non-consecutive slots (a bystander sequence sits between them)
     * and later, after the bystander closes and the pool repacks, in consecutive slots — and every row's logits at
     * every step equal that row run alone, chunk by chunk, within {@code bound} (a row in a batch gets what it gets
     * alone up to float summation order: libtorch picks GEMM kernels and blockings by batch size and CPU), with the
     * same greedy token.
     */
    static void batchedRowsEqualEachRowAlone(DecoderModel model, int idLimit, long seed, F32Bounds.Bound bound) {
        Random rng = new Random(seed);
        int[][] prompts = {randomIds(rng, 5, idLimit), randomIds(rng, 3, idLimit), randomIds(rng, 8, idLimit),
            randomIds(rng, 6, idLimit)};
        List<Row> rows = new ArrayList<>();
        try (SequenceState r0 = model.newSequence(); SequenceState r1 = model.newSequence();
             SequenceState bystander = model.newSequence(); SequenceState r2 = model.newSequence();
             SequenceState r3 = model.newSequence()) {
            run(model, bystander, randomIds(rng, 4, idLimit));
            for (SequenceState s : List.of(r0, r1, r2, r3)) {
                rows.add(new Row(s));
            }
            // step 0: row 0 prefills
            step(model, rows, rng, new int[][] {prompts[0], null, null, null});
            // step 1: row 0 decodes, row 1 prefills
            step(model, rows, rng, new int[][] {decode(rows.get(0)), prompts[1], null, null});
            // step 2: decode, decode, a whole prompt, the first chunk of another
            step(model, rows, rng, new int[][] {decode(rows.get(0)), decode(rows.get(1)), prompts[2],
                java.util.Arrays.copyOfRange(prompts[3], 0, 2)});
            // step 3: the second chunk with three decodes
            step(model, rows, rng, new int[][] {decode(rows.get(0)), decode(rows.get(1)), decode(rows.get(2)),
                java.util.Arrays.copyOfRange(prompts[3], 2, 6)});
            for (int s = 0; s < 5; s++) {
                step(model, rows, rng, new int[][] {decode(rows.get(0)), decode(rows.get(1)), decode(rows.get(2)),
                    decode(rows.get(3))});
            }
            // the bystander leaves: the pool moves the highest slot into its place, rows become consecutive
            bystander.close();
            for (int s = 0; s < 4; s++) {
                step(model, rows, rng, new int[][] {decode(rows.get(0)), decode(rows.get(1)), decode(rows.get(2)),
                    decode(rows.get(3))});
            }
            // only two of the rows, of different lengths
            step(model, rows, rng, new int[][] {null, decode(rows.get(1)), null, decode(rows.get(3))});
        }
        for (int r = 0; r < rows.size(); r++) {
            Row row = rows.get(r);
            try (SequenceState alone = model.newSequence()) {
                for (int i = 0; i < row.fed.size(); i++) {
                    float[] expected = run(model, alone, row.fed.get(i));
                    bound.check(expected, row.got.get(i), "row " + r + " step " + i + ": batched vs alone");
                    assertEquals(argmax(expected), argmax(row.got.get(i)), "row " + r + " step " + i);
                }
            }
        }
    }

    private static int[] decode(Row row) {
        return new int[] {argmax(row.lastLogits)};
    }

    /** One forward of the rows given tokens ({@code null}: not in this step), in a shuffled caller order. */
    private static void step(DecoderModel model, List<Row> rows, Random rng, int[][] tokens) {
        List<Integer> members = new ArrayList<>();
        for (int r = 0; r < tokens.length; r++) {
            if (tokens[r] != null) {
                members.add(r);
            }
        }
        Collections.shuffle(members, rng);
        List<SequenceState> seqs = new ArrayList<>();
        List<int[]> ids = new ArrayList<>();
        for (int r : members) {
            seqs.add(rows.get(r).seq);
            ids.add(tokens[r]);
        }
        float[][] out = model.forward(seqs, ids);
        for (int i = 0; i < members.size(); i++) {
            Row row = rows.get(members.get(i));
            row.fed.add(ids.get(i));
            row.got.add(out[i]);
            row.lastLogits = out[i];
        }
    }
}
