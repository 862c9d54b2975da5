package dev.localbedrock.engines.training;

/**
 * How a run ended.
 *
 * @param stopped    whether the monitor stopped it before the last step
 * @param stepsDone  optimizer steps taken
 * @param epochsDone complete epochs
 */
public record TrainingOutcome(boolean stopped, int stepsDone, int epochsDone) {
}
