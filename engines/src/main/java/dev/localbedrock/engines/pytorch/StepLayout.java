package dev.localbedrock.engines.pytorch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The host-side plan of one step. Rows are sorted by (new-token count, slot) and their tokens packed in that order;
 * rows with the same count form one attention group, whose queries are therefore a plain slice of the packed
 * activations and whose outputs, concatenated group after group, are again in packed order: no padding and no
 * gather of queries or outputs, and a decode group never pays for a long prefill beside it.
 *
 * <p>Pure Java (plain arrays in, plain arrays out), so the layout is tested without libtorch; the forward pass turns
 * these arrays into tensors.
 */
final class StepLayout {
    /**
     * A group of rows whose slots form at most this many runs of consecutive slots attends run by run over views;
     * beyond it, the rows' live keys and values are copied together (see {@link PtKvPool}).
     */
    static final int MAX_VIEW_RUNS = 4;

    final int b;
    /** {@code order[k]}: the caller's row index of the k-th row in packed order. */
    final int[] order;
    final int tokens;
    final long[] ids;
    final long[] positions;
    /** {@code [tokens, kvHeads]}: flat pool row of each new key. */
    final long[] writeIndex;
    /** {@code [b]}: packed index of each row's last token. */
    final long[] last;
    final Group[] groups;
    /** Per caller row: its pool slot and the positions it already holds. */
    private final int[] slots;
    private final int[] pasts;
    /** The Mistral sliding window, or 0. */
    private final int slidingWindow;

    /**
     * @param slots      pool slot of each caller row
     * @param pasts      positions each caller row already holds
     * @param rowTokens  new tokens of each caller row (at least one each)
     * @param kvHeads    key/value heads per layer
     * @param capacity   positions per pool slot
     * @param slidingWindow the attention window, or 0 for none
     */
    StepLayout(int[] slots, int[] pasts, List<int[]> rowTokens, int kvHeads, int capacity, int slidingWindow) {
        this.slots = slots;
        this.pasts = pasts;
        this.slidingWindow = slidingWindow;
        b = slots.length;
        Integer[] sorted = new Integer[b];
        for (int i = 0; i < b; i++) {
            sorted[i] = i;
        }
        Arrays.sort(sorted, (x, y) -> {
            int byCount = Integer.compare(rowTokens.get(x).length, rowTokens.get(y).length);
            return byCount != 0 ? byCount : Integer.compare(slots[x], slots[y]);
        });
        order = new int[b];
        int total = 0;
        for (int k = 0; k < b; k++) {
            order[k] = sorted[k];
            total += rowTokens.get(order[k]).length;
        }
        tokens = total;
        ids = new long[tokens];
        positions = new long[tokens];
        writeIndex = new long[tokens * kvHeads];
        last = new long[b];
        List<Group> list = new ArrayList<>();
        int p = 0;
        int groupStart = 0;
        for (int k = 0; k < b; k++) {
            int[] rowIds = rowTokens.get(order[k]);
            int past = pasts[order[k]];
            long base = (long) slots[order[k]] * kvHeads;
            for (int i = 0; i < rowIds.length; i++, p++) {
                ids[p] = rowIds[i];
                positions[p] = past + i;
                for (int h = 0; h < kvHeads; h++) {
                    writeIndex[p * kvHeads + h] = ((base + h) * capacity) + past + i;
                }
            }
            last[k] = p - 1;
            boolean groupEnds = k == b - 1 || rowTokens.get(order[k + 1]).length != rowIds.length;
            if (groupEnds) {
                addGroups(rowTokens, groupStart, k + 1, list);
                groupStart = k + 1;
            }
        }
        groups = list.toArray(new Group[0]);
    }

    /**
     * Rows {@code [from, to)} (same token count, ascending slots) as one group, or as one group per run of
     * consecutive slots when there are at most {@link #MAX_VIEW_RUNS} runs: a few more operations per layer instead
     * of copying the rows' keys and values.
     */
    private void addGroups(List<int[]> rowTokens, int from, int to, List<Group> out) {
        List<Integer> runStarts = new ArrayList<>();
        for (int k = from; k < to; k++) {
            if (k == from || slots[order[k]] != slots[order[k - 1]] + 1) {
                runStarts.add(k);
            }
        }
        if (runStarts.size() > MAX_VIEW_RUNS) {
            out.add(new Group(rowTokens, from, to, tokenStart(rowTokens, from)));
            return;
        }
        for (int i = 0; i < runStarts.size(); i++) {
            int end = i + 1 < runStarts.size() ? runStarts.get(i + 1) : to;
            out.add(new Group(rowTokens, runStarts.get(i), end, tokenStart(rowTokens, runStarts.get(i))));
        }
    }

    private int tokenStart(List<int[]> rowTokens, int row) {
        return (int) (last[row] - rowTokens.get(order[row]).length + 1);
    }

    /** Rows {@code [from, to)} of the packed order, all adding {@code n} tokens, starting at packed token start. */
    final class Group {
        final int start;
        final int rows;
        final int n;
        /** Longest row of the group after this step. */
        final int t;
        /** Rows occupy consecutive slots starting at {@link #firstSlot}. */
        final boolean contiguous;
        final int firstSlot;
        /** {@code [rows]}: slot of each row (ascending). */
        final long[] slotIndex;
        /** {@code [rows, n, t]} additive mask, or null when every key is visible to every query. */
        final float[] mask;

        Group(List<int[]> rowTokens, int from, int to, int start) {
            this.start = start;
            this.rows = to - from;
            this.n = rowTokens.get(order[from]).length;
            int[] groupPasts = new int[rows];
            slotIndex = new long[rows];
            int longest = 0;
            boolean consecutive = true;
            for (int r = 0; r < rows; r++) {
                int row = order[from + r];
                groupPasts[r] = pasts[row];
                slotIndex[r] = slots[row];
                longest = Math.max(longest, groupPasts[r] + n);
                consecutive &= slots[row] == slots[order[from]] + r;
            }
            t = longest;
            contiguous = consecutive;
            firstSlot = slots[order[from]];
            boolean needMask = n > 1 || (slidingWindow > 0 && t > slidingWindow);
            for (int past : groupPasts) {
                needMask |= past + n != t;
            }
            mask = needMask ? buildMask(groupPasts) : null;
        }

        /** 0 where query i of row r may see key j (causal, and within the sliding window), else -inf. */
        private float[] buildMask(int[] groupPasts) {
            float[] m = new float[rows * n * t];
            Arrays.fill(m, Float.NEGATIVE_INFINITY);
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < n; i++) {
                    int pos = groupPasts[r] + i;
                    int from = slidingWindow > 0 ? Math.max(0, pos - slidingWindow + 1) : 0;
                    int row = (r * n + i) * t;
                    Arrays.fill(m, row + from, row + pos + 1, 0f);
                }
            }
            return m;
        }
    }
}
