package dev.localbedrock.engines.pytorch;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The host-side step plan, without libtorch: packing order, positions, KV write rows, groups and masks. */
class StepLayoutTest {
    private static final float NO = Float.NEGATIVE_INFINITY;

    @Test
    void packsRowsByTokenCountThenSlotAndWritesEachTokenAtItsOwnPosition() {
        // caller rows: 0 = prompt chunk of 3 in slot 2 (5 cached), 1 = decode in slot 1 (4 cached),
        // 2 = decode in slot 0 (7 cached)
        StepLayout s = new StepLayout(new int[] {2, 1, 0}, new int[] {5, 4, 7},
                List.of(new int[] {10, 11, 12}, new int[] {20}, new int[] {30}), 2, 16, 0);

        assertEquals(3, s.b);
        assertArrayEquals(new int[] {2, 1, 0}, s.order, "decodes first (by slot), then the chunk");
        assertEquals(5, s.tokens);
        assertArrayEquals(new long[] {30, 20, 10, 11, 12}, s.ids);
        assertArrayEquals(new long[] {7, 4, 5, 6, 7}, s.positions);
        assertArrayEquals(new long[] {0, 1, 4}, s.last);
        // flat pool row = (slot * kvHeads + head) * capacity + position
        assertArrayEquals(new long[] {
                7, 16 + 7,                   // slot 0
                2 * 16 + 4, 3 * 16 + 4,      // slot 1
                4 * 16 + 5, 5 * 16 + 5,      // slot 2, chunk positions 5..7
                4 * 16 + 6, 5 * 16 + 6,
                4 * 16 + 7, 5 * 16 + 7}, s.writeIndex);

        assertEquals(2, s.groups.length);
        StepLayout.Group decode = s.groups[0];
        assertEquals(0, decode.start);
        assertEquals(2, decode.rows);
        assertEquals(1, decode.n);
        assertEquals(8, decode.t, "longest row after the step");
        assertTrue(decode.contiguous);
        assertEquals(0, decode.firstSlot);
        // rows of different lengths: the shorter row must not see the longer row's unwritten positions
        assertNotNull(decode.mask);
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NO, NO, NO}, decode.mask);

        StepLayout.Group chunk = s.groups[1];
        assertEquals(2, chunk.start);
        assertEquals(1, chunk.rows);
        assertEquals(3, chunk.n);
        assertEquals(8, chunk.t);
        assertArrayEquals(new float[] {
                0, 0, 0, 0, 0, 0, NO, NO,
                0, 0, 0, 0, 0, 0, 0, NO,
                0, 0, 0, 0, 0, 0, 0, 0}, chunk.mask, "causal within the chunk");
    }

    @Test
    void equalDecodesAtTheSameLengthNeedNoMask() {
        StepLayout s = new StepLayout(new int[] {0, 1}, new int[] {3, 3},
                List.of(new int[] {1}, new int[] {2}), 1, 8, 0);
        assertEquals(1, s.groups.length);
        assertNull(s.groups[0].mask);
    }

    @Test
    void slidingWindowHidesKeysOlderThanTheWindow() {
        StepLayout s = new StepLayout(new int[] {0}, new int[] {5}, List.of(new int[] {9}), 1, 8, 3);
        assertArrayEquals(new float[] {NO, NO, NO, 0, 0, 0}, s.groups[0].mask);
    }

    @Test
    void gapsBetweenSlotsSplitAGroupIntoRunsUpToTheViewLimit() {
        // slots 0,1 | 3 | 5: three runs, within MAX_VIEW_RUNS, so three groups over views
        StepLayout s = new StepLayout(new int[] {5, 0, 3, 1}, new int[] {2, 2, 2, 2},
                List.of(new int[] {1}, new int[] {1}, new int[] {1}, new int[] {1}), 1, 8, 0);
        assertEquals(3, s.groups.length);
        assertEquals(2, s.groups[0].rows);
        assertEquals(0, s.groups[0].firstSlot);
        assertEquals(3, s.groups[1].firstSlot);
        assertEquals(2, s.groups[1].start);
        assertEquals(5, s.groups[2].firstSlot);
        assertEquals(3, s.groups[2].start);
        for (StepLayout.Group g : s.groups) {
            assertTrue(g.contiguous);
        }
    }

    @Test
    void moreRunsThanTheViewLimitMakeOneGatheredGroup() {
        int rows = StepLayout.MAX_VIEW_RUNS + 1;
        int[] slots = new int[rows];
        int[] pasts = new int[rows];
        int[][] tokens = new int[rows][];
        for (int r = 0; r < rows; r++) {
            slots[r] = 2 * r; // every row its own run
            pasts[r] = 1;
            tokens[r] = new int[] {r};
        }
        StepLayout s = new StepLayout(slots, pasts, List.of(tokens), 1, 16, 0);
        assertEquals(1, s.groups.length);
        StepLayout.Group g = s.groups[0];
        assertEquals(rows, g.rows);
        assertFalse(g.contiguous);
        long[] expected = new long[rows];
        for (int r = 0; r < rows; r++) {
            expected[r] = 2L * r;
        }
        assertArrayEquals(expected, g.slotIndex);
    }
}
