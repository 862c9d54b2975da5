package dev.localbedrock.runtime.grammar;

import dev.localbedrock.runtime.sampling.TokenConstraint;

import java.util.Arrays;

/**
 * One sequence's progress through a {@link JsonConstraint}: its grammar state and the tokens it has left.
 *
 * <p>The mask is budget-aware: a token is allowed only if the value can still be finished in the tokens left after
 * it, counting one token per byte still needed (every byte the shortest completion needs — closing quotes and
 * brackets, required keys — has a single-byte token in the vocabularies the runtime serves). So a generation whose
 * token limit covers the schema's shortest value always ends with a complete, valid value, even on random weights,
 * which otherwise would wander inside a string forever. When the limit is below even that, the mask falls back to
 * every valid continuation and the output is cut at the limit (stop reason max tokens, incomplete JSON).
 */
public final class JsonConstraintState implements TokenConstraint {
    private static final ThreadLocal<float[]> SAVED = ThreadLocal.withInitial(() -> new float[0]);

    private final JsonConstraint constraint;
    private GrammarState state;
    private int remaining;
    private TokenMask current;
    private boolean budgetKept;

    JsonConstraintState(JsonConstraint constraint, GrammarState state, int remaining) {
        this.constraint = constraint;
        this.state = state;
        this.remaining = remaining;
    }

    @Override
    public void mask(float[] logits) {
        TokenMask m = constraint.maskFor(state);
        current = m;
        int[] ids = m.ids;
        float[] saved = SAVED.get();
        if (saved.length < ids.length) {
            saved = new float[Math.max(ids.length, saved.length * 2)];
            SAVED.set(saved);
        }
        for (int i = 0; i < ids.length; i++) {
            saved[i] = logits[ids[i]];
        }
        int[] eos = constraint.vocab.eosIds;
        float[] eosSaved = new float[eos.length];
        for (int i = 0; i < eos.length; i++) {
            eosSaved[i] = eos[i] < logits.length ? logits[eos[i]] : Float.NEGATIVE_INFINITY;
        }
        Arrays.fill(logits, Float.NEGATIVE_INFINITY);
        int after = remaining - 1; // tokens left once this one is taken
        int kept = 0;
        for (int i = 0; i < ids.length; i++) {
            if (m.need[i] <= after) {
                logits[ids[i]] = saved[i];
                kept++;
            }
        }
        budgetKept = kept > 0 || m.eosAllowed;
        if (!budgetKept) { // the limit cannot be met: any valid continuation, cut at the limit
            for (int i = 0; i < ids.length; i++) {
                logits[ids[i]] = saved[i];
            }
        }
        if (m.eosAllowed || ids.length == 0) { // (no continuation at all cannot happen for a sound grammar)
            for (int i = 0; i < eos.length; i++) {
                if (eos[i] < logits.length) {
                    logits[eos[i]] = eosSaved[i];
                }
            }
        }
    }

    @Override
    public int accept(int token, float[] maskedLogits) {
        TokenMask m = current != null ? current : constraint.maskFor(state);
        current = null;
        int pick = allowed(token, m) ? token : fallback(m, maskedLogits);
        if (!isEos(pick)) {
            GrammarState next = state.step(constraint.vocab.pieces[pick], constraint.states);
            if (next == null) {
                throw new IllegalStateException("token " + pick + " was allowed but does not continue the value");
            }
            state = next;
        }
        remaining--;
        return pick;
    }

    @Override
    public boolean isComplete() {
        return state.isComplete();
    }

    @Override
    public TokenConstraint copy() {
        return new JsonConstraintState(constraint, state, remaining);
    }

    /** Whether the bytes so far are a complete value (it may still continue, e.g. a number's digits). */
    public boolean isAccepting() {
        return state.isAccepting();
    }

    private boolean allowed(int token, TokenMask m) {
        if (isEos(token)) {
            return m.eosAllowed || m.ids.length == 0;
        }
        int i = Arrays.binarySearch(m.ids, token);
        return i >= 0 && (!budgetKept || m.need[i] <= remaining - 1);
    }

    /** The allowed token with the largest masked logit (the first allowed one when all are −∞/NaN). */
    private int fallback(TokenMask m, float[] logits) {
        int best = -1;
        float bestValue = Float.NaN;
        for (int i = 0; i < m.ids.length; i++) {
            if (budgetKept && m.need[i] > remaining - 1) {
                continue;
            }
            float v = logits[m.ids[i]];
            if (best < 0 || v > bestValue) {
                best = m.ids[i];
                bestValue = v;
            }
        }
        if (best >= 0) {
            return best;
        }
        return constraint.vocab.eosIds.length > 0 ? constraint.vocab.eosIds[0] : 0;
    }

    private boolean isEos(int token) {
        for (int id : constraint.vocab.eosIds) {
            if (id == token) {
                return true;
            }
        }
        return false;
    }
}
