package dev.localbedrock.runtime.grammar;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One JSON Schema compiled for one vocabulary: the grammar, its start state, and the masks of the states sequences
 * have reached. Masks are cached by state (equal states recur constantly: every character of a free string returns
 * to the same state), bounded by the total number of token entries they hold, least recently used first out.
 * Thread-safe: several schedulers may share it.
 */
public final class JsonConstraint {
    /** Token entries the mask cache may hold (about 6 bytes each): a dense state holds up to the vocabulary size. */
    static final int MASK_CACHE_ENTRIES = 1 << 19;

    final TokenVocabulary vocab;
    final Grammar grammar;
    final GrammarState start;
    /** Interned states with memoised transitions (each holds a 256-entry table), bounded. */
    final GrammarState.Interner states = new GrammarState.Interner(8192);
    private final LinkedHashMap<GrammarState, TokenMask> masks = new LinkedHashMap<>(64, 0.75f, true);
    private long cachedWeight;
    private long hits;
    private long misses;

    private final JsonNode schema;

    JsonConstraint(TokenVocabulary vocab, JsonNode schema) {
        this.vocab = vocab;
        this.schema = schema;
        this.grammar = SchemaCompiler.compile(schema);
        this.start = states.intern(GrammarState.start(grammar));
    }

    /** The same schema compiled again, with empty caches (benchmarks measure the uncached cost with it). */
    public JsonConstraint recompiled() {
        return new JsonConstraint(vocab, schema);
    }

    /** A fresh per-sequence state for a generation allowed {@code maxTokens} tokens. */
    public JsonConstraintState newState(int maxTokens) {
        return new JsonConstraintState(this, start, maxTokens);
    }

    /** The mask of {@code state}, from the cache or computed now. */
    TokenMask maskFor(GrammarState state) {
        synchronized (masks) {
            TokenMask m = masks.get(state);
            if (m != null) {
                hits++;
                return m;
            }
        }
        TokenMask m = TokenMask.compute(vocab, state, states);
        synchronized (masks) {
            misses++;
            if (masks.put(state, m) == null) {
                cachedWeight += m.weight();
            }
            for (var it = masks.entrySet().iterator(); cachedWeight > MASK_CACHE_ENTRIES && it.hasNext(); ) {
                Map.Entry<GrammarState, TokenMask> eldest = it.next();
                if (eldest.getValue() != m) {
                    cachedWeight -= eldest.getValue().weight();
                    it.remove();
                }
            }
        }
        return m;
    }

    /** Mask cache hits and misses so far (tests and benchmarks). */
    long[] cacheCounts() {
        synchronized (masks) {
            return new long[] {hits, misses};
        }
    }

    int vocabularySize() {
        return vocab.size;
    }
}
