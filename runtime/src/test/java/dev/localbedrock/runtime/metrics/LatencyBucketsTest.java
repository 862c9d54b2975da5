package dev.localbedrock.runtime.metrics;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LatencyBucketsTest {
    @Test
    void boundsSpanTheRangeAndNeighboursAreLessThanTenPerCentApart() {
        for (Duration[] bounds : new Duration[][] {LatencyBuckets.invocation(), LatencyBuckets.token()}) {
            assertEquals(5 * LatencyBuckets.PER_DECADE + 1, bounds.length);
            for (int i = 1; i < bounds.length; i++) {
                double ratio = (double) bounds[i].toNanos() / bounds[i - 1].toNanos();
                assertTrue(ratio > 1.09 && ratio < 1.0966, "bounds " + (i - 1) + " and " + i + ": ratio " + ratio);
            }
        }
        assertEquals(Duration.ofMillis(1), LatencyBuckets.invocation()[0]);
        assertEquals(Duration.ofSeconds(100), LatencyBuckets.invocation()[125]);
        assertEquals(Duration.ofNanos(100_000), LatencyBuckets.token()[0]);
        assertEquals(Duration.ofSeconds(10), LatencyBuckets.token()[125]);
    }
}
