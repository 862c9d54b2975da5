package dev.localbedrock.engines.onnxruntime;

import dev.localbedrock.engines.hf.HalfFloats;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OrtTensorsTest {

    @Test
    void everyFiniteHalfRoundTrips() {
        for (int h = 0; h < 0x10000; h++) {
            if ((h & 0x7C00) == 0x7C00) {
                continue; // infinities and NaNs below
            }
            float f = HalfFloats.f16ToF32((short) h);
            assertEquals(h, OrtTensors.toHalf(f) & 0xFFFF, "half bits " + Integer.toHexString(h));
        }
    }

    @Test
    void midpointsRoundToTheEvenNeighbourAndOthersToTheNearest() {
        // consecutive positive halves a < b (normal and subnormal, including the normal/subnormal border)
        for (int h = 0; h < 0x7BFF; h++) {
            double a = HalfFloats.f16ToF32((short) h);
            double b = HalfFloats.f16ToF32((short) (h + 1));
            float mid = (float) ((a + b) / 2); // exact: halves have 11 significant bits
            int even = (h & 1) == 0 ? h : h + 1;
            assertEquals(even, OrtTensors.toHalf(mid), "midpoint above " + Integer.toHexString(h));
            assertEquals(h, OrtTensors.toHalf(Math.nextDown(mid)));
            assertEquals(h + 1, OrtTensors.toHalf(Math.nextUp(mid)));
            assertEquals(even | 0x8000, OrtTensors.toHalf(-mid) & 0xFFFF);
        }
    }

    @Test
    void overflowUnderflowAndSpecials() {
        assertEquals(0x7BFF, OrtTensors.toHalf(65519.996f)); // below the midpoint to 65536
        assertEquals(0x7C00, OrtTensors.toHalf(65520f)); // the tie rounds to even: infinity
        assertEquals(0x7C00, OrtTensors.toHalf(1e9f));
        assertEquals(0xFC00, OrtTensors.toHalf(Float.NEGATIVE_INFINITY) & 0xFFFF);
        assertEquals(0, OrtTensors.toHalf(0x1.0p-25f)); // half the smallest subnormal: ties to zero
        assertEquals(1, OrtTensors.toHalf(Math.nextUp(0x1.0p-25f)));
        assertEquals(0x8000, OrtTensors.toHalf(-0f) & 0xFFFF);
        short nan = OrtTensors.toHalf(Float.NaN);
        assertTrue(Float.isNaN(HalfFloats.f16ToF32(nan)));
    }
}
