package dev.localbedrock.runtime.sampling;

import java.util.Arrays;

/**
 * Picks one token from a row of f32 logits (penalties and bias already applied) with temperature, top-k and top-p,
 * reusing its buffers so a draw allocates nothing. One per thread: the scheduler shares one across every row.
 *
 * <p>The distribution, exactly: with {@code m = max_i l_i} and {@code w_i = exp((l_i − m) / T)},
 * <ol>
 *   <li>candidates are ordered by descending logit, ties to the lower id (NaN logits count as −∞);</li>
 *   <li>top-k ({@code k > 0}) keeps the first k candidates;</li>
 *   <li>top-p ({@code 0 < p < 1}) then keeps the shortest prefix of that order whose weight reaches
 *       {@code p × Σ kept w} (so p acts on the distribution top-k left, renormalised, as Cohere specifies "p after
 *       k");</li>
 *   <li>one token is drawn with probability {@code w_i / Σ kept w} by inverse CDF at {@code u ∈ [0, 1)}.</li>
 * </ol>
 *
 * <p>How, without sorting the vocabulary: ordering works on packed {@code (logit, id)} keys. Top-k keeps a heap of
 * the k best keys while scanning (a float comparison rejects almost every token), or quickselects when k is a large
 * share of the row. Top-p first drops tokens with {@code w_i < (1 − p) · Σw / (n − 1)}: together they weigh less than
 * {@code (1 − p) · Σw}, so the nucleus always ends before them; it then partitions the remaining keys around pivots,
 * keeping whole blocks whose mass stays below the target and descending only into the block that crosses it
 * (expected linear time). The CDF walks the kept tokens in the order the selection left them (id order when nothing
 * is cut), which is deterministic, so a given {@code (logits, u)} always yields the same token. Weights use
 * {@link FloatExp}; sums are in double. Degenerate pivots fall back to sorting after {@code 2·log2(n)} rounds.
 */
public final class TokenSelector {
    /** Ranges this short are finished by sorting, which is faster than more partitioning. */
    private static final int SORT_THRESHOLD = 48;

    /** Packed keys: ascending key order is descending logit, then ascending id. */
    private long[] keys = new long[0];
    /** Unnormalised weights {@code w_i}, indexed by token id; only candidates' entries are meaningful. */
    private float[] weights = new float[0];

