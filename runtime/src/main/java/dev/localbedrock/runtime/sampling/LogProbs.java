package dev.localbedrock.runtime.sampling;

/**
 * Log-probabilities under a row's unmodified distribution: {@code log p_t = l_t − log Σ_i exp(l_i)}, computed stably
 * as {@code l_t − m − log Σ_i exp(l_i − m)} with {@code m = max_i l_i}, summed in double. This is what Cohere's
 * {@code return_likelihoods} reports: no penalties, bias, temperature or truncation.
 */
public final class LogProbs {
    private LogProbs() {
    }

    /** {@code log Σ_i exp(l_i)}; NaN logits are skipped. */
    public static double logSumExp(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            if (l > max) {
                max = l;
            }
        }
        if (Float.isInfinite(max)) {
            return max;
        }
        double sum = 0;
        for (float l : logits) {
            if (l == l) {
                sum += Math.exp(l - max);
            }
        }
        return max + Math.log(sum);
    }

    /** {@code log p_token}. */
    public static float logProb(float[] logits, int token) {
        return (float) (logits[token] - logSumExp(logits));
    }
}
