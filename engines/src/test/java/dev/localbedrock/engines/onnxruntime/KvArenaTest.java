package dev.localbedrock.engines.onnxruntime;

import dev.localbedrock.engines.KvCacheFullException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The arena's slot bookkeeping and moves: every sequence's cached prefix survives whatever is moved where. */
class KvArenaTest {
    private static final int TENSORS = 2;
    private static final int CAPACITY = 8;
    private static final int KV_HEADS = 2;
    private static final int HEAD_DIM = 3;

    private static OrtSequence seq(KvArena arena, int length) {
        OrtSequence q = new OrtSequence(null, CAPACITY, 0);
        arena.assign(q);
        q.length = length;
        return q;
    }

    private static float value(int id, int tensor, int head, int pos, int d) {
        return id * 1000 + tensor * 100 + head * 10 + pos + d / 10f;
    }

    private static long index(KvArena arena, int slot, int head, int pos, int d) {
        return slot * arena.slotFloats + ((long) head * CAPACITY + pos) * HEAD_DIM + d;
    }

    /** Writes sequence {@code id}'s recognisable prefix into its slot. */
    private static void fill(KvArena arena, OrtSequence q, int id) {
        for (int t = 0; t < TENSORS; t++) {
            ByteBuffer b = arena.tensors[t];
            for (int h = 0; h < KV_HEADS; h++) {
                for (int p = 0; p < q.length; p++) {
                    for (int d = 0; d < HEAD_DIM; d++) {
                        b.putFloat((int) (index(arena, q.slot, h, p, d) * Float.BYTES), value(id, t, h, p, d));
                    }
                }
            }
        }
    }

    private static void check(KvArena arena, OrtSequence q, int id) {
        for (int t = 0; t < TENSORS; t++) {
            ByteBuffer b = arena.tensors[t];
            for (int h = 0; h < KV_HEADS; h++) {
                for (int p = 0; p < q.length; p++) {
                    for (int d = 0; d < HEAD_DIM; d++) {
                        assertEquals(value(id, t, h, p, d), b.getFloat((int) (index(arena, q.slot, h, p, d)
                                * Float.BYTES)), "sequence " + id + " tensor " + t + " head " + h + " pos " + p);
                    }
                }
            }
        }
    }

    @Test
    void arrangingMovesTheFewestTokensAndKeepsEveryPrefix() {
        KvArena arena = new KvArena(TENSORS, 4, CAPACITY, KV_HEADS, HEAD_DIM);
        OrtSequence[] s = {seq(arena, 3), seq(arena, 5), seq(arena, 2), seq(arena, 4)};
        assertThrows(KvCacheFullException.class, () -> seq(arena, 1));
        for (int i = 0; i < s.length; i++) {
            assertEquals(i, s[i].slot);
            fill(arena, s[i], i);
        }
        // already consecutive: nothing moves
        assertEquals(1, arena.arrange(new OrtSequence[] {s[2], s[1], s[3]}));
        assertEquals(0, arena.copiedBytes);

        // {0, 2, 3} with 1 (5 tokens) in the way and no free slot: [1, 4) costs 3 (+2·5), [0, 3) costs 4 (+2·5)
        int lo = arena.arrange(new OrtSequence[] {s[0], s[2], s[3]});
        assertEquals(1, lo);
        assertEquals(1, s[0].slot);
        assertEquals(0, s[1].slot);
        for (int i = 0; i < s.length; i++) {
            check(arena, s[i], i);
        }
        long perToken = (long) TENSORS * KV_HEADS * HEAD_DIM * Float.BYTES;
        assertEquals((2 * 5 + 3) * perToken, arena.copiedBytes, "a swap through the scratch buffer");

        // 1 leaves slot 0; {0, 3} at slots 1 and 3: moving 3 (4 tokens) into the free slot 0 is cheapest
        arena.release(s[1]);
        long before = arena.copiedBytes;
        lo = arena.arrange(new OrtSequence[] {s[3], s[0]});
        assertEquals(0, lo);
        assertEquals(0, s[3].slot);
        assertEquals(4 * perToken, arena.copiedBytes - before);
        check(arena, s[0], 0);
        check(arena, s[2], 2);
        check(arena, s[3], 3);

        // two empty sequences beside the block [0, 2) stay where they are, in slots 2 and 3: one run, no copy
        OrtSequence e1 = seq(arena, 0);
        assertEquals(3, e1.slot);
        arena.release(s[2]);
        OrtSequence e2 = seq(arena, 0);
        assertEquals(2, e2.slot);
        before = arena.copiedBytes;
        List<OrtSequence[]> runs = arena.placeEmpty(new OrtSequence[] {e1, e2}, 0, 2);
        assertEquals(1, runs.size());
        assertEquals(2, runs.get(0).length);
        assertEquals(runs.get(0)[0].slot + 1, runs.get(0)[1].slot);
        assertTrue(runs.get(0)[0].slot >= 2);
        assertEquals(before, arena.copiedBytes, "empty sequences move for free");
    }

    @Test
    void emptySequencesAreSplitOnlyWhenCachedOnesFragmentTheFreeSlots() {
        KvArena arena = new KvArena(TENSORS, 6, CAPACITY, KV_HEADS, HEAD_DIM);
        OrtSequence a = seq(arena, 0);       // slot 0
        OrtSequence busy1 = seq(arena, 3);   // slot 1
        OrtSequence b = seq(arena, 0);       // slot 2
        OrtSequence busy2 = seq(arena, 2);   // slot 3
        OrtSequence c = seq(arena, 0);       // slot 4
        fill(arena, busy1, 1);
        fill(arena, busy2, 2);
        // free: slot 5. Windows of empty/free slots: [0,1), [2,3), [4,6): three empties need two runs
        List<OrtSequence[]> runs = arena.placeEmpty(new OrtSequence[] {a, b, c}, 0, 0);
        int total = 0;
        for (OrtSequence[] run : runs) {
            for (int i = 1; i < run.length; i++) {
                assertEquals(run[i - 1].slot + 1, run[i].slot);
            }
            total += run.length;
        }
        assertEquals(3, total);
        assertEquals(2, runs.size());
        assertEquals(0, arena.copiedBytes);
        check(arena, busy1, 1);
        check(arena, busy2, 2);
    }

    @Test
    void theArenaMustFitOneJavaBuffer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new KvArena(1, 4096, 4096, 32, 128));
        assertTrue(e.getMessage().contains("kvCacheTokens"), e.getMessage());
    }
}
