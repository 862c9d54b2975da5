package dev.localbedrock.runtime.generation;

import dev.localbedrock.engines.DecoderModel;

/**
 * The scheduler's account of KV cache, in tokens: the configured capacity and what admitted requests have reserved
 * (prompt plus maximum new tokens per sequence, from admission until the sequence ends). Free space is the smaller
 * of the ledger's own and the engine's {@link DecoderModel#freeKvTokens()}, so the scheduler never admits work the
 * engine could not hold, whichever of the two is stricter. Scheduler thread only, except {@link #reserved()}, which
 * any thread may read (leak checks, metrics): {@code reserved} is volatile, a few writes per step.
 */
final class KvLedger {
    private final long capacity;
    private final DecoderModel model;
    private final PrefixCache cache;
    private volatile long reserved;

    KvLedger(long capacity, DecoderModel model, PrefixCache cache) {
        this.capacity = capacity;
        this.model = model;
        this.cache = cache;
    }

    long capacity() {
        return capacity;
    }

    long reserved() {
        return reserved;
    }

    /** Free KV; engine room held by cached prefixes counts as free, since an allocation evicts them first. */
    long free() {
        long engine = model.freeKvTokens();
        long cached = cache == null ? 0 : cache.heldTokens();
        long engineFree = engine > Long.MAX_VALUE - cached ? Long.MAX_VALUE : engine + cached;
        return Math.max(0, Math.min(capacity - reserved, engineFree));
    }

    void reserve(long tokens) {
        reserved += tokens;
    }

    void release(long tokens) {
        reserved -= tokens;
        if (reserved < 0) {
            throw new IllegalStateException("KV ledger released more than it reserved");
        }
    }
}
