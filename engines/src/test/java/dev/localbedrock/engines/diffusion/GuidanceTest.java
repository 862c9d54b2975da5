package dev.localbedrock.engines.diffusion;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GuidanceTest {

    // Magnitudes far apart on purpose: in float32, uncond + 1·(cond − uncond) gives 0 for (1e8, 1), not 1.
    private static final float[] UNCOND = {1e8f, -3.25f, 0.5f, 7f, 1e-6f, -2e5f};
    private static final float[] COND = {1f, 4.75f, -0.125f, 7f, 3e-7f, 1.5f};

    @Test
    void cfgOneIsTheConditionalPredictionExactly() {
        float naive = UNCOND[0] + 1f * (COND[0] - UNCOND[0]);
        assertNotEquals(COND[0], naive); // why the rearranged form is needed
        assertArrayEquals(COND, Guidance.classifierFree(UNCOND, COND, 1.0));
    }

    @Test
    void otherScalesFollowThePublishedFormula() {
        for (double cfg : new double[]{0, 7.5, 10, 30}) {
            float[] guided = Guidance.classifierFree(UNCOND, COND, cfg);
            for (int i = 0; i < COND.length; i++) {
                double expected = (double) UNCOND[i] + cfg * ((double) COND[i] - UNCOND[i]);
                // float64 evaluation, one rounding to float32: within half an ulp of the exact value (plus float64 noise).
                assertEquals(expected, guided[i], Math.ulp((float) expected) * 0.5 + Math.abs(expected) * 1e-15,
                        "cfg " + cfg + " element " + i);
            }
        }
        assertArrayEquals(UNCOND, Guidance.classifierFree(UNCOND, COND, 0.0));
    }

    @Test
    void batchedLayoutIsUnconditionalHalfThenConditionalHalf() {
        float[] batched = new float[UNCOND.length * 2];
        System.arraycopy(UNCOND, 0, batched, 0, UNCOND.length);
        System.arraycopy(COND, 0, batched, UNCOND.length, COND.length);
        assertArrayEquals(Guidance.classifierFree(UNCOND, COND, 7.5), Guidance.classifierFreeBatched(batched, 7.5));
        assertThrows(IllegalArgumentException.class, () -> Guidance.classifierFreeBatched(new float[3], 7.5));
        assertThrows(IllegalArgumentException.class, () -> Guidance.classifierFree(new float[2], new float[3], 7.5));
    }
}
