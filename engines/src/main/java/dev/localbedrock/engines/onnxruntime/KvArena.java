package dev.localbedrock.engines.onnxruntime;

import dev.localbedrock.engines.KvCacheFullException;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The KV cache of an {@link OrtDecoderModel} driving a built {@code gqa-shared-kv} graph: per cache tensor of the graph
 * (layer × key/value) one direct, native-order buffer laid out {@code [slots, kvHeads, capacity, headDim]}, allocated
 * (and zeroed) once at load. Each live sequence owns one slot. A session run over the sequences in slots
 * {@code [lo, lo + B)} passes, per cache tensor, one {@code OnnxTensor} over that slice ({@link #view}) as both the
 * {@code past_key_values.N.*} input and the pinned {@code present.N.*} output, and {@code GroupQueryAttention} appends
 * the new keys and values in place: a step copies no KV at all, whatever positions its rows are at.
 *
 * <p><b>Keeping a run's rows contiguous.</b> Row {@code b} of a run must be slot {@code lo + b}, so the sequences a run
 * covers must sit in consecutive slots. New sequences take the lowest free slot; closing one only frees its slot.
 * Before a step, {@link #arrange} moves sequences so that the step's decode rows form one block, choosing among all
 * block positions the one that moves the fewest cached tokens (a sequence with an empty cache moves for free), and
 * {@link #placeEmpty} gathers the step's first prompts (empty caches: free to move) into free or empty slots outside
 * that block. In the steady state of continuous batching (the same sequences decoding step after step) nothing moves;
 * when a sequence in the middle of the block leaves, one sequence at the block's edge is moved into its slot once, as
 * the PyTorch engine's pool does. Moving a sequence copies its live prefix, {@code 2 · layers · kvHeads · length ·
 * headDim} floats; see {@link OrtDecoderModel} for measured costs.
 *
 * <p>Not thread-safe: the owning model serialises every call.
 */
final class KvArena {
    final int slots;
    final int capacity;
    final int kvHeads;
    final int headDim;
    /** Floats one slot occupies in one cache tensor: {@code kvHeads · capacity · headDim}. */
    final long slotFloats;
    /** Per cache tensor of the graph (layer-major, key before value). */
    final ByteBuffer[] tensors;
    private final OrtSequence[] occupants;
    private int live;
    private ByteBuffer scratch;
    /** Bytes of KV copied so far by moves and forks, and the time spent, for tests and measurements. */
    long copiedBytes;
    long copyNanos;
    long moves;

    KvArena(int tensorCount, int slots, int capacity, int kvHeads, int headDim) {
        this.slots = slots;
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.slotFloats = (long) kvHeads * capacity * headDim;
        long bytes = slotFloats * slots * Float.BYTES;
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the KV cache of one layer (" + slots + " sequences × " + capacity
                    + " tokens = " + (bytes >> 20) + " MiB per key/value tensor) exceeds the 2 GiB limit of one Java "
                    + "buffer; lower kvCacheTokens or maxSequenceTokens");
        }
        this.tensors = new ByteBuffer[tensorCount];
        for (int i = 0; i < tensorCount; i++) {
            tensors[i] = DirectBuffers.allocate(bytes);
        }
        this.occupants = new OrtSequence[slots];
    }

    /** Drops the buffers (the model is closed; the garbage collector frees them). */
    void free() {
        java.util.Arrays.fill(tensors, null);
        scratch = null;
    }

    /** Bytes the arena occupies. */
    long bytes() {
        return (long) tensors.length * slotFloats * slots * Float.BYTES;
    }

    int live() {
        return live;
    }

    int freeSlots() {
        return slots - live;
    }

    /** Gives {@code seq} the lowest free slot. */
    void assign(OrtSequence seq) {
        if (live == slots) {
            throw new KvCacheFullException("the KV cache is full: all " + slots + " slots of " + capacity
                    + " tokens are in use (raise kvCacheTokens, lower maxSequenceTokens, or wait for a sequence to "
                    + "finish)");
        }
        for (int s = 0; s < slots; s++) {
            if (occupants[s] == null) {
                occupants[s] = seq;
                seq.slot = s;
                live++;
                return;
            }
        }
        throw new IllegalStateException("arena bookkeeping: " + live + " live of " + slots + " but no free slot");
    }

    /** Frees {@code seq}'s slot (nothing is copied). */
    void release(OrtSequence seq) {
        if (seq.slot >= 0 && occupants[seq.slot] == seq) {
            occupants[seq.slot] = null;
            live--;
        }
        seq.slot = -1;
    }

    /** The occupant of {@code slot}, or {@code null}. */
    OrtSequence occupant(int slot) {
        return occupants[slot];
    }

    /** Slots {@code [lo, lo + count)} of cache tensor {@code tensor}, for an {@code OnnxTensor} {@code [count, kv, C, hd]}. */
    FloatBuffer view(int tensor, int lo, int count) {
        return DirectBuffers.floats(tensors[tensor], lo * slotFloats, count * slotFloats);
    }

    // ---- copies ----------------------------------------------------------------------------------------------------

    /** Copies positions {@code [0, length)} of slot {@code from} to slot {@code to} in every cache tensor. */
    void copyPrefix(int from, int to, int length) {
        if (length <= 0 || from == to) {
            return;
        }
        long start = System.nanoTime();
        for (ByteBuffer t : tensors) {
            copyPrefix(t, from * slotFloats, t, to * slotFloats, length);
        }
        copiedBytes += (long) tensors.length * kvHeads * length * headDim * Float.BYTES;
        copyNanos += System.nanoTime() - start;
    }

    private void copyPrefix(ByteBuffer src, long srcBase, ByteBuffer dst, long dstBase, int length) {
        long headFloats = (long) capacity * headDim;
        for (int h = 0; h < kvHeads; h++) {
            DirectBuffers.copyFloats(src, srcBase + h * headFloats, dst, dstBase + h * headFloats,
                    (long) length * headDim);
        }
    }

    /** Moves {@code seq} to the free slot {@code to}, copying its live prefix. */
    private void moveToFree(OrtSequence seq, int to) {
        int from = seq.slot;
        copyPrefix(from, to, seq.length);
        occupants[to] = seq;
        occupants[from] = null;
        seq.slot = to;
        moves++;
    }

    /**
     * Exchanges the contents of slots {@code a} and {@code b} (either may be free), copying only live prefixes: one
     * copy when a side is free or empty, else through a one-slot scratch buffer.
     */
    private void swap(int a, int b, int avoidLo, int avoidHi) {
        if (a == b) {
            return;
        }
        OrtSequence x = occupants[a];
        OrtSequence y = occupants[b];
        int lx = x == null ? 0 : x.length;
        int ly = y == null ? 0 : y.length;
        if (lx > 0 && ly > 0) {
            int free = freeSlotOutside(avoidLo, avoidHi, a, b);
            if (free >= 0) {
                // y goes to a free slot, x into b: one copy each, none through scratch (a is left free)
                moveToFree(y, free);
                moveToFree(x, b);
                return;
            }
            long start = System.nanoTime();
            long bytes = slotFloats * Float.BYTES;
            scratch = DirectBuffers.ensure(scratch, bytes);
            for (ByteBuffer t : tensors) {
                copyPrefix(t, b * slotFloats, scratch, 0, ly);
                copyPrefix(t, a * slotFloats, t, b * slotFloats, lx);
                copyPrefix(scratch, 0, t, a * slotFloats, ly);
            }
            copiedBytes += (long) tensors.length * kvHeads * (2L * ly + lx) * headDim * Float.BYTES;
            copyNanos += System.nanoTime() - start;
            moves += 2;
        } else if (lx > 0) {
            copyPrefix(a, b, lx);
            moves++;
        } else if (ly > 0) {
            copyPrefix(b, a, ly);
            moves++;
        }
        occupants[a] = y;
        occupants[b] = x;
        if (x != null) {
            x.slot = b;
        }
        if (y != null) {
            y.slot = a;
        }
    }

    private int freeSlotOutside(int lo, int hi, int notA, int notB) {
        for (int s = 0; s < slots; s++) {
            if (occupants[s] == null && (s < lo || s >= hi) && s != notA && s != notB) {
                return s;
            }
        }
        return -1;
    }

    // ---- arranging a step's rows -----------------------------------------------------------------------------------

    /**
     * Moves sequences so that {@code group} occupies consecutive slots; returns the first. Among all block positions
     * it takes the one that copies the fewest cached tokens: members outside the block move in (their length each),
     * non-members with a cache inside the block move out (counted twice: they may go through the scratch buffer).
     * Free slots and empty sequences move for free. Copies nothing when the group is already consecutive.
     */
    int arrange(OrtSequence[] group) {
        int k = group.length;
        int min = Integer.MAX_VALUE;
        int max = -1;
        for (OrtSequence q : group) {
            min = Math.min(min, q.slot);
            max = Math.max(max, q.slot);
        }
        if (max - min + 1 == k) {
            return min;
        }
        boolean[] member = new boolean[slots];
        long[] memberLen = new long[slots + 1];
        long[] otherLen = new long[slots + 1];
        long totalMember = 0;
        for (OrtSequence q : group) {
            member[q.slot] = true;
            totalMember += q.length;
        }
        for (int s = 0; s < slots; s++) {
            OrtSequence o = occupants[s];
            memberLen[s + 1] = memberLen[s] + (member[s] ? o.length : 0);
            otherLen[s + 1] = otherLen[s] + (!member[s] && o != null ? o.length : 0);
        }
        int best = 0;
        long bestCost = Long.MAX_VALUE;
        for (int a = 0; a + k <= slots; a++) {
            long cost = totalMember - (memberLen[a + k] - memberLen[a]) + 2 * (otherLen[a + k] - otherLen[a]);
            if (cost < bestCost) {
                bestCost = cost;
                best = a;
            }
        }
        int lo = best;
        int hi = best + k;
        List<Integer> outside = new ArrayList<>();
        for (OrtSequence q : group) {
            if (q.slot < lo || q.slot >= hi) {
                outside.add(q.slot);
            }
        }
        outside.sort(Comparator.naturalOrder());
        int i = 0;
        for (int t = lo; t < hi; t++) {
            if (!member[t]) {
                swap(outside.get(i++), t, lo, hi);
            }
        }
        return lo;
    }

    /**
     * Gathers {@code group} (sequences with empty caches, none inside {@code [avoidLo, avoidHi)}) into as few runs of
     * consecutive slots as the free and empty slots outside {@code [avoidLo, avoidHi)} allow (one run unless
     * sequences with a cache fragment them). Copies nothing. Returns the runs, each in slot order.
     */
    List<OrtSequence[]> placeEmpty(OrtSequence[] group, int avoidLo, int avoidHi) {
        boolean[] inGroup = new boolean[slots];
        for (OrtSequence q : group) {
            inGroup[q.slot] = true;
        }
        // maximal segments of slots whose occupant (if any) has an empty cache and is not kept elsewhere this step
        List<int[]> segments = new ArrayList<>();
        int start = -1;
        for (int s = 0; s <= slots; s++) {
            boolean ok = s < slots && (s < avoidLo || s >= avoidHi)
                    && (occupants[s] == null || occupants[s].length == 0);
            if (ok && start < 0) {
                start = s;
            } else if (!ok && start >= 0) {
                segments.add(new int[] {start, s});
                start = -1;
            }
        }
        // members already in a segment keep their slot where possible: take segments holding the most members first,
        // then the longest
        int[] membersIn = new int[segments.size()];
        for (int i = 0; i < segments.size(); i++) {
            for (int s = segments.get(i)[0]; s < segments.get(i)[1]; s++) {
                membersIn[i] += inGroup[s] ? 1 : 0;
            }
        }
        Integer[] order = new Integer[segments.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        int need = group.length;
        // a single segment that fits everyone wins, the one with most members in it
        int single = -1;
        for (int i = 0; i < segments.size(); i++) {
            int len = segments.get(i)[1] - segments.get(i)[0];
            if (len >= need && (single < 0 || membersIn[i] > membersIn[single])) {
                single = i;
            }
        }
        List<int[]> chosen = new ArrayList<>();
        if (single >= 0) {
            int[] seg = segments.get(single);
            // the window of `need` slots in the segment holding the most members
            int bestA = seg[0];
            int bestCount = -1;
            int count = 0;
            for (int s = seg[0]; s < seg[1]; s++) {
                count += inGroup[s] ? 1 : 0;
                if (s - seg[0] + 1 > need) {
                    count -= inGroup[s - need] ? 1 : 0;
                }
                if (s - seg[0] + 1 >= need && count > bestCount) {
                    bestCount = count;
                    bestA = s - need + 1;
                }
            }
            chosen.add(new int[] {bestA, bestA + need});
        } else {
            Arrays.sort(order, (x, y) -> (segments.get(y)[1] - segments.get(y)[0])
                    - (segments.get(x)[1] - segments.get(x)[0]));
            int left = need;
            for (int i : order) {
                if (left == 0) {
                    break;
                }
                int[] seg = segments.get(i);
                int take = Math.min(left, seg[1] - seg[0]);
                chosen.add(new int[] {seg[0], seg[0] + take});
                left -= take;
            }
            if (left > 0) {
                throw new IllegalStateException("arena bookkeeping: no room to place " + need + " new sequences");
            }
        }
        // assign members: those already inside a chosen window stay, the others fill the remaining slots of windows
        boolean[] target = new boolean[slots];
        for (int[] w : chosen) {
            for (int s = w[0]; s < w[1]; s++) {
                target[s] = true;
            }
        }
        List<OrtSequence> movers = new ArrayList<>();
        for (OrtSequence q : group) {
            if (!target[q.slot]) {
                movers.add(q);
            }
        }
        int m = 0;
        for (int[] w : chosen) {
            for (int s = w[0]; s < w[1]; s++) {
                if (!inGroup[s]) {
                    swap(movers.get(m++).slot, s, avoidLo, avoidHi); // both sides empty: no copy
                }
            }
        }
        List<OrtSequence[]> runs = new ArrayList<>();
        for (int[] w : chosen) {
            OrtSequence[] run = new OrtSequence[w[1] - w[0]];
            for (int s = w[0]; s < w[1]; s++) {
                run[s - w[0]] = occupants[s];
            }
            runs.add(run);
        }
        return runs;
    }
}