    /** Index of the largest logit; the lowest index wins a tie. NaN never wins (all NaN gives 0). */
    public static int argmax(float[] logits) {
        int best = 0;
        float bestValue = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] > bestValue) {
                bestValue = logits[i];
                best = i;
            }
        }
        return best;
    }

    /**
     * Draws a token.
     *
     * @param temperature greater than 0 (0 is greedy, which callers route to {@link #argmax})
     * @param topK        0 keeps all
     * @param topP        values in (0, 1) apply the nucleus cut; anything else keeps all
     * @param u           a uniform draw in [0, 1)
     */
    public int select(float[] logits, float temperature, int topK, float topP, double u) {
        int n = logits.length;
        ensureCapacity(n);
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            if (l > max) {
                max = l;
            }
        }
        if (Float.isInfinite(max)) {
            return argmax(logits); // all −∞/NaN, or a +∞ that takes all the mass: nothing to normalise
        }
        float invT = 1f / temperature;
        boolean nucleus = topP > 0f && topP < 1f;
        if (topK > 0 && topK < n) {
            int kept = topK <= n / 8 ? topKByHeap(logits, topK) : topKBySelect(logits, topK);
            double mass = weigh(logits, kept, max, invT);
            if (nucleus) {
                kept = nucleus(keys, kept, weights, topP * mass);
                mass = keptMass(kept);
            }
            return drawFromKeys(kept, u * mass);
        }
        double mass = 0;
        for (int i = 0; i < n; i++) {
            float w = FloatExp.exp((logits[i] - max) * invT);
            weights[i] = w;
            mass += w;
        }
        if (!nucleus) {
            return drawInIdOrder(n, u * mass);
        }
        double floor = n > 1 ? (1 - topP) * mass / (n - 1) : 0;
        int candidates = 0;
        for (int i = 0; i < n; i++) {
            if (weights[i] >= floor) {
                keys[candidates++] = key(logits[i], i);
            }
        }
        int kept = nucleus(keys, candidates, weights, topP * mass);
        return drawFromKeys(kept, u * keptMass(kept));
    }

    /** Puts the keys of the {@code k} largest logits into {@code keys[0, k)} with a bounded heap; returns k. */
    private int topKByHeap(float[] logits, int k) {
        // A max-heap of keys: its root is the worst key kept so far.
        for (int i = 0; i < k; i++) {
            keys[i] = key(logits[i], i);
            siftUp(keys, i);
        }
        float worst = logitOf(keys[0]);
        for (int i = k; i < logits.length; i++) {
            float l = logits[i];
            if (l >= worst || l != l && worst == Float.NEGATIVE_INFINITY) { // most tokens fail the float test
                long candidate = key(l, i);
                if (candidate < keys[0]) {
                    keys[0] = candidate;
                    siftDown(keys, 0, k);
                    worst = logitOf(keys[0]);
                }
            }
        }
        return k;
    }

    /** Puts the keys of the {@code k} largest logits into {@code keys[0, k)} by quickselect; returns k. */
    private int topKBySelect(float[] logits, int k) {
        for (int i = 0; i < logits.length; i++) {
            keys[i] = key(logits[i], i);
        }
        selectFirst(keys, logits.length, k);
        return k;
    }

    /** Fills {@code weights} for the ids in {@code keys[0, count)}; returns their sum. */
    private double weigh(float[] logits, int count, float max, float invT) {
        double mass = 0;
        for (int r = 0; r < count; r++) {
            int id = id(keys[r]);
            float w = FloatExp.exp((logits[id] - max) * invT);
            weights[id] = w;
            mass += w;
        }
        return mass;
    }

    private double keptMass(int kept) {
        double mass = 0;
        for (int r = 0; r < kept; r++) {
            mass += weights[id(keys[r])];
        }
        return mass;
    }

    private int drawFromKeys(int kept, double target) {
        double cumulative = 0;
        for (int r = 0; r < kept; r++) {
            int id = id(keys[r]);
            cumulative += weights[id];
            if (target < cumulative) {
                return id;
            }
        }
        for (int r = kept - 1; r > 0; r--) { // target rounded up to the total: the last token with weight
            if (weights[id(keys[r])] > 0f) {
                return id(keys[r]);
            }
        }
        return id(keys[0]);
    }

    private int drawInIdOrder(int n, double target) {
        double cumulative = 0;
        int last = 0;
        for (int id = 0; id < n; id++) {
            float w = weights[id];
            cumulative += w;
            if (target < cumulative) {
                return id;
            }
            if (w > 0f) {
                last = id;
            }
        }
        return last;
    }

    /**
     * Rearranges {@code keys[0, n)} so that its first {@code count} entries are the nucleus: the shortest prefix of
     * the sorted order whose weight reaches {@code target}. Returns {@code count} (all n if rounding never reaches
     * it).
     */
    static int nucleus(long[] keys, int n, float[] weights, double target) {
        int lo = 0;
        int hi = n;
        double before = 0; // weight of keys[0, lo): all in the nucleus, all ahead of keys[lo, hi)
        int rounds = 2 * (32 - Integer.numberOfLeadingZeros(Math.max(1, n)));
        while (hi - lo > SORT_THRESHOLD && rounds-- > 0) {
            int p = partition(keys, lo, hi);
            double left = 0;
            for (int r = lo; r < p; r++) {
                left += weights[id(keys[r])];
            }
            if (before + left >= target) {
                hi = p; // the cut falls inside the block ahead of the pivot
                continue;
            }
            before += left + weights[id(keys[p])];
            if (before >= target) {
                return p + 1;
            }
            lo = p + 1;
        }
        Arrays.sort(keys, lo, hi);
        for (int r = lo; r < hi; r++) {
            before += weights[id(keys[r])];
            if (before >= target) {
                return r + 1;
            }
        }
        return Math.max(1, hi);
    }

    /** Rearranges {@code keys[0, n)} so its first {@code k} entries are the k smallest keys (in no set order). */
    static void selectFirst(long[] keys, int n, int k) {
        int lo = 0;
        int hi = n;
        int rounds = 2 * (32 - Integer.numberOfLeadingZeros(Math.max(1, n)));
        while (hi - lo > SORT_THRESHOLD && rounds-- > 0) {
            int p = partition(keys, lo, hi);
            if (p == k || p == k - 1) {
                return;
            }
            if (p > k) {
                hi = p;
            } else {
                lo = p + 1;
            }
        }
        Arrays.sort(keys, lo, hi);
    }

    /**
     * Lomuto partition of {@code keys[lo, hi)} around the median of its first, middle and last keys. Keys are
     * distinct (they embed the id). Returns the pivot's final index: smaller keys before it, larger after.
     */
    private static int partition(long[] a, int lo, int hi) {
        int last = hi - 1;
        int mid = (lo + hi) >>> 1;
        if (a[mid] < a[lo]) {
            swap(a, mid, lo);
        }
        if (a[last] < a[lo]) {
            swap(a, last, lo);
        }
        if (a[mid] < a[last]) {
            swap(a, mid, last); // the median of the three is now at `last`
        }
        long pivot = a[last];
        int store = lo;
        for (int i = lo; i < last; i++) {
            if (a[i] < pivot) {
                swap(a, i, store++);
            }
        }
        swap(a, store, last);
        return store;
    }

    private static void siftUp(long[] heap, int i) {
        long v = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] >= v) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = v;
    }

    private static void siftDown(long[] heap, int i, int size) {
        long v = heap[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] > heap[child]) {
                child++;
            }
            if (heap[child] <= v) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = v;
    }

    private static void swap(long[] a, int i, int j) {
        long t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    /**
     * Packs a logit and its id so that ascending key order is descending logit, then ascending id. Floats order like
     * their bit patterns once negative ones have their magnitude bits flipped; -0 is folded into +0 and NaN into −∞.
     */
    static long key(float logit, int id) {
        float v = logit != logit ? Float.NEGATIVE_INFINITY : logit + 0f;
        int bits = Float.floatToRawIntBits(v);
        int ordered = bits ^ ((bits >> 31) & 0x7FFFFFFF); // ascending with the float value
        return ((long) ~ordered << 32) | id;
    }

    /** The logit a key was made from (NaN comes back as −∞). */
    static float logitOf(long key) {
        int ordered = ~(int) (key >> 32);
        return Float.intBitsToFloat(ordered ^ ((ordered >> 31) & 0x7FFFFFFF));
    }

    static int id(long key) {
        return (int) key;
    }

    private void ensureCapacity(int n) {
        if (keys.length < n) {
            keys = new long[n];
            weights = new float[n];
        }
    }
}
