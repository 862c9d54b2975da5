package dev.localbedrock.runtime.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Histogram bucket bounds for latencies: the Renard R10 series (1, 1.25, 1.6, 2, 2.5, 3.15, 4, 5, 6.3, 8 per decade),
 * so neighbouring bounds differ by at most 26 % and a quantile interpolated inside one bucket is seldom off by more
 * than a few per cent, at ten buckets a decade.
 */
final class LatencyBuckets {
    private static final double[] R10 = {1, 1.25, 1.6, 2, 2.5, 3.15, 4, 5, 6.3, 8};

    private LatencyBuckets() {
    }

    /** The R10 bounds from {@code fromMicros} up to {@code toMicros}, both powers of ten, both included. */
    static Duration[] between(long fromMicros, long toMicros) {
        List<Duration> bounds = new ArrayList<>();
        for (long decade = fromMicros; decade < toMicros; decade *= 10) {
            for (double step : R10) {
                bounds.add(Duration.ofNanos(Math.round(decade * step * 1_000)));
            }
        }
        bounds.add(Duration.ofNanos(toMicros * 1_000));
        return bounds.toArray(Duration[]::new);
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
