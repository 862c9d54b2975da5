package dev.localbedrock.engines.training;

/** Receives a run's progress and may stop it; called on the thread that runs {@code train}. */
public interface TrainingMonitor {
    /** After each optimizer step. */
    void step(StepProgress progress);

    /**
     * After each complete epoch, with the mean of that epoch's step losses weighted by output tokens; may call
     * {@link DecoderTrainer#meanLoss} (for example on validation data) from inside.
     */
    void epochEnd(int epoch, double meanTrainingLoss);

    /** Polled before each step; {@code true} makes {@code train} return after the step in flight. */
    boolean stopRequested();

    /** A monitor that records nothing and never stops. */
    TrainingMonitor NONE = new TrainingMonitor() {
        @Override
        public void step(StepProgress progress) {
        }

        @Override
        public void epochEnd(int epoch, double meanTrainingLoss) {
        }

        @Override
        public boolean stopRequested() {
            return false;
        }
    };
}
