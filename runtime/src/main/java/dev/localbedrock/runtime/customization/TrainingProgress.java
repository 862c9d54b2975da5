package dev.localbedrock.runtime.customization;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A training job's latest progress, as GetModelCustomizationJob's extra {@code progress} member carries it (AWS SDKs
 * ignore members they do not know).
 *
 * @param trainingLoss   the last step's mean loss per output token
 * @param tokensPerSecond tokens trained per second so far (padding excluded)
 * @param etaSeconds     remaining steps × the mean seconds per step so far
 */
public record TrainingProgress(int step, int totalSteps, int epoch, int epochCount, double trainingLoss,
                               double tokensPerSecond, double etaSeconds) {

    /** Progress after {@code step} of {@code totalSteps} steps, {@code elapsedNanos} and {@code tokens} so far. */
    public static TrainingProgress after(int step, int totalSteps, int epoch, int epochCount, double loss,
                                         long tokens, long elapsedNanos) {
        double seconds = elapsedNanos / 1e9;
        double perStep = step == 0 ? 0 : seconds / step;
        return new TrainingProgress(step, totalSteps, epoch, epochCount, loss,
                seconds <= 0 ? 0 : tokens / seconds, Math.max(0, totalSteps - step) * perStep);
    }

    public void toJson(ObjectNode n) {
        n.put("step", step);
        n.put("totalSteps", totalSteps);
        n.put("epoch", epoch);
        n.put("epochCount", epochCount);
        n.put("trainingLoss", trainingLoss);
        n.put("tokensPerSecond", tokensPerSecond);
        n.put("etaSeconds", etaSeconds);
    }
}
