package dev.localbedrock.codecs;

/**
 * How a family's temperature and top-p values (doubles, already range-checked) become the neutral
 * {@code SamplingParameters} floats. Families disagree on what top-p 0 means, so there are two readings of it; every
 * codec uses one of them rather than its own arithmetic.
 */
public final class SamplingValues {
    private SamplingValues() {
    }

    /** A temperature that rounds to float 0 (1e-50) is greedy anyway; "+ 0f" also turns -0.0 into 0. */
    public static float temperature(double temperature) {
        return (float) temperature + 0f;
    }

    /**
     * Top-p where 0 means "only the most likely token" (Titan, Claude, Jurassic-2). The sampler's own 0 means "off",
     * so 0 and values that round to it become the smallest positive float.
     */
    public static float topPKeepingTheTopToken(double topP) {
        return Math.min(1f, Math.max(Float.MIN_VALUE, (float) topP));
    }

    /**
     * Top-p where 0, like 1, disables nucleus sampling (Llama 2 and Cohere document "0 or 1 disables it"); a tiny but
     * non-zero value still means "only the top token".
     */
    public static float topPZeroDisables(double topP) {
        return topP == 0 ? 1f : topPKeepingTheTopToken(topP);
    }
}
