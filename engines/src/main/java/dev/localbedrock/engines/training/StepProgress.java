package dev.localbedrock.engines.training;

/**
 * What one optimizer step did.
 *
 * @param step         1-based step number, counted over the whole run
 * @param epoch        1-based epoch the step belongs to
 * @param totalSteps   {@code epochs · ceil(sequences / batchSize)}
 * @param loss         this step's mean cross-entropy per output token (natural log)
 * @param tokens       tokens in this step's batch, padding excluded
 * @param elapsedNanos time since {@code train} began
 */
public record StepProgress(int step, int epoch, int totalSteps, double loss, long tokens, long elapsedNanos) {
}
