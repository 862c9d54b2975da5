package dev.localbedrock.runtime.metrics;

import dev.localbedrock.runtime.generation.SchedulerMetrics;
import dev.localbedrock.runtime.generation.StepStats;

/**
 * Two sinks fed with the same events: the one the caller's hooks supplied (the in-memory metrics that tests and the
 * capacity probe read) and the Micrometer one behind {@code /metrics}.
 */
record BothSchedulerMetrics(SchedulerMetrics first, SchedulerMetrics second) implements SchedulerMetrics {
    @Override
    public void onStep(StepStats step) {
        first.onStep(step);
        second.onStep(step);
    }

    @Override
    public void onFirstToken(long nanos) {
        first.onFirstToken(nanos);
        second.onFirstToken(nanos);
    }

    @Override
    public void onInterTokenLatency(long nanos) {
        first.onInterTokenLatency(nanos);
        second.onInterTokenLatency(nanos);
    }

    @Override
    public void onPrefixCacheLookup(int cacheableTokens, int cachedTokens) {
        first.onPrefixCacheLookup(cacheableTokens, cachedTokens);
        second.onPrefixCacheLookup(cacheableTokens, cachedTokens);
    }

    @Override
    public void onThrottled() {
        first.onThrottled();
        second.onThrottled();
    }
}
