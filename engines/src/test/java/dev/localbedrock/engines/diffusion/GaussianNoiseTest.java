package dev.localbedrock.engines.diffusion;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class GaussianNoiseTest {

    /**
     * Seed 42's first six values as float32 bits, computed outside Java by a separate SplitMix64 + Box–Muller in Python
     * (integer arithmetic mod 2^64, then math.log/cos/sin in float64, then numpy.float32).
     */
    private static final int[] SEED_42_BITS = {0x3ed45626, 0x3f27161e, 0xbf6452a8, 0x3fa9d5af, 0x3fdd634e, 0xbff113cd};

    @Test
    void seed42MatchesTheIndependentlyComputedStream() {
        float[] values = new GaussianNoise(42).next(6);
        for (int i = 0; i < 6; i++) {
            assertEquals(SEED_42_BITS[i], Float.floatToRawIntBits(values[i]), "value " + i + " = " + values[i]);
        }
    }

    @Test
    void sameSeedSameBitsOtherSeedOtherValuesAndChunkingDoesNotMatter() {
        float[] whole = new GaussianNoise(9).next(1001);
        GaussianNoise chunked = new GaussianNoise(9);
        float[] parts = new float[1001];
        System.arraycopy(chunked.next(3), 0, parts, 0, 3);
        System.arraycopy(chunked.next(998), 0, parts, 3, 998);
        assertArrayEquals(whole, parts);
        assertArrayEquals(whole, new GaussianNoise(9).next(1001));
        assertFalse(Arrays.equals(whole, new GaussianNoise(10).next(1001)));
    }

    @Test
    void momentsAreThoseOfAStandardNormal() {
        int n = 200_000;
        float[] v = new GaussianNoise(2024).next(n);
        double sum = 0;
        double squares = 0;
        double fourth = 0;
        for (float x : v) {
            sum += x;
            squares += x * x;
            fourth += (double) x * x * x * x;
        }
        double mean = sum / n;
        double variance = squares / n - mean * mean;
        // Five standard errors: sd(mean) = 1/sqrt(n), sd(variance) = sqrt(2/n), sd(4th moment) = sqrt(96/n).
        assertEquals(0, mean, 5 / Math.sqrt(n));
        assertEquals(1, variance, 5 * Math.sqrt(2.0 / n));
        assertEquals(3, fourth / n, 5 * Math.sqrt(96.0 / n));
    }
}
