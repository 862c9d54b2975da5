package dev.localbedrock.runtime.sampling;

import dev.localbedrock.codecs.inference.SamplingParameters;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pearson χ² goodness of fit: 120 000 seeded draws of each sampler configuration against the distribution the
 * documented formula gives, computed independently here in double precision with a full sort. Tokens outside the
 * reference support must never be drawn. The significance level is 0.1 %, and the seed is fixed, so the test is
 * deterministic.
 */
class SamplerDistributionTest {
    private static final int DRAWS = 120_000;

    /** 16 logits with a tie (ids 4 and 5) and a spread of magnitudes, and a 2 000-entry vocabulary. */
    private static float[] logits(int vocab) {
        if (vocab == 16) {
            return new float[] {1.0f, -0.5f, 2.2f, 0.3f, 1.7f, 1.7f, -2.0f, 0.9f, 3.1f, -1.2f, 0.0f, 2.6f, -0.7f,
                    1.1f, -3.0f, 0.5f};
        }
        SplittableRandom r = new SplittableRandom(99);
        float[] l = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            l[i] = (float) (r.nextGaussian() * 1.5);
        }
        return l;
    }

    @ParameterizedTest(name = "vocab {0}: T={1} k={2} p={3}")
    @CsvSource({
            "16, 1.0, 0, 1.0",      // softmax alone
            "16, 0.7, 0, 1.0",      // temperature
            "16, 1.0, 5, 1.0",      // top-k
            "16, 1.0, 0, 0.8",      // top-p
            "16, 1.3, 8, 0.9",      // combined
            "2000, 0.8, 0, 0.6",    // top-p on the partition path
            "2000, 1.0, 300, 1.0",  // top-k on the quickselect path
            "2000, 1.2, 400, 0.7",  // combined on both
            "2000, 1.0, 40, 1.0",   // top-k on the heap path
            "2000, 0.9, 100, 0.8",  // heap, then nucleus
            "16, 1.0, 1, 1.0",      // k = 1 (heap of one)
    })
    void drawsFollowTheReferenceDistribution(int vocab, float temperature, int topK, float topP) {
        float[] logits = logits(vocab);
        double[] expected = reference(logits, temperature, topK, topP);
        Sampler sampler = new Sampler(new SamplingParameters(temperature, topP, topK, null), 20231128L);
        long[] counts = new long[vocab];
        float[] row = new float[vocab];
        TokenSelector selector = new TokenSelector();
        for (int i = 0; i < DRAWS; i++) {
            System.arraycopy(logits, 0, row, 0, vocab);
            counts[sampler.sample(row, selector)]++;
        }
        // Cells with expected count below 5 are pooled, as the χ² approximation requires.
        double chi2 = 0;
        int cells = 0;
        double pooledExpected = 0;
        long pooledObserved = 0;
        for (int i = 0; i < vocab; i++) {
            double e = expected[i] * DRAWS;
            if (e == 0) {
                assertEquals(0, counts[i], "token " + i + " lies outside the kept set but was drawn");
            } else if (e < 5) {
                pooledExpected += e;
                pooledObserved += counts[i];
            } else {
                chi2 += (counts[i] - e) * (counts[i] - e) / e;
                cells++;
            }
        }
        if (pooledExpected > 0) {
            chi2 += (pooledObserved - pooledExpected) * (pooledObserved - pooledExpected) / pooledExpected;
            cells++;
        }
        int df = cells - 1;
        if (df == 0) {
            return; // a single kept token: the support check above is the whole test
        }
        double critical = chi2Critical(df);
        assertTrue(chi2 < critical, "χ² = " + chi2 + " exceeds the 0.1 % critical value " + critical + " at df " + df);
    }

    /** The documented distribution: softmax(l / T), top-k, then top-p on the renormalised remainder. */
    static double[] reference(float[] logits, float temperature, int topK, float topP) {
        int n = logits.length;
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        order.sort(Comparator.<Integer>comparingDouble(i -> -logits[i]).thenComparingInt(i -> i));
        int kept = topK > 0 ? Math.min(topK, n) : n;
        double max = logits[order.get(0)];
        double[] w = new double[n];
        double mass = 0;
        for (int r = 0; r < kept; r++) {
            int id = order.get(r);
            w[id] = Math.exp((logits[id] - max) / temperature);
            mass += w[id];
        }
        if (topP > 0 && topP < 1) {
            double cumulative = 0;
            int cut = kept;
            for (int r = 0; r < kept; r++) {
                cumulative += w[order.get(r)];
                if (cumulative >= topP * mass) {
                    cut = r + 1;
                    break;
                }
            }
            for (int r = cut; r < kept; r++) {
                w[order.get(r)] = 0;
            }
            kept = cut;
            mass = 0;
            for (int r = 0; r < kept; r++) {
                mass += w[order.get(r)];
            }
        }
        double[] p = new double[n];
        for (int i = 0; i < n; i++) {
            p[i] = w[i] / mass;
        }
        assertEquals(1.0, Arrays.stream(p).sum(), 1e-9);
        return p;
    }

    /** Wilson–Hilferty approximation of the χ² quantile at 1 − 0.001. */
    static double chi2Critical(int df) {
        double z = 3.090232306;
        double a = 2.0 / (9.0 * df);
        return df * Math.pow(1 - a + z * Math.sqrt(a), 3);
    }
}
