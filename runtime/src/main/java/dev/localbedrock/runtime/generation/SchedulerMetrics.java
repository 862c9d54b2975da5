package dev.localbedrock.runtime.generation;

/**
 * Hooks the scheduler calls as it works, on its own thread: once per step, per first token, per token after that.
 * Implementations must be cheap and must not block (they sit in the step loop). {@link InMemorySchedulerMetrics} is
 * the default; an exporter (Prometheus, CloudWatch-style metrics) implements this too.
 */
public interface SchedulerMetrics {
    /** Records nothing. */
    SchedulerMetrics NONE = new SchedulerMetrics() {
    };

    /** After each step that ran the model or retired work. */
    default void onStep(StepStats step) {
    }

    /** A request's first generated token, {@code nanos} after it was submitted (time to first token). */
    default void onFirstToken(long nanos) {
    }

    /** A sequence's next token, {@code nanos} after its previous one (inter-token latency). */
    default void onInterTokenLatency(long nanos) {
    }

    /**
     * Prefix caching looked up an admitted prompt: {@code cacheableTokens} of it could have come from the cache (its
     * whole blocks before the last token) and {@code cachedTokens} did.
     */
    default void onPrefixCacheLookup(int cacheableTokens, int cachedTokens) {
    }

    /** A request was refused or dropped with ThrottlingException (queue full, or waited too long). */
    default void onThrottled() {
    }
}
