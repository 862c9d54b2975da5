package dev.localbedrock.runtime.generation;

import java.time.Duration;

/**
 * Limits of one model's scheduler.
 *
 * @param maxContextTokens    prompt plus generation, per sequence
 * @param maxQueue            requests allowed to wait for admission; beyond that, ThrottlingException at once (a
 *                            request always passes through the queue to the next step boundary, so 0 acts as 1)
 * @param requestTimeout      longest a request may take from submission to its last token
 * @param seed                configured sampling seed, or null for a fresh one per request
 * @param maxRunningSequences sequences decoded together in one step (a request asking for N generations takes N)
 * @param maxTokensPerStep    tokens one forward call may process: one per decoding sequence plus prompt chunks; at
 *                            least {@code maxRunningSequences}, so every running decode fits in every step
 * @param kvCacheTokens       KV cache the scheduler may reserve, in tokens, across all running sequences; each
 *                            sequence reserves its prompt plus its maximum new tokens when admitted
 * @param maxQueueWait        longest a request may wait for admission; one expected to wait longer is refused with
 *                            ThrottlingException at once, and one that does wait longer is dropped with it
 * @param reservedStepTokens  tokens one forward call may process while a request with reserved capacity
 *                            ({@link CapacityReservations}) is decoding, between {@code maxRunningSequences} and
 *                            {@code maxTokensPerStep}: it bounds that request's inter-token latency to one pass of
 *                            this many tokens however long the other prompts are, at the cost of prefilling them
 *                            more slowly meanwhile. Default ({@link #defaultReservedStepTokens}): twice
 *                            {@code maxRunningSequences}, capped at {@code maxTokensPerStep}
 * @param prefixCache         automatic prefix caching ({@link PrefixCache}); off unless configured
 */
public record WorkerSettings(int maxContextTokens, int maxQueue, Duration requestTimeout, Long seed,
                             int maxRunningSequences, int maxTokensPerStep, long kvCacheTokens,
                             Duration maxQueueWait, int reservedStepTokens, PrefixCacheSettings prefixCache) {
    public static final int DEFAULT_MAX_RUNNING_SEQUENCES = 16;
    public static final int DEFAULT_MAX_TOKENS_PER_STEP = 512;
    public static final Duration DEFAULT_MAX_QUEUE_WAIT = Duration.ofSeconds(60);

    public WorkerSettings {
        if (maxContextTokens < 2 || maxRunningSequences < 1 || kvCacheTokens < 1) {
            throw new IllegalArgumentException("maxContextTokens >= 2, maxRunningSequences >= 1 and kvCacheTokens >= 1"
                    + " are required");
        }
        if (maxTokensPerStep < maxRunningSequences) {
            throw new IllegalArgumentException("maxTokensPerStep (" + maxTokensPerStep + ") must be at least "
                    + "maxRunningSequences (" + maxRunningSequences + ") so every running decode fits in a step");
        }
        if (reservedStepTokens < maxRunningSequences || reservedStepTokens > maxTokensPerStep) {
            throw new IllegalArgumentException("reservedStepTokens (" + reservedStepTokens + ") must be between "
                    + "maxRunningSequences (" + maxRunningSequences + ") and maxTokensPerStep (" + maxTokensPerStep
                    + ")");
        }
        if (prefixCache == null) {
            throw new IllegalArgumentException("prefixCache is required (PrefixCacheSettings.DISABLED for none)");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero() || maxQueueWait.isNegative()
                || maxQueueWait.isZero()) {
            throw new IllegalArgumentException("requestTimeout and maxQueueWait must be positive");
        }
    }

    /** The limits without prefix caching. */
    public WorkerSettings(int maxContextTokens, int maxQueue, Duration requestTimeout, Long seed,
                          int maxRunningSequences, int maxTokensPerStep, long kvCacheTokens, Duration maxQueueWait,
                          int reservedStepTokens) {
        this(maxContextTokens, maxQueue, requestTimeout, seed, maxRunningSequences, maxTokensPerStep, kvCacheTokens,
                maxQueueWait, reservedStepTokens, PrefixCacheSettings.DISABLED);
    }

    /** These limits with prefix caching as {@code settings} says. */
    public WorkerSettings withPrefixCache(PrefixCacheSettings settings) {
        return new WorkerSettings(maxContextTokens, maxQueue, requestTimeout, seed, maxRunningSequences,
                maxTokensPerStep, kvCacheTokens, maxQueueWait, reservedStepTokens, settings);
    }

    /** The limits before reserved capacity, with {@code reservedStepTokens} at its default. */
    public WorkerSettings(int maxContextTokens, int maxQueue, Duration requestTimeout, Long seed,
                          int maxRunningSequences, int maxTokensPerStep, long kvCacheTokens, Duration maxQueueWait) {
        this(maxContextTokens, maxQueue, requestTimeout, seed, maxRunningSequences, maxTokensPerStep, kvCacheTokens,
                maxQueueWait, defaultReservedStepTokens(maxRunningSequences, maxTokensPerStep));
    }

    /**
     * Twice {@code maxRunningSequences}, so a full batch of decodes still leaves as many tokens for prompt chunks,
     * capped at {@code maxTokensPerStep} (never below {@code maxRunningSequences}, which that is at least).
     */
    public static int defaultReservedStepTokens(int maxRunningSequences, int maxTokensPerStep) {
        return (int) Math.max(maxRunningSequences, Math.min((long) maxRunningSequences * 2, maxTokensPerStep));
    }

    /** The pre-batching limits, with the batching ones at their defaults. */
    public WorkerSettings(int maxContextTokens, int maxQueue, Duration requestTimeout, Long seed) {
        this(maxContextTokens, maxQueue, requestTimeout, seed, DEFAULT_MAX_RUNNING_SEQUENCES,
                Math.max(DEFAULT_MAX_TOKENS_PER_STEP, DEFAULT_MAX_RUNNING_SEQUENCES),
                (long) DEFAULT_MAX_RUNNING_SEQUENCES * maxContextTokens, DEFAULT_MAX_QUEUE_WAIT);
    }
}
