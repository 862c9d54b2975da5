package dev.localbedrock.benchmarks.knowledge;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticVectorsTest {
    private static List<float[]> randomUnitVectors(int n, int dim, long seed) {
        Random r = new Random(seed);
        List<float[]> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            float[] v = new float[dim];
            double norm = 0;
            for (int i = 0; i < dim; i++) {
                v[i] = (float) r.nextGaussian();
                norm += v[i] * v[i];
            }
            for (int i = 0; i < dim; i++) {
                v[i] /= (float) Math.sqrt(norm);
            }
            out.add(v);
        }
        return out;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void mixesAreUnitLengthNearBothParentsAndFarFromOthers() {
        List<float[]> base = randomUnitVectors(50, 384, 1);
        SyntheticVectors made = new SyntheticVectors(base, 0.15, 7);
        for (int k = 0; k < 200; k++) {
            SyntheticVectors.Mix m = made.next();
            assertNotEquals(m.first(), m.second());
            assertEquals(1.0, dot(m.vector(), m.vector()), 1e-4);
            // weights in [0.2, 0.8] of two nearly orthogonal unit vectors: each parent's cosine is at least ~0.2
            assertTrue(dot(m.vector(), base.get(m.first())) > 0.15, "near its first parent");
            assertTrue(dot(m.vector(), base.get(m.second())) > 0.15, "near its second parent");
            int other = (m.first() + 1) % base.size() == m.second() ? (m.first() + 2) % base.size()
                    : (m.first() + 1) % base.size();
            assertTrue(Math.abs(dot(m.vector(), base.get(other))) < 0.25, "not near an unrelated base vector");
        }
    }

    @Test
    void theSameSeedMakesTheSameVectors() {
        List<float[]> base = randomUnitVectors(10, 16, 2);
        SyntheticVectors a = new SyntheticVectors(base, 0.1, 3);
        SyntheticVectors b = new SyntheticVectors(base, 0.1, 3);
        for (int k = 0; k < 20; k++) {
            assertArrayEquals(a.next().vector(), b.next().vector());
        }
    }

    @Test
    void needsTwoParents() {
        assertThrows(IllegalArgumentException.class,
                () -> new SyntheticVectors(randomUnitVectors(1, 8, 4), 0.1, 5));
    }
}
