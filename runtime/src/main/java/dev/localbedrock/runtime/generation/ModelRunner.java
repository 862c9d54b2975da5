package dev.localbedrock.runtime.generation;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.KvCacheFullException;
import dev.localbedrock.engines.SequenceState;

import java.util.ArrayList;
import java.util.List;

/**
 * The only part of the scheduler that touches the engine: it allocates, forks and frees KV state (evicting cached
 * prefixes first whenever the engine's pool is full), and turns a {@link StepPlan}'s token counts into the one
 * {@link DecoderModel#forward} call of the step.
 */
final class ModelRunner {
    private final DecoderModel model;
    /** Cached prefixes, evicted whenever an allocation finds the pool full; null when prefix caching is off. */
    private final PrefixCache cache;
    private boolean forkUnsupported;

    ModelRunner(DecoderModel model, PrefixCache cache) {
        this.model = model;
        this.cache = cache;
    }

    /**
     * Gives {@code s} fresh KV state reserving {@code reservedTokens}; false when the engine's pool is full even
     * with every cached prefix evicted.
     */
    boolean allocate(Sequence s, long reservedTokens) {
        while (true) {
            try {
                s.kv = model.newSequence((int) reservedTokens);
                s.computed = 0;
                return true;
            } catch (KvCacheFullException e) {
                if (cache == null || !cache.evictOldest(null)) {
                    return false;
                }
            }
        }
    }

    /**
     * Gives {@code target} a copy of the hit's cached prefix, reserving {@code reservedTokens}; false when the
     * engine cannot copy part of a sequence or its pool is full with every other cached prefix evicted.
     */
    boolean forkPrefix(PrefixCache.Hit hit, Sequence target, long reservedTokens) {
        while (true) {
            try {
                target.kv = model.fork(hit.entry().kv, (int) reservedTokens, hit.tokens());
                target.computed = hit.tokens();
                return true;
            } catch (UnsupportedOperationException e) {
                return false;
            } catch (KvCacheFullException e) {
                if (!cache.evictOldest(hit.entry())) {
                    return false;
                }
            }
        }
    }

    /**
     * Offers {@code s}'s KV, which now holds exactly its prompt's first {@code s.computed} tokens, to the cache as a
     * copy of its own. Skipped when the engine has no room now or the copy would not fit the cache's budget.
     */
    void cachePrefix(Sequence s) {
        long before = model.freeKvTokens();
        SequenceState copy;
        try {
            copy = model.fork(s.kv, s.computed);
        } catch (UnsupportedOperationException | KvCacheFullException e) {
            return;
        }
        long after = model.freeKvTokens();
        long cost = Math.max(s.computed, before == Long.MAX_VALUE ? 0 : before - after);
        if (!cache.makeRoom(cost)) {
            copy.close();
            return;
        }
        cache.insert(s.request.job.promptIds(), s.computed, copy, cost);
    }

    /**
     * Gives {@code target} a copy of {@code source}'s cache (its whole prompt). False when the engine cannot fork
     * (remembered, so later requests prefill their generations separately from the start) or its pool is full.
     */
    boolean fork(Sequence source, Sequence target, long reservedTokens) {
        while (!forkUnsupported) {
            try {
                target.kv = model.fork(source.kv, (int) reservedTokens);
                target.computed = source.computed;
                return true;
            } catch (UnsupportedOperationException e) {
                forkUnsupported = true;
            } catch (KvCacheFullException e) {
                if (cache == null || !cache.evictOldest(null)) {
                    return false;
                }
            }
        }
        return false;
    }

    /** Whether forking is still worth trying on this engine. */
    boolean canFork() {
        return !forkUnsupported;
    }

    /** Runs every row of the plan in one forward call; returns the logits per row and advances each sequence. */
    float[][] forward(StepPlan plan) {
        int rows = plan.rows.size();
        List<SequenceState> states = new ArrayList<>(rows);
        List<int[]> inputs = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            Sequence s = plan.rows.get(r);
            states.add(s.kv);
            inputs.add(s.nextInput(plan.rowTokens(r)));
        }
        float[][] logits = model.forward(states, inputs);
        for (int r = 0; r < rows; r++) {
            plan.rows.get(r).advance(plan.rowTokens(r));
        }
        return logits;
    }

    /** Frees {@code s}'s KV state, if it has any. */
    void release(Sequence s) {
        if (s.kv != null) {
            s.kv.close();
            s.kv = null;
        }
    }
}
