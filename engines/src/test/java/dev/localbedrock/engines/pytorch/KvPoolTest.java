package dev.localbedrock.engines.pytorch;

import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.KvCacheFullException;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.TestModels;
import dev.localbedrock.engines.numerics.F32Bounds;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.localbedrock.engines.pytorch.Greedy.argmax;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The preallocated KV pool: accounting, reservations, reuse, repacking, forks and native memory. */
class KvPoolTest {
    private static final int SEQ = 16;
    /** Every comparison here is the same network in float32, differing at most in summation order and blocking. */
    private static final F32Bounds.Bound SAME_NETWORK = F32Bounds.betweenF32("pytorch kv pool, order only",
            F32Bounds.Shape.of(TestModels.tinyLlama(), 64));

    private static PtDecoderModel load(int maxSequenceTokens, int kvCacheTokens) throws IOException {
        return PtDecoderModel.load(TestModels.tinyLlama(), "cpu", new EngineOptions(maxSequenceTokens, 1,
                kvCacheTokens));
    }

    @Test
    void reservesExhaustsFreesAndReuses() throws IOException {
        try (PtDecoderModel m = load(SEQ, 3 * SEQ)) {
            assertEquals(3, m.kvSlots());
            assertEquals(3L * SEQ, m.freeKvTokens());
            int before = m.liveTensorCount();
            SequenceState a = m.newSequence(10);
            assertEquals(2L * SEQ, m.freeKvTokens(), "a sequence takes a whole slot whatever it reserves");
            SequenceState b = m.newSequence();
            SequenceState c = m.newSequence(5);
            assertEquals(0, m.freeKvTokens());
            KvCacheFullException full = assertThrows(KvCacheFullException.class, () -> m.newSequence(1));
            assertTrue(full.getMessage().contains("3 slots"), full.getMessage());
            assertThrows(KvCacheFullException.class, m::newSequence);
            assertThrows(KvCacheFullException.class, () -> m.fork(a, 10));
            assertEquals(before, m.liveTensorCount(), "the pool is preallocated: sequences allocate nothing");

            // the reservation bounds the sequence
            m.forward(List.of(c), List.of(new int[] {1, 2, 3}));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.forward(List.of(c), List.of(new int[] {4, 5, 6})));
            assertTrue(e.getMessage().contains("capacity of 5"), e.getMessage());
            m.forward(List.of(c), List.of(new int[] {4, 5}));

            b.close();
            assertEquals(SEQ, m.freeKvTokens());
            b.close();
            assertEquals(SEQ, m.freeKvTokens(), "closing twice returns the room once");
            try (SequenceState d = m.newSequence(SEQ)) {
                assertEquals(0, m.freeKvTokens());
                // the reused slot holds a former sequence's keys: a fresh sequence must not see them
                float[] reused = m.forward(List.of(d), List.of(new int[] {1, 15043}))[0];
                a.close();
                c.close();
                try (SequenceState e2 = m.newSequence()) {
                    float[] first = m.forward(List.of(e2), List.of(new int[] {1, 15043}))[0];
                    // another slot's memory (alignment) may change the kernel's blocking, so not bit-exact; stale
                    // keys would move the logits far beyond the bound
                    SAME_NETWORK.check(first, reused, "reused slot vs fresh slot");
                }
            }
            assertEquals(3L * SEQ, m.freeKvTokens());
            assertEquals(before, m.liveTensorCount());
        }
    }

    @Test
    void reservationsAreChecked() throws IOException {
        try (PtDecoderModel m = load(SEQ, 2 * SEQ)) {
            assertThrows(IllegalArgumentException.class, () -> m.newSequence(SEQ + 1));
            assertThrows(IllegalArgumentException.class, () -> m.newSequence(0));
            try (SequenceState s = m.newSequence()) {
                m.forward(List.of(s), List.of(new int[] {1, 2, 3, 4}));
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.fork(s, 3));
                assertTrue(e.getMessage().contains("reservedTokens 3"), e.getMessage());
            }
            assertEquals(2L * SEQ, m.freeKvTokens());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(SEQ, SEQ - 1));
        assertTrue(e.getMessage().contains("kvCacheTokens"), e.getMessage());
    }

    @Test
    void defaultPoolHoldsEightSequencesWithinTheMemoryBound() {
        EngineOptions o = EngineOptions.defaults();
        assertEquals(8L * 2048, o.resolveKvCacheTokens(2048, 1024));
        // 4 GiB / (4096 tokens x 800 KiB) < 2: one sequence, never zero
        assertEquals(4096, o.resolveKvCacheTokens(4096, 800L << 10));
        assertEquals(2L * 4096, o.resolveKvCacheTokens(4096, 512L << 10));
        assertEquals(100, o.withKvCacheTokens(100).resolveKvCacheTokens(4096, 1 << 20));
        assertEquals(new EngineOptions(64, 2, 0), new EngineOptions(64, 2));
    }

    @Test
    void closingARowRepacksThePoolWithoutChangingAnyOtherRow() throws IOException {
        try (PtDecoderModel m = load(48, 5 * 48)) {
            Random rng = new Random(1);
            List<SequenceState> seqs = new ArrayList<>();
            List<int[]> histories = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                SequenceState s = m.newSequence();
                int[] prompt = DecoderChecks.randomIds(rng, 3 + 2 * i, 32000);
                m.forward(List.of(s), List.of(prompt));
                seqs.add(s);
                histories.add(prompt);
            }
            // close the first and a middle one: the highest slots move into their places
            seqs.remove(2).close();
            histories.remove(2);
            seqs.remove(0).close();
            histories.remove(0);
            for (int step = 0; step < 4; step++) {
                List<int[]> next = new ArrayList<>();
                for (int i = 0; i < seqs.size(); i++) {
                    next.add(new int[] {100 + 7 * step + i});
                }
                float[][] out = m.forward(seqs, next);
                for (int i = 0; i < seqs.size(); i++) {
                    histories.set(i, Greedy.append(histories.get(i), next.get(i)[0]));
                    float[] expected = DecoderChecks.recompute(m, histories.get(i));
                    SAME_NETWORK.check(expected, out[i], "row " + i + " step " + step);
                    assertEquals(argmax(expected), argmax(out[i]));
                }
            }
            seqs.forEach(SequenceState::close);
            assertEquals(5L * 48, m.freeKvTokens());
        }
    }

    /** 1, 2 and 4 runs of consecutive slots attend over views, 6 runs copy: all give what each row gets alone. */
    @Test
    void rowsInScatteredSlotsEqualEachRowAlone() throws IOException {
        try (PtDecoderModel m = load(32, 13 * 32)) { // 12 rows and one for recomputation
            Random rng = new Random(4);
            List<SequenceState> all = new ArrayList<>();
            List<int[]> histories = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                SequenceState s = m.newSequence();
                int[] prompt = DecoderChecks.randomIds(rng, 2 + i, 32000);
                m.forward(List.of(s), List.of(prompt));
                all.add(s);
                histories.add(prompt);
            }
            int[][] batches = {{0, 1, 2, 3}, {0, 1, 3, 4}, {0, 2, 4, 6, 7}, {0, 2, 4, 6, 8, 10}, {11, 1, 5, 9, 3, 7}};
            for (int[] batch : batches) {
                List<SequenceState> rows = new ArrayList<>();
                List<int[]> next = new ArrayList<>();
                for (int r : batch) {
                    rows.add(all.get(r));
                    // one token per row, or two for one row so that two groups of different sizes mix
                    next.add(r == 7 ? new int[] {50 + r, 60} : new int[] {50 + r});
                }
                float[][] out = m.forward(rows, next);
                for (int i = 0; i < batch.length; i++) {
                    int r = batch[i];
                    for (int id : next.get(i)) {
                        histories.set(r, Greedy.append(histories.get(r), id));
                    }
                    float[] expected = DecoderChecks.recompute(m, histories.get(r));
                    SAME_NETWORK.check(expected, out[i], "batch " + java.util.Arrays.toString(batch) + " row " + r);
                    assertEquals(argmax(expected), argmax(out[i]));
                }
            }
            all.forEach(SequenceState::close);
        }
    }

    @Test
    void forksShareOnePrefillAndContinueIdentically() throws IOException {
        try (PtDecoderModel m = load(64, 4 * 64)) {
            int[] prompt = m.tokenizer().encode("Three generations share this prompt", true);
            try (SequenceState source = m.newSequence(40)) {
                float[] prefill = m.forward(List.of(source), List.of(prompt))[0];
                SequenceState f1 = m.fork(source, 64);
                SequenceState f2 = m.fork(source, prompt.length + 8);
                assertEquals(64L, m.freeKvTokens());
                assertEquals(prompt.length, f1.length());
                // the same greedy continuation from all three, batched, equals one sequence run alone
                int[] tokens = {argmax(prefill), argmax(prefill), argmax(prefill)};
                List<float[]> alone = new ArrayList<>();
                try (SequenceState ref = m.newSequence()) {
                    m.forward(List.of(ref), List.of(prompt));
                    int t = tokens[0];
                    for (int step = 0; step < 6; step++) {
                        float[] l = m.forward(List.of(ref), List.of(new int[] {t}))[0];
                        alone.add(l);
                        t = argmax(l);
                    }
                }
                for (int step = 0; step < 6; step++) {
                    float[][] out = m.forward(List.of(f2, source, f1), List.of(new int[] {tokens[0]},
                            new int[] {tokens[1]}, new int[] {tokens[2]}));
                    for (int r = 0; r < 3; r++) {
                        SAME_NETWORK.check(alone.get(step), out[r], "row " + r + " step " + step);
                        tokens[r] = argmax(out[r]);
                    }
                }
                // the fork is independent of its source: closing the source leaves it intact
                source.close();
                float[] afterClose = m.forward(List.of(f1), List.of(new int[] {5}))[0];
                int[] history = prompt;
                int t = argmax(prefill);
                for (int step = 0; step < 6; step++) {
                    history = Greedy.append(history, t);
                    t = argmax(alone.get(step));
                }
                float[] expected = DecoderChecks.recompute(m, Greedy.append(history, 5));
                SAME_NETWORK.check(expected, afterClose, "fork after its source closed");
                // a fork's own reservation bounds it
                m.forward(List.of(f2), List.of(new int[] {1, 2}));
                assertThrows(IllegalArgumentException.class, () -> m.forward(List.of(f2), List.of(new int[] {3})));
                f1.close();
                f2.close();
            }
        }
    }
}
