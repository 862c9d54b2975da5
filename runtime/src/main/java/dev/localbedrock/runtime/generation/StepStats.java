package dev.localbedrock.runtime.generation;

/**
 * What one scheduler step did, reported to {@link SchedulerMetrics#onStep} when it ran the model or retired work.
 *
 * @param step             0-based step number of this scheduler
 * @param batchSize        rows in the step's one forward call (0 when it only retired work)
 * @param decodeRows       rows that decoded one token
 * @param prefillRows      rows that processed a prompt chunk
 * @param scheduledTokens  tokens the forward call processed (the per-step token budget bounds it)
 * @param queueLength      requests still waiting after this step's admissions
 * @param runningSequences sequences admitted and unfinished at the end of the step
 * @param kvReservedTokens KV tokens reserved at the end of the step
 * @param freeKvTokens     KV tokens free at the end of the step
 * @param retiredSequences sequences removed at the start of the step because their client went away or their
 *                         deadline passed (their KV is already free in this step's figures)
 * @param durationNanos    wall time of the step
 */
public record StepStats(long step, int batchSize, int decodeRows, int prefillRows, int scheduledTokens,
                        int queueLength, int runningSequences, long kvReservedTokens, long freeKvTokens,
                        int retiredSequences, long durationNanos) {
}
