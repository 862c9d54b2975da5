package dev.localbedrock.runtime.generation;

import java.time.Duration;

/**
 * Limits of one model's worker.
 *
 * @param maxContextTokens prompt plus generation, per sequence
 * @param maxQueue         requests allowed to wait while one runs; beyond that, ThrottlingException
 * @param requestTimeout   longest a generation may run
 * @param seed             configured sampling seed, or null for a fresh one per request
 */
public record WorkerSettings(int maxContextTokens, int maxQueue, Duration requestTimeout, Long seed) {
}
