package dev.localbedrock.runtime.sampling;

/**
 * A per-sequence restriction on which tokens may come next (constrained decoding). The {@link Sampler} calls
 * {@link #mask} after repetition penalties and logit bias and before temperature, top-k and top-p (or greedy
 * argmax), so disallowed tokens are out whatever the sampling settings; then {@link #accept} with the pick.
 * One per sequence; not thread-safe.
 */
public interface TokenConstraint {
    /** Sets the logit of every token that may not come next to −∞, in place. */
    void mask(float[] logits);

    /**
     * Records that {@code token} was picked from the masked row and returns it, or, when the pick is not allowed
     * (every allowed logit was −∞ or NaN, so the selector fell back to index 0), the allowed token used instead.
     */
    int accept(int token, float[] maskedLogits);

    /** Whether the output is complete and nothing but end-of-sequence may follow (the sequence can stop now). */
    boolean isComplete();

    /** An independent copy at the same point, for another generation of the same prompt. */
    TokenConstraint copy();
}
