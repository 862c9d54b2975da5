package dev.localbedrock.runtime.sampling;

import java.util.Arrays;

/**
 * How often each token id occurs in a sequence (prompt plus generated so far), as a primitive open-addressing map,
 * so counting a token and walking the distinct ones allocate nothing and box nothing. Penalties walk the distinct ids
 * ({@code O(distinct)} per token) rather than the whole vocabulary.
 */
public final class TokenCounts {
    /** Distinct ids and their counts, in first-seen order. */
    private int[] ids;
    private int[] counts;
    private int distinct;
    private int total;
    /** Hash table: {@code 1 + index into ids}, 0 for an empty slot; its length is a power of two. */
    private int[] slots;

    public TokenCounts() {
        this(16);
    }

    private TokenCounts(int expected) {
        int capacity = Math.max(8, Integer.highestOneBit(Math.max(1, expected) * 2 - 1) * 2);
        ids = new int[capacity / 2];
        counts = new int[capacity / 2];
        slots = new int[capacity];
    }

    /** Counts every id of {@code tokens}. */
    public static TokenCounts of(int[] tokens) {
        TokenCounts c = new TokenCounts(Math.max(16, tokens.length));
        for (int t : tokens) {
            c.add(t);
        }
        return c;
    }

    /** Adds one occurrence of {@code id}. */
    public void add(int id) {
        int mask = slots.length - 1;
        int slot = mix(id) & mask;
        while (slots[slot] != 0) {
            int index = slots[slot] - 1;
            if (ids[index] == id) {
                counts[index]++;
                total++;
                return;
            }
            slot = (slot + 1) & mask;
        }
        if (distinct == ids.length) {
            grow();
            add(id);
            return;
        }
        ids[distinct] = id;
        counts[distinct] = 1;
        slots[slot] = ++distinct;
        total++;
    }

    /** Occurrences of {@code id}. */
    public int count(int id) {
        int mask = slots.length - 1;
        for (int slot = mix(id) & mask; slots[slot] != 0; slot = (slot + 1) & mask) {
            if (ids[slots[slot] - 1] == id) {
                return counts[slots[slot] - 1];
            }
        }
        return 0;
    }

    /** Number of different ids seen. */
    public int distinct() {
        return distinct;
    }

    /** The {@code i}-th distinct id (first-seen order). */
    public int idAt(int i) {
        return ids[i];
    }

    /** The count of the {@code i}-th distinct id. */
    public int countAt(int i) {
        return counts[i];
    }

    /** All occurrences counted: the text length {@code n} of the frequency penalty. */
    public int total() {
        return total;
    }

    /** An independent copy (a forked generation continues from the same prompt counts). */
    public TokenCounts copy() {
        TokenCounts c = new TokenCounts(8);
        c.ids = ids.clone();
        c.counts = counts.clone();
        c.slots = slots.clone();
        c.distinct = distinct;
        c.total = total;
        return c;
    }

    private void grow() {
        ids = Arrays.copyOf(ids, ids.length * 2);
        counts = Arrays.copyOf(counts, counts.length * 2);
        slots = new int[slots.length * 2];
        int mask = slots.length - 1;
        for (int i = 0; i < distinct; i++) {
            int slot = mix(ids[i]) & mask;
            while (slots[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            slots[slot] = i + 1;
        }
    }

    private static int mix(int id) {
        int h = id * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
