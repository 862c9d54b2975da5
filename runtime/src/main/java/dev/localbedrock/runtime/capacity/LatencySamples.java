package dev.localbedrock.runtime.capacity;

import java.util.Arrays;

/**
 * Latencies in nanoseconds, pooled over the requests of one load level, with nearest-rank percentiles: the p-th
 * percentile is the smallest sample that at least p % of the samples do not exceed, so p99 is always a latency some
 * request really saw (no interpolation between two samples).
 */
final class LatencySamples {
    private long[] values = new long[256];
    private int size;

    void add(long nanos) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = nanos;
    }

    int count() {
        return size;
    }

    /**
     * The nearest-rank percentile, {@code fraction} in (0, 1] (0.99 for p99), or NaN when there are no samples (a
     * level too short to see any).
     */
    double percentile(double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("a percentile fraction is in (0, 1], not " + fraction);
        }
        if (size == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(fraction * size);
        return sorted[Math.max(1, rank) - 1];
    }
}
