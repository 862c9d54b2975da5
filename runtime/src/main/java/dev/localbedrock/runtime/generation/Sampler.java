package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.SamplingParameters;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from a row of f32 logits.
 *
 * <ul>
 *   <li>Greedy (temperature 0): {@code argmax(logits)}, ties to the lowest token id.</li>
 *   <li>Otherwise: {@code p_i = exp(l_i / T - m) / Σ_j exp(l_j / T - m)} with {@code m = max_j l_j / T}. Top-k keeps
 *       the k most probable tokens (k = 0 keeps all). Top-p then keeps the smallest prefix of the remaining tokens,
 *       in descending probability (ties: lower id first), whose cumulative probability reaches p (p = 1 keeps all).
 *       The kept probabilities are renormalised and one token is drawn by inverse CDF with a uniform
 *       {@code u ∈ [0, 1)} from a {@link SplittableRandom} seeded per request, so a seeded request is reproducible
 *       whatever else runs.</li>
 * </ul>
 * One instance per sequence; not thread-safe.
 */
public final class Sampler {
    private final SamplingParameters params;
    private final SplittableRandom random;
    private float[] probs = new float[0];
    /** Sort keys: descending probability, then ascending id, packed so a primitive sort orders them. */
    private long[] order = new long[0];

    public Sampler(SamplingParameters params, long seed) {
        this.params = params;
        this.random = new SplittableRandom(seed);
    }

    public int sample(float[] logits) {
        if (params.isGreedy()) {
            return argmax(logits);
        }
        return sampleNucleus(logits, random.nextDouble());
    }

    /** Index of the largest logit; the lowest index wins a tie. NaN never wins. */
    public static int argmax(float[] logits) {
        int best = 0;
        float bestValue = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] > bestValue) {
                bestValue = logits[i];
                best = i;
            }
        }
        return best;
    }

    /** The draw itself, separated from the random source so tests can pin {@code u}. */
    int sampleNucleus(float[] logits, double u) {
        int n = logits.length;
        if (probs.length != n) {
            probs = new float[n];
            order = new long[n];
        }
        float invT = 1f / params.temperature();
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l * invT);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(logits[i] * invT - max);
            probs[i] = e;
            sum += e;
        }
        for (int i = 0; i < n; i++) {
            probs[i] /= (float) sum;
            // Non-negative floats order like their bit patterns; invert them for a descending sort.
            order[i] = ((long) (Integer.MAX_VALUE - Float.floatToIntBits(probs[i])) << 32) | i;
        }
        Arrays.sort(order, 0, n);
        final float[] p = probs;
        int kept = params.topK() > 0 ? Math.min(params.topK(), n) : n;
        float topP = params.topP();
        if (topP > 0f && topP < 1f) {
            double cumulative = 0;
            int cut = kept;
            for (int r = 0; r < kept; r++) {
                cumulative += p[id(order[r])];
                if (cumulative >= topP) {
                    cut = r + 1;
                    break;
                }
            }
            kept = cut;
        }
        double keptMass = 0;
        for (int r = 0; r < kept; r++) {
            keptMass += p[id(order[r])];
        }
        double target = u * keptMass;
        double cumulative = 0;
        for (int r = 0; r < kept; r++) {
            cumulative += p[id(order[r])];
            if (target < cumulative) {
                return id(order[r]);
            }
        }
        return id(order[kept - 1]);
    }

    private static int id(long key) {
        return (int) key;
    }
}
