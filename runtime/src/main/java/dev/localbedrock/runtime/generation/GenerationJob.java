package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.TextGenerationRequest;

/**
 * One admitted request: its prompt tokens, its listener, and a cancellation flag the connection sets when the client
 * goes away. The worker checks the flag between steps, so a cancelled job frees its KV state at the next step.
 */
public final class GenerationJob {
    private final TextGenerationRequest request;
    private final int[] promptIds;
    private final long seed;
    private final GenerationListener listener;
    private final long deadlineNanos;
    private volatile boolean cancelled;

    GenerationJob(TextGenerationRequest request, int[] promptIds, long seed, GenerationListener listener,
                  long deadlineNanos) {
        this.request = request;
        this.promptIds = promptIds;
        this.seed = seed;
        this.listener = listener;
        this.deadlineNanos = deadlineNanos;
    }

    /** Asks the worker to drop this job; safe from any thread, idempotent. */
    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    public int inputTokenCount() {
        return promptIds.length;
    }

    TextGenerationRequest request() {
        return request;
    }

    int[] promptIds() {
        return promptIds;
    }

    long seed() {
        return seed;
    }

    GenerationListener listener() {
        return listener;
    }

    boolean pastDeadline(long nowNanos) {
        return nowNanos - deadlineNanos > 0;
    }
}
