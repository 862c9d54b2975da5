package dev.localbedrock.benchmarks.load;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PercentilesTest {
    @Test
    void interpolatesBetweenRanks() {
        Percentiles p = Percentiles.of(new double[] {4, 1, 3, 2});
        assertEquals(4, p.count());
        assertEquals(2.5, p.p50(), 1e-12);
        assertEquals(3.7, p.p90(), 1e-12);
        assertEquals(3.97, p.p99(), 1e-12);
        assertEquals(1, p.min());
        assertEquals(4, p.max());
        assertEquals(2.5, p.mean(), 1e-12);
    }

    @Test
    void hundredValues() {
        double[] v = new double[101];
        for (int i = 0; i <= 100; i++) {
            v[i] = 100 - i;
        }
        Percentiles p = Percentiles.of(v);
        assertEquals(50, p.p50(), 1e-12);
        assertEquals(90, p.p90(), 1e-12);
        assertEquals(99, p.p99(), 1e-12);
    }

    @Test
    void emptyIsNaN() {
        Percentiles p = Percentiles.of(List.of());
        assertEquals(0, p.count());
        assertTrue(Double.isNaN(p.p50()));
    }
}
