package dev.localbedrock.runtime.capacity;

/**
 * What one load level sustained over its measurement window (warm-up excluded).
 *
 * @param concurrency      requests kept in flight (closed loop: each one ended is replaced at once)
 * @param elapsedNanos     length of the measurement window
 * @param completed        requests that finished inside the window
 * @param failed           requests refused or failed inside the window (a queue too short for the level, a timeout)
 * @param inputTokens      prompt tokens of the requests whose prompt was processed inside the window
 * @param outputTokens     tokens generated inside the window
 * @param itlP50Nanos      median inter-token latency, per token, pooled over all requests (NaN when none was seen)
 * @param itlP99Nanos      99th percentile of the same
 * @param ttftP99Nanos     99th percentile of the time from submission to the first text
 * @param itlSamples       inter-token gaps behind the percentiles
 */
public record LevelResult(int concurrency, long elapsedNanos, long completed, long failed, long inputTokens,
                          long outputTokens, double itlP50Nanos, double itlP99Nanos, double ttftP99Nanos,
                          int itlSamples) {
    private static final double NANOS_PER_MINUTE = 60e9;

    public double inputTokensPerMinute() {
        return perMinute(inputTokens);
    }

    public double outputTokensPerMinute() {
        return perMinute(outputTokens);
    }

    public double requestsPerMinute() {
        return perMinute(completed);
    }

    public double seconds() {
        return elapsedNanos / 1e9;
    }

    private double perMinute(long count) {
        return elapsedNanos <= 0 ? 0 : count * NANOS_PER_MINUTE / elapsedNanos;
    }
}
