package dev.localbedrock.runtime.sampling;

/**
 * Samples every row of a step: row {@code r}'s logits with row {@code r}'s {@link Sampler}, all sharing one set of
 * selection buffers, so a step of any width allocates nothing. Rows never influence each other. One per scheduler
 * thread.
 */
public final class BatchSampler {
    private final TokenSelector selector = new TokenSelector();

    /** Writes row {@code r}'s token to {@code out[r]} for {@code r < rows}; modifies the logit rows in place. */
    public void sample(Sampler[] samplers, float[][] logits, int rows, int[] out) {
        for (int r = 0; r < rows; r++) {
            out[r] = samplers[r].sample(logits[r], selector);
        }
    }
}
