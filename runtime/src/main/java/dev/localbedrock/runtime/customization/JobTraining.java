package dev.localbedrock.runtime.customization;

/** Trains one job, on a training thread. */
@FunctionalInterface
public interface JobTraining {

    /** How a training ended, when it did not fail. */
    enum Outcome {
        /** Every epoch ran; the weights are in {@link JobControl#modelDirectory()}. */
        COMPLETED,
        /** A stop was requested and honoured; nothing was written to the model directory. */
        STOPPED
    }

    /**
     * @throws DatasetException for a dataset or storage problem, whose message the job's failureMessage becomes
     * @throws TrainingFailedException for a training that cannot go on (a loss or gradient that is not finite), whose
     *                                 message the job's failureMessage becomes
     * @throws Exception        anything else: the job fails with the guide's internal-error message
     */
    Outcome run(CustomizationJob job, TrainableBase base, JobControl control) throws Exception;
}
