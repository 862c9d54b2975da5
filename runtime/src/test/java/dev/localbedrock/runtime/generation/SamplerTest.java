package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.SamplingParameters;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {

    @Test
    void greedyPicksTheLargestLogitAndTiesGoToTheLowestId() {
        assertEquals(2, Sampler.argmax(new float[] {0f, 1f, 3f, 3f, -1f}));
        assertEquals(1, Sampler.argmax(new float[] {Float.NaN, 5f, 5f}));
        Sampler greedy = new Sampler(SamplingParameters.greedy(), 1);
        assertEquals(3, greedy.sample(new float[] {1f, 2f, 0f, 2.5f}));
    }

    @Test
    void inverseCdfFollowsTheSoftmaxOfLogitsOverTemperature() {
        // logits ln(1), ln(2), ln(3), ln(4) at T=1 give probabilities 0.1 0.2 0.3 0.4; descending order 3,2,1,0.
        float[] logits = {(float) Math.log(1), (float) Math.log(2), (float) Math.log(3), (float) Math.log(4)};
        Sampler s = new Sampler(new SamplingParameters(1f, 1f, 0, null), 0);
        assertEquals(3, s.sampleNucleus(logits, 0.0));
        assertEquals(3, s.sampleNucleus(logits, 0.39));
        assertEquals(2, s.sampleNucleus(logits, 0.41));
        assertEquals(1, s.sampleNucleus(logits, 0.71));
        assertEquals(0, s.sampleNucleus(logits, 0.95));
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        float[] logits = {(float) Math.log(1), (float) Math.log(2), (float) Math.log(3), (float) Math.log(4)};
        // p = 0.6: 0.4 < 0.6, 0.4 + 0.3 >= 0.6, so tokens 3 and 2 remain, renormalised to 4/7 and 3/7.
        Sampler s = new Sampler(new SamplingParameters(1f, 0.6f, 0, null), 0);
        assertEquals(3, s.sampleNucleus(logits, 0.57));
        assertEquals(2, s.sampleNucleus(logits, 0.58));
        assertEquals(2, s.sampleNucleus(logits, 0.999));
    }

    @Test
    void topKComesBeforeTopP() {
        float[] logits = {(float) Math.log(1), (float) Math.log(2), (float) Math.log(3), (float) Math.log(4)};
        Sampler s = new Sampler(new SamplingParameters(1f, 1f, 1, null), 0);
        assertEquals(3, s.sampleNucleus(logits, 0.999));
    }

    @Test
    void lowTemperatureSharpensTheDistribution() {
        float[] logits = {0f, 1f};
        // T = 0.1: p(1) = 1 / (1 + e^-10), so u just below that still picks token 1.
        Sampler s = new Sampler(new SamplingParameters(0.1f, 1f, 0, null), 0);
        assertEquals(1, s.sampleNucleus(logits, 0.9999));
        assertEquals(0, s.sampleNucleus(logits, 0.99999));
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
        int first = a.sample(logits);
        assertEquals(first, b.sample(logits));
        for (int i = 0; i < 50; i++) {
            int x = a.sample(logits);
            assertEquals(x, b.sample(logits));
            varied |= x != first;
        }
        assertTrue(varied, "sampling at T=0.8 should not always pick one token");
    }
}
