package dev.localbedrock.runtime.grammar;

/**
 * The tokens one grammar state allows: every id whose bytes keep the output a valid prefix, with, per id, the fewest
 * bytes that would still be needed to finish the value after it (so a tight token budget can be honoured without
 * walking the vocabulary again), and whether end-of-sequence is allowed (the state is a complete value).
 * Immutable; cached per state.
 */
final class TokenMask {
    final int[] ids;
    /** Per entry of {@link #ids}: bytes still needed after that token, saturated at {@link Character#MAX_VALUE}. */
    final char[] need;
    final boolean eosAllowed;

    TokenMask(int[] ids, char[] need, boolean eosAllowed) {
        this.ids = ids;
        this.need = need;
        this.eosAllowed = eosAllowed;
    }

    /** Memory it holds, in entries (for the cache's bound). */
    int weight() {
        return ids.length + 16;
    }

    /**
     * Walks the vocabulary trie and the grammar together from {@code state}, pruning a whole subtree as soon as its
     * prefix is refused (llama.cpp's approach), so the cost follows the allowed prefixes, not the vocabulary size.
     */
    static TokenMask compute(TokenVocabulary vocab, GrammarState state, GrammarState.Interner states) {
        Walk w = new Walk(vocab, states);
        w.visit(0, state, new long[4]);
        long[] packed = new long[w.count]; // sorted by id, for binary search on accept
        for (int i = 0; i < w.count; i++) {
            packed[i] = (long) w.ids[i] << 16 | w.need[i];
        }
        java.util.Arrays.sort(packed);
        int[] ids = new int[w.count];
        char[] need = new char[w.count];
        for (int i = 0; i < w.count; i++) {
            ids[i] = (int) (packed[i] >>> 16);
            need[i] = (char) packed[i];
        }
        return new TokenMask(ids, need, state.isAccepting());
    }

    private static final class Walk {
        final TokenVocabulary v;
        final GrammarState.Interner states;
        int[] ids = new int[256];
        char[] need = new char[256];
        int count;

        Walk(TokenVocabulary v, GrammarState.Interner states) {
            this.v = v;
            this.states = states;
        }

        void visit(int node, GrammarState state, long[] scratch) {
            java.util.Arrays.fill(scratch, 0);
            state.nextBytes(scratch);
            long[] next = null;
            for (int e = v.edgeStart[node]; e < v.edgeStart[node + 1]; e++) {
                int b = v.edgeByte[e] & 0xFF;
                if ((scratch[b >>> 6] & (1L << (b & 63))) == 0) {
                    continue; // no stack takes this byte: the whole subtree is refused
                }
                GrammarState after = state.step(b, states);
                if (after == null) {
                    continue;
                }
                int child = v.edgeChild[e];
                int needed = Math.min(Character.MAX_VALUE, after.minBytesToFinish());
                for (int t = v.tokenStart[child]; t < v.tokenStart[child + 1]; t++) {
                    add(v.tokenIds[t], needed);
                }
                if (v.edgeStart[child] < v.edgeStart[child + 1]) {
                    if (next == null) {
                        next = new long[4];
                    }
                    visit(child, after, next);
                }
            }
        }

        private void add(int id, int needed) {
            if (count == ids.length) {
                ids = java.util.Arrays.copyOf(ids, count * 2);
                need = java.util.Arrays.copyOf(need, count * 2);
            }
            ids[count] = id;
            need[count++] = (char) needed;
        }
    }
}
