package dev.localbedrock.runtime.generation;

import dev.localbedrock.engines.SequenceState;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * KV state of prompt prefixes already computed, kept so that a later prompt starting with the same tokens prefills
 * only the rest (a Converse system prompt, a chat's history, an agent loop's growing transcript).
 *
 * <p>An entry is a sequence of its own holding exactly a block-aligned prefix of some earlier prompt: the prompt's
 * tokens up to its last whole block before the final token ({@link #cacheableTokens}). Prompts are cut into blocks
 * of {@code blockTokens}; block {@code i} is keyed by a hash chained over blocks {@code 0..i} (as vLLM does), so one
 * hash names the whole prefix up to that block. A lookup walks the prompt's chain through the index to the longest
 * prefix some entry holds, then compares the tokens themselves, so a hash collision can only shorten a hit, never
 * give a wrong one. The request's sequence gets a copy of that many tokens of the entry
 * ({@link dev.localbedrock.engines.DecoderModel#fork(SequenceState, int, int)}): entries are only read, and every
 * use is a synchronous copy on the scheduler thread, so nothing holds an entry between steps and no reference count
 * is needed.
 *
 * <p>Entries are charged the engine KV they take (measured as the drop in free KV when they were made, at least
 * their length) against a budget of {@code maxShare × kv_cache_tokens}, and evicted least recently used first: to
 * fit a new entry in the budget, and whenever an allocation for a request finds the engine full
 * ({@link ModelRunner}), so cached prefixes never make a request wait or fail that would run without them. An
 * entry that is a prefix of a newer one is dropped when the newer one arrives (the newer serves both).
 *
 * <p>Scheduler thread only.
 */
final class PrefixCache {
    private final int block;
    private final long budget;
    private final Map<Long, List<Entry>> index = new HashMap<>();
    private final List<Entry> entries = new ArrayList<>();
    private long held;
    private long clock;

    /** One cached prefix. */
    static final class Entry {
        final int[] tokens;
        final long[] chain;
        final SequenceState kv;
        final long cost;
        long lastUse;

        private Entry(int[] tokens, long[] chain, SequenceState kv, long cost) {
            this.tokens = tokens;
            this.chain = chain;
            this.kv = kv;
            this.cost = cost;
        }
    }

    /** What a lookup found: the first {@code tokens} tokens of {@code entry} are the prompt's. */
    record Hit(Entry entry, int tokens) {
    }

    PrefixCache(int blockTokens, long budgetTokens) {
        this.block = blockTokens;
        this.budget = budgetTokens;
    }

    int blockTokens() {
        return block;
    }

    /**
     * The part of a prompt of {@code promptLength} tokens that can be cached or found: its whole blocks, short of the
     * last prompt token, which must always run to give the logits of the first generated token.
     */
    int cacheableTokens(int promptLength) {
        return (promptLength - 1) / block * block;
    }

    /** The longest cached prefix of {@code prompt} within {@link #cacheableTokens}, or null. */
    Hit lookup(int[] prompt) {
        int blocks = cacheableTokens(prompt.length) / block;
        long h = 0;
        Entry found = null;
        int foundBlocks = 0;
        for (int i = 0; i < blocks; i++) {
            h = chain(h, prompt, i);
            Entry e = candidate(h, i, found);
            if (e == null) {
                break;
            }
            found = e;
            foundBlocks = i + 1;
        }
        if (found == null) {
            return null;
        }
        // the hashes agreed; the tokens decide (a collision only shortens the hit)
        int same = Arrays.mismatch(found.tokens, 0, foundBlocks * block, prompt, 0, foundBlocks * block);
        int tokens = same < 0 ? foundBlocks * block : same / block * block;
        if (tokens == 0) {
            return null;
        }
        found.lastUse = ++clock;
        return new Hit(found, tokens);
    }

    /** An entry holding a prefix whose chain has {@code h} at block {@code i}: {@code previous} if it does. */
    private Entry candidate(long h, int i, Entry previous) {
        if (previous != null && previous.chain.length > i && previous.chain[i] == h) {
            return previous;
        }
        List<Entry> list = index.get(h);
        return list == null ? null : list.get(list.size() - 1);
    }

    /** Whether an entry already holds all of {@code prefixTokens} of {@code prompt}. */
    boolean holds(int[] prompt, int prefixTokens) {
        Hit hit = lookupWithin(prompt, prefixTokens);
        return hit != null && hit.tokens() >= prefixTokens;
    }

    private Hit lookupWithin(int[] prompt, int prefixTokens) {
        return lookup(Arrays.copyOf(prompt, prefixTokens + 1));
    }

    /**
     * Whether an entry of {@code cost} KV tokens fits the budget, evicting the least recently used entries to make
     * room; false (nothing evicted) when it could never fit.
     */
    boolean makeRoom(long cost) {
        if (cost > budget) {
            return false;
        }
        while (held + cost > budget && evictOldest(null)) {
            // evicted one
        }
        return held + cost <= budget;
    }

    /**
     * Adds the KV state {@code kv}, which holds exactly {@code prompt}'s first {@code prefixTokens} tokens (a whole
     * number of blocks), charged {@code cost}. Entries that are prefixes of it are closed: it serves their prompts.
     */
    void insert(int[] prompt, int prefixTokens, SequenceState kv, long cost) {
        int blocks = prefixTokens / block;
        long[] chain = new long[blocks];
        long h = 0;
        for (int i = 0; i < blocks; i++) {
            h = chain(h, prompt, i);
            chain[i] = h;
        }
        Entry e = new Entry(Arrays.copyOf(prompt, prefixTokens), chain, kv, cost);
        for (Entry old : new ArrayList<>(entries)) {
            if (old.tokens.length <= prefixTokens
                    && Arrays.equals(old.tokens, 0, old.tokens.length, prompt, 0, old.tokens.length)) {
                remove(old);
            }
        }
        e.lastUse = ++clock;
        entries.add(e);
        for (long key : chain) {
            index.computeIfAbsent(key, k -> new ArrayList<>(1)).add(e);
        }
        held += cost;
    }

    /** Closes the least recently used entry other than {@code keep}; false when there is none. */
    boolean evictOldest(Entry keep) {
        Entry oldest = null;
        for (Entry e : entries) {
            if (e != keep && (oldest == null || e.lastUse < oldest.lastUse)) {
                oldest = e;
            }
        }
        if (oldest == null) {
            return false;
        }
        remove(oldest);
        return true;
    }

    private void remove(Entry e) {
        entries.remove(e);
        for (long key : e.chain) {
            List<Entry> list = index.get(key);
            list.remove(e);
            if (list.isEmpty()) {
                index.remove(key);
            }
        }
        held -= e.cost;
        e.kv.close();
    }

    /** Engine KV tokens the entries hold: room any request may take back by eviction. */
    long heldTokens() {
        return held;
    }

    int size() {
        return entries.size();
    }

    /** Closes every entry (the model is going away, or a test checks the pool returns to empty). */
    void clear() {
        while (evictOldest(null)) {
            // closed one
        }
    }

    /** Block {@code i}'s link of the chain: a 64-bit mix of the previous link and the block's tokens. */
    private long chain(long previous, int[] tokens, int i) {
        long h = previous * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
        for (int t = i * block, end = t + block; t < end; t++) {
            h = (h ^ tokens[t]) * 0xFF51AFD7ED558CCDL;
            h ^= h >>> 33;
        }
        return h;
    }
}
