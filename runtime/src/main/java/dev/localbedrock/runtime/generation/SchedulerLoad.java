package dev.localbedrock.runtime.generation;

/**
 * The scheduler's occupancy when it considers admitting a request, for {@link AdmissionPolicy#mayStart}.
 *
 * @param runningSequences    sequences admitted and not finished (including this step's earlier admissions)
 * @param maxRunningSequences the configured limit
 * @param freeKvTokens        KV tokens still unreserved
 * @param kvCacheTokens       the configured KV capacity
 * @param queueLength         requests waiting (including the one considered)
 */
public record SchedulerLoad(int runningSequences, int maxRunningSequences, long freeKvTokens, long kvCacheTokens,
                            int queueLength) {
}
