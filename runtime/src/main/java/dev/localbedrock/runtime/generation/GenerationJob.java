package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.TextGenerationRequest;

/**
 * One submitted request: its prompt tokens, limits, listener, and a cancellation flag the connection sets when the
 * client goes away. The scheduler checks the flag at the start of every step, so a cancelled job leaves the batch
 * and frees its KV at the next step.
 */
public final class GenerationJob implements QueuedRequest {
    private final TextGenerationRequest request;
    private final int[] promptIds;
    private final int maxNewTokens;
    private final long seed;
    private final GenerationListener listener;
    private final String capacityTag;
    private final long arrivalNanos;
    private final long deadlineNanos;
    /** Set by the queue when the job is enqueued. */
    private boolean reservedWhenQueued;
    private int priority;
    private long arrivalOrder;
    private volatile boolean cancelled;

    GenerationJob(TextGenerationRequest request, int[] promptIds, int maxNewTokens, long seed,
                  GenerationListener listener, String capacityTag, long arrivalNanos, long deadlineNanos) {
        this.request = request;
        this.promptIds = promptIds;
        this.maxNewTokens = maxNewTokens;
        this.seed = seed;
        this.listener = listener;
        this.capacityTag = capacityTag;
        this.arrivalNanos = arrivalNanos;
        this.deadlineNanos = deadlineNanos;
    }

    /** Asks the scheduler to drop this job; safe from any thread, idempotent. */
    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    public int inputTokenCount() {
        return promptIds.length;
    }

    @Override
    public int promptTokens() {
        return promptIds.length;
    }

    @Override
    public int maxNewTokens() {
        return maxNewTokens;
    }

    @Override
    public int numGenerations() {
        return request.numGenerations();
    }

    @Override
    public String capacityTag() {
        return capacityTag;
    }

    @Override
    public long arrivalNanos() {
        return arrivalNanos;
    }

    /** KV tokens one of its sequences reserves: the prompt plus the most it may generate. */
    long kvTokensPerSequence() {
        return (long) promptIds.length + maxNewTokens;
    }

    /** KV tokens the whole request reserves at admission. */
    long kvReservation() {
        return kvTokensPerSequence() * numGenerations();
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

    int priority() {
        return priority;
    }

    long arrivalOrder() {
        return arrivalOrder;
    }

    /** Whether its tag had a reservation when it was queued (it is then admitted ahead of unreserved requests). */
    boolean reservedWhenQueued() {
        return reservedWhenQueued;
    }

    void enqueued(boolean reserved, int assignedPriority, long order) {
        this.reservedWhenQueued = reserved;
        this.priority = assignedPriority;
        this.arrivalOrder = order;
    }
}
