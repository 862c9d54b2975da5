package dev.localbedrock.engines.onnxruntime;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The VAE output → byte mapping of diffusers' image processor: clamp(x/2 + 0.5, 0, 1) × 255, numpy's round. */
class OrtDiffusionPixelsTest {

    @Test
    void endpointsAndClamping() {
        assertEquals(0, OrtDiffusionModel.toByte(-1f));
        assertEquals(0, OrtDiffusionModel.toByte(-7f));
        assertEquals(255, OrtDiffusionModel.toByte(1f));
        assertEquals(255, OrtDiffusionModel.toByte(3f));
        assertEquals(128, OrtDiffusionModel.toByte(0f)); // 127.5 → 128 (even)
        assertEquals(0, OrtDiffusionModel.toByte(Float.NaN));
    }

    @Test
    void exactHalvesRoundToEvenLikeNumpy() {
        // Find inputs whose float32 product v·255 is exactly k + 0.5 for an even k: round-half-up would give k + 1.
        int found = 0;
        for (int k = 0; k < 255; k += 2) {
            float x = ((k + 0.5f) / 255f - 0.5f) * 2f;
            for (int step = -64; step <= 64; step++) {
                float candidate = x;
                for (int s = 0; s < Math.abs(step); s++) {
                    candidate = step < 0 ? Math.nextDown(candidate) : Math.nextUp(candidate);
                }
                float v = candidate / 2f + 0.5f;
                if (v * 255f == k + 0.5f) {
                    assertEquals(k, OrtDiffusionModel.toByte(candidate), "x = " + candidate);
                    found++;
                    break;
                }
            }
        }
        assertTrue(found > 10, "only " + found + " exact halves found");
    }

    @Test
    void planarOutputBecomesInterleavedRgb() {
        // 1×2 image: channel planes R = [-1, 1], G = [0, -1], B = [1, 0]
        float[] chw = {-1f, 1f, 0f, -1f, 1f, 0f};
        byte[] rgb = OrtDiffusionModel.toRgb(chw, 1, 2);
        assertArrayEquals(new byte[]{0, (byte) 128, (byte) 255, (byte) 255, 0, (byte) 128}, rgb);
    }
}
