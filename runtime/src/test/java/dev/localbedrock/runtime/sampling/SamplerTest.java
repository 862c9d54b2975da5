package dev.localbedrock.runtime.sampling;

import dev.localbedrock.codecs.inference.Penalty;
import dev.localbedrock.codecs.inference.RepetitionPenalties;
import dev.localbedrock.codecs.inference.SamplingParameters;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {
    private static final float[] TENTHS = {(float) Math.log(1), (float) Math.log(2), (float) Math.log(3),
            (float) Math.log(4)};

    @Test
    void greedyPicksTheLargestLogitAndTiesGoToTheLowestId() {
        assertEquals(2, Sampler.argmax(new float[] {0f, 1f, 3f, 3f, -1f}));
        assertEquals(1, Sampler.argmax(new float[] {Float.NaN, 5f, 5f}));
        assertEquals(0, Sampler.argmax(new float[] {Float.NaN, Float.NaN}));
        Sampler greedy = new Sampler(SamplingParameters.greedy(), 1);
        assertEquals(3, greedy.sample(new float[] {1f, 2f, 0f, 2.5f}));
    }

    /** The set of tokens some u in [0, 1) can reach, found by sweeping u finely. */
    private static Set<Integer> reachable(float[] logits, float t, int k, float p) {
        TokenSelector selector = new TokenSelector();
        Set<Integer> seen = new TreeSet<>();
        for (int i = 0; i < 10_000; i++) {
            seen.add(selector.select(logits, t, k, p, i / 10_000.0));
        }
        return seen;
    }

    @Test
    void topPKeepsTheSmallestMostProbablePrefixReachingP() {
        // p = 0.6: 0.4 < 0.6, 0.4 + 0.3 >= 0.6, so tokens 3 and 2 remain.
        assertEquals(Set.of(3, 2), reachable(TENTHS, 1f, 0, 0.6f));
        assertEquals(Set.of(3), reachable(TENTHS, 1f, 0, 0.39f));
        assertEquals(Set.of(3, 2, 1), reachable(TENTHS, 1f, 0, 0.71f));
        assertEquals(Set.of(0, 1, 2, 3), reachable(TENTHS, 1f, 0, 1f));
        assertEquals(Set.of(0, 1, 2, 3), reachable(TENTHS, 1f, 0, 0f), "0 disables top-p");
    }

    @Test
    void topKComesBeforeTopPWhichActsOnTheRenormalisedRemainder() {
        assertEquals(Set.of(3), reachable(TENTHS, 1f, 1, 1f));
        assertEquals(Set.of(3, 2), reachable(TENTHS, 1f, 2, 1f));
        // k = 2 leaves 0.4 and 0.3, renormalised 4/7 and 3/7; p = 0.5 then keeps only token 3 (4/7 >= 0.5),
        // although over the original distribution 0.4 < 0.5 would have needed token 2 as well.
        assertEquals(Set.of(3), reachable(TENTHS, 1f, 2, 0.5f));
    }

    @Test
    void tiesAtTheTopKBoundaryKeepTheLowerIds() {
        float[] logits = {1f, 2f, 2f, 2f, 0f};
        assertEquals(Set.of(1, 2), reachable(logits, 1f, 2, 1f));
    }

    @Test
    void lowTemperatureSharpensTheDistribution() {
        // T = 0.1: p(0) = e^-10 / (1 + e^-10) ≈ 4.54e-5, so about 4.5 of 100 000 evenly spaced u pick token 0.
        TokenSelector s = new TokenSelector();
        float[] logits = {0f, 1f};
        int zeros = 0;
        for (int i = 0; i < 100_000; i++) {
            zeros += s.select(logits, 0.1f, 0, 1f, i / 100_000.0) == 0 ? 1 : 0;
        }
        assertTrue(zeros >= 4 && zeros <= 5, "zeros: " + zeros);
    }

    @Test
    void largeVocabulariesTakeThePartitionPathAndKeepTheSameSet() {
        float[] logits = new float[5000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.sin(i * 0.37) * 3;
        }
        // Reference: sort all ids by (logit desc, id asc), cut where the cumulative mass reaches p.
        double[] w = new double[logits.length];
        double total = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = Math.exp(logits[i] - max);
            total += w[i];
        }
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : a - b);
        Set<Integer> expected = new TreeSet<>();
        double cumulative = 0;
        for (Integer id : order) {
            expected.add(id);
            cumulative += w[id];
            if (cumulative >= 0.3 * total) {
                break;
            }
        }
        assertTrue(expected.size() > 100, "the test must exercise the partition path");
        long[] keys = new long[logits.length];
        float[] weights = new float[logits.length];
        double mass = 0;
        for (int i = 0; i < keys.length; i++) {
            keys[i] = TokenSelector.key(logits[i], i);
            weights[i] = (float) Math.exp(logits[i] - max);
            mass += weights[i];
        }
        int kept = TokenSelector.nucleus(keys, keys.length, weights, 0.3 * mass);
        Set<Integer> actual = new TreeSet<>();
        for (int r = 0; r < kept; r++) {
            actual.add(TokenSelector.id(keys[r]));
        }
        assertEquals(expected, actual);

        long[] k2 = new long[logits.length];
        for (int i = 0; i < k2.length; i++) {
            k2[i] = TokenSelector.key(logits[i], i);
        }
        TokenSelector.selectFirst(k2, k2.length, 250);
        Set<Integer> top = new TreeSet<>();
        for (int r = 0; r < 250; r++) {
            top.add(TokenSelector.id(k2[r]));
        }
        Set<Integer> expectedTop = new TreeSet<>();
        for (int r = 0; r < 250; r++) {
            expectedTop.add(order[r]);
        }
        assertEquals(expectedTop, top);
    }

    @Test
    void heapAndQuickselectTopKKeepTheSameSet() {
        float[] logits = new float[4000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.floor(Math.cos(i * 0.11) * 20) / 4; // many exact ties
        }
        logits[17] = Float.NaN;
        for (int k : new int[] {1, 7, 64, 499, 500, 501, 3000}) { // 500 = n / 8: the heap/select boundary
            Set<Integer> heapOrSelect = new TreeSet<>(reachable(logits, 50f, k, 1f));
            long[] keys = new long[logits.length];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = TokenSelector.key(logits[i], i);
            }
            java.util.Arrays.sort(keys);
            Set<Integer> expected = new TreeSet<>();
            for (int r = 0; r < k; r++) {
                expected.add(TokenSelector.id(keys[r]));
            }
            // At T = 50 every kept token has a visible share, so sweeping u reaches them all.
            assertEquals(expected.size() <= 64 ? expected : heapOrSelect, heapOrSelect, "k = " + k);
            assertTrue(expected.containsAll(heapOrSelect), "k = " + k);
        }
    }

    @Test
    void floatExpIsWithinTwoUlpsOfMathExp() {
        for (int i = 0; i <= 870_000; i++) {
            float x = -i / 10_000f;
            double e = Math.exp(x);
            assertEquals(e, FloatExp.exp(x), e * 1.2e-7, "x = " + x);
        }
        assertEquals(1f, FloatExp.exp(0f));
        assertEquals(0f, FloatExp.exp(-88f));
        assertEquals(0f, FloatExp.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, FloatExp.exp(Float.NaN));
    }

    @Test
    void keysOrderByDescendingLogitThenAscendingId() {
        float[] values = {Float.NEGATIVE_INFINITY, -3.5f, -0f, 0f, 1e-30f, 2f, Float.POSITIVE_INFINITY};
        for (int i = 0; i + 1 < values.length; i++) {
            assertTrue(TokenSelector.key(values[i + 1], 9) < TokenSelector.key(values[i], 0)
                    || values[i + 1] == values[i], values[i] + " vs " + values[i + 1]);
        }
        assertTrue(TokenSelector.key(1f, 3) < TokenSelector.key(1f, 4));
        assertEquals(TokenSelector.key(0f, 5), TokenSelector.key(-0f, 5));
        assertEquals(TokenSelector.key(Float.NEGATIVE_INFINITY, 2), TokenSelector.key(Float.NaN, 2));
        assertEquals(7, TokenSelector.id(TokenSelector.key(-12.5f, 7)));
        for (float v : values) {
            assertEquals(v + 0f, TokenSelector.logitOf(TokenSelector.key(v, 3)));
        }
    }

    @Test
    void aSeedMakesSamplingReproducible() {
        float[] logits = new float[100];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.sin(i);
        }
        SamplingParameters p = new SamplingParameters(0.8f, 0.95f, 0, 42L);
        Sampler a = new Sampler(p, 42);
        Sampler b = new Sampler(p, 42);
        boolean varied = false;
        int first = a.sample(logits.clone());
        assertEquals(first, b.sample(logits.clone()));
        for (int i = 0; i < 50; i++) {
            int x = a.sample(logits.clone());
            assertEquals(x, b.sample(logits.clone()));
            varied |= x != first;
        }
        assertTrue(varied, "sampling at T=0.8 should not always pick one token");
    }

    @Test
    void penaltiesAndBiasApplyBeforeTheGreedyPick() {
        float[] logits = {0f, 5f, 4f, 3f};
        // Token 1 is in the prompt; a presence penalty of 2 drops it to 3, below token 2.
        SamplingParameters penalised = SamplingParameters.greedy()
                .withPenalties(new RepetitionPenalties(Penalty.of(2f), Penalty.NONE, Penalty.NONE));
        assertEquals(2, new Sampler(penalised, 0, TokenClasses.NONE, new int[] {1}).sample(logits.clone()));
        SamplingParameters biased = SamplingParameters.greedy().withLogitBias(Map.of(3, 2.5f));
        assertEquals(3, new Sampler(biased, 0).sample(logits.clone()));
    }

    @Test
    void generatedTokensCountForLaterPenalties() {
        SamplingParameters p = SamplingParameters.greedy()
                .withPenalties(new RepetitionPenalties(Penalty.NONE, Penalty.of(1.5f), Penalty.NONE));
        Sampler s = new Sampler(p, 0, TokenClasses.NONE, new int[0]);
        float[] logits = {0f, 2f, 1f};
        assertEquals(1, s.sample(logits.clone()));   // nothing seen yet
        assertEquals(2, s.sample(logits.clone()));   // token 1 seen once: 2 - 1.5 = 0.5 < 1
        assertEquals(1, s.sample(logits.clone()));   // 1 → 0.5, 2 → -0.5: token 1 still wins over 0
        assertEquals(0, s.sample(logits.clone()));   // 1 seen twice → -1, 2 → -0.5: token 0 wins
        Sampler fork = s.fork(7);
        assertNotEquals(s, fork);
        assertEquals(s.sample(logits.clone()), fork.sample(logits.clone()), "a fork continues from the same counts");
    }
}
