package dev.localbedrock.runtime.generation;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.KvCacheFullException;
import dev.localbedrock.engines.SequenceState;

import java.util.ArrayList;
import java.util.List;

/**
 * The only part of the scheduler that touches the engine: it allocates, forks and frees KV state, and turns a
 * {@link StepPlan}'s token counts into the one {@link DecoderModel#forward} call of the step.
 */
final class ModelRunner {
    private final DecoderModel model;
    private boolean forkUnsupported;

    ModelRunner(DecoderModel model) {
        this.model = model;
    }

    /** Gives {@code s} fresh KV state reserving {@code reservedTokens}; false when the engine's pool is full. */
    boolean allocate(Sequence s, long reservedTokens) {
        try {
            s.kv = model.newSequence((int) reservedTokens);
            s.computed = 0;
            return true;
        } catch (KvCacheFullException e) {
            return false;
        }
    }

    /**
     * Gives {@code target} a copy of {@code source}'s cache (its whole prompt). False when the engine cannot fork
     * (remembered, so later requests prefill their generations separately from the start) or its pool is full.
     */
    boolean fork(Sequence source, Sequence target, long reservedTokens) {
        if (forkUnsupported) {
            return false;
        }
        try {
            target.kv = model.fork(source.kv, (int) reservedTokens);
            target.computed = source.computed;
            return true;
        } catch (UnsupportedOperationException e) {
            forkUnsupported = true;
            return false;
        } catch (KvCacheFullException e) {
            return false;
        }
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
