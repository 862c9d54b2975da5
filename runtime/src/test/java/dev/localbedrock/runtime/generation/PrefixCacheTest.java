package dev.localbedrock.runtime.generation;

import dev.localbedrock.engines.SequenceState;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cache's bookkeeping alone: longest block-aligned hits, the last-token rule, LRU within its budget. */
class PrefixCacheTest {
    private static final int B = 4;

    /** A stand-in KV state that only records being closed. */
    private static final class State implements SequenceState {
        boolean closed;

        @Override
        public int length() {
            return 0;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static int[] seq(int n, int salt) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = salt * 1000 + i;
        }
        return t;
    }

    @Test
    void findsTheLongestSharedWholeBlocksAndNeverTheLastToken() {
        PrefixCache cache = new PrefixCache(B, 1000);
        int[] a = seq(13, 1); // cacheable: 12
        assertEquals(12, cache.cacheableTokens(a.length));
        assertEquals(8, cache.cacheableTokens(12), "a 12-token prompt keeps its last token to run");
        assertNull(cache.lookup(a));
        cache.insert(a, 12, new State(), 12);
        assertEquals(12, cache.lookup(a).tokens());
        assertEquals(8, cache.lookup(Arrays.copyOf(a, 12)).tokens(), "strictly shorter than the prompt");
        int[] b = Arrays.copyOf(a, 20);
        b[9] = -5; // differs inside block 2
        assertEquals(8, cache.lookup(b).tokens());
        int[] c = a.clone();
        c[0] = -1;
        assertNull(cache.lookup(c), "a different first block shares nothing");
        assertNull(cache.lookup(Arrays.copyOf(a, 4)), "no whole block before the last token");
    }

    @Test
    void aLongerPrefixReplacesTheEntriesItContains() {
        PrefixCache cache = new PrefixCache(B, 1000);
        int[] a = seq(30, 2);
        State shortOne = new State();
        cache.insert(a, 8, shortOne, 8);
        State longOne = new State();
        cache.insert(a, 24, longOne, 24);
        assertTrue(shortOne.closed);
        assertEquals(1, cache.size());
        assertEquals(24, cache.heldTokens());
        assertSame(longOne, cache.lookup(a).entry().kv);
        assertEquals(8, cache.lookup(Arrays.copyOf(a, 9)).tokens(), "the long entry serves the short prompt");
        assertTrue(cache.holds(a, 24));
        assertFalse(cache.holds(seq(30, 3), 24));
    }

    @Test
    void evictsLeastRecentlyUsedWithinItsBudget() {
        PrefixCache cache = new PrefixCache(B, 20);
        int[] x = seq(9, 4);
        int[] y = seq(9, 5);
        int[] z = seq(9, 6);
        State sx = new State();
        State sy = new State();
        cache.insert(x, 8, sx, 10);
        cache.insert(y, 8, sy, 10);
        cache.lookup(x); // x is now the more recent
        assertTrue(cache.makeRoom(10));
        assertTrue(sy.closed, "y was least recently used");
        assertFalse(sx.closed);
        cache.insert(z, 8, new State(), 10);
        assertFalse(cache.makeRoom(21), "never fits: nothing evicted");
        assertEquals(2, cache.size());
        PrefixCache.Hit hit = cache.lookup(x);
        assertTrue(cache.evictOldest(hit.entry()));
        assertFalse(sx.closed, "the entry being copied is kept");
        assertFalse(cache.evictOldest(hit.entry()));
        cache.clear();
        assertTrue(sx.closed);
        assertEquals(0, cache.heldTokens());
    }
}
