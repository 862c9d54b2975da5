package dev.localbedrock.engines.training;

/**
 * A training step whose loss or gradients are not finite numbers (NaN or infinite). {@link DecoderTrainer} throws it
 * before that step's update, so the weights it holds are the last finite ones and no non-finite loss reaches the
 * {@link TrainingMonitor}: a job trained on must fail with a reason rather than report NaN losses and keep NaN weights.
 */
public final class TrainingDivergedException extends RuntimeException {
    private final int step;
    private final int epoch;
    private final double loss;

    TrainingDivergedException(String message, int step, int epoch, double loss) {
        super(message);
        this.step = step;
        this.epoch = epoch;
        this.loss = loss;
    }

    /** The optimizer step (from 1) whose loss or gradients were not finite; 0 for a validation pass. */
    public int step() {
        return step;
    }

    /** Its epoch, from 1. */
    public int epoch() {
        return epoch;
    }

    /** The loss computed for it (finite when only the gradients were not). */
    public double loss() {
        return loss;
    }
}
