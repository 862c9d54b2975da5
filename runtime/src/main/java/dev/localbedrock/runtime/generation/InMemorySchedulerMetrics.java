package dev.localbedrock.runtime.generation;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The default {@link SchedulerMetrics}: running count/mean/min/max of batch size, tokens per step, queue length,
 * time to first token and inter-token latency, a throttle counter, and the last {@value #RECENT_STEPS} steps. Written
 * by the scheduler thread, read from any thread through {@link #snapshot()} and {@link #recentSteps()}.
 */
public final class InMemorySchedulerMetrics implements SchedulerMetrics {
    static final int RECENT_STEPS = 256;

    private final Accumulator batchSize = new Accumulator();
    private final Accumulator tokensPerStep = new Accumulator();
    private final Accumulator queueLength = new Accumulator();
    private final Accumulator timeToFirstToken = new Accumulator();
    private final Accumulator interTokenLatency = new Accumulator();
    private final ArrayDeque<StepStats> recent = new ArrayDeque<>(RECENT_STEPS);
    private long steps;
    private long throttled;
    private long prefixHitTokens;
    private long prefixMissTokens;
    /**
     * Gets every event too, after this records it (an exporter such as the Prometheus one); set at most once, when
     * the worker is built, so {@code worker.metrics()} stays this object.
     */
    private volatile SchedulerMetrics downstream = SchedulerMetrics.NONE;

    /**
     * Hands every later event to {@code next} as well (called outside this object's lock), unless this already
     * forwards somewhere: a sink shared by several models must not send one model's events to another's exporter.
     *
     * @return whether {@code next} now gets the events
     */
    public synchronized boolean forwardTo(SchedulerMetrics next) {
        if (downstream != SchedulerMetrics.NONE) {
            return false;
        }
        downstream = java.util.Objects.requireNonNull(next, "next");
        return true;
    }

    /** count, mean, min and max of one quantity (all 0 while count is 0). */
    public record Summary(long count, double mean, long min, long max) {
    }

    /**
     * Everything at one instant. Latencies are in nanoseconds.
     *
     * @param lastStep the most recent step, or null before the first
     */
    public record Snapshot(long steps, Summary batchSize, Summary tokensPerStep, Summary queueLength,
                           Summary timeToFirstTokenNanos, Summary interTokenLatencyNanos, long throttled,
                           StepStats lastStep) {
    }

    @Override
    public void onStep(StepStats step) {
        recordStep(step);
        downstream.onStep(step);
    }

    private synchronized void recordStep(StepStats step) {
        steps++;
        if (step.batchSize() > 0) {
            batchSize.add(step.batchSize());
            tokensPerStep.add(step.scheduledTokens());
        }
        queueLength.add(step.queueLength());
        if (recent.size() == RECENT_STEPS) {
            recent.removeFirst();
        }
        recent.addLast(step);
    }

    @Override
    public void onFirstToken(long nanos) {
        recordFirstToken(nanos);
        downstream.onFirstToken(nanos);
    }

    private synchronized void recordFirstToken(long nanos) {
        timeToFirstToken.add(nanos);
    }

    @Override
    public void onInterTokenLatency(long nanos) {
        recordInterTokenLatency(nanos);
        downstream.onInterTokenLatency(nanos);
    }

    private synchronized void recordInterTokenLatency(long nanos) {
        interTokenLatency.add(nanos);
    }

    @Override
    public void onThrottled() {
        recordThrottled();
        downstream.onThrottled();
    }

    private synchronized void recordThrottled() {
        throttled++;
    }

    @Override
    public void onPrefixCacheLookup(int cacheableTokens, int cachedTokens) {
        recordPrefixLookup(cacheableTokens, cachedTokens);
        downstream.onPrefixCacheLookup(cacheableTokens, cachedTokens);
    }

    private synchronized void recordPrefixLookup(int cacheableTokens, int cachedTokens) {
        prefixHitTokens += cachedTokens;
        prefixMissTokens += cacheableTokens - cachedTokens;
    }

    /** Prompt tokens taken from the prefix cache so far. */
    public synchronized long prefixCacheHitTokens() {
        return prefixHitTokens;
    }

    /** Cacheable prompt tokens (whole blocks before the last token) the prefix cache did not have. */
    public synchronized long prefixCacheMissTokens() {
        return prefixMissTokens;
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(steps, batchSize.summary(), tokensPerStep.summary(), queueLength.summary(),
                timeToFirstToken.summary(), interTokenLatency.summary(), throttled, recent.peekLast());
    }

    /** The most recent steps, oldest first. */
    public synchronized List<StepStats> recentSteps() {
        return List.copyOf(recent);
    }

    private static final class Accumulator {
        private long count;
        private long sum;
        private long min = Long.MAX_VALUE;
        private long max = Long.MIN_VALUE;

        void add(long value) {
            count++;
            sum += value;
            min = Math.min(min, value);
            max = Math.max(max, value);
        }

        Summary summary() {
            return count == 0 ? new Summary(0, 0, 0, 0) : new Summary(count, (double) sum / count, min, max);
        }
    }
}
