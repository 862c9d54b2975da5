package dev.localbedrock.runtime.metrics;

import java.time.Duration;

/**
 * Histogram bucket bounds for latencies: a geometric series of {@value #PER_DECADE} bounds per decade, so
 * neighbouring bounds differ by a factor of 10^(1/25) ≈ 1.0965. A quantile {@code histogram_quantile} interpolates
 * lies in the same bucket as the true one, so it is off by less than the bucket's width: under 9.7 % of the true
 * value, whatever the distribution (the load check's 10 %). Coarser series (Renard R10, 26 % apart) are off by
 * more than that on narrow distributions, which a fixed-size load run produces.
 */
final class LatencyBuckets {
    static final int PER_DECADE = 25;

    private LatencyBuckets() {
    }

    /** The bounds from {@code fromMicros} up to {@code toMicros}, both powers of ten, both included. */
    static Duration[] between(long fromMicros, long toMicros) {
        int decades = (int) Math.round(Math.log10((double) toMicros / fromMicros));
        Duration[] bounds = new Duration[decades * PER_DECADE + 1];
        for (int k = 0; k < bounds.length; k++) {
            bounds[k] = Duration.ofNanos(Math.round(fromMicros * 1_000 * Math.pow(10, (double) k / PER_DECADE)));
        }
        return bounds;
    }

    /** Whole invocations and time to first token: 1 ms to 100 s. */
    static Duration[] invocation() {
        return between(1_000, 100_000_000);
    }

    /** Inter-token latency and step time: 100 µs to 10 s. */
    static Duration[] token() {
        return between(100, 10_000_000);
    }
}
