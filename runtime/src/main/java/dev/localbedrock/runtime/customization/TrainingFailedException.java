package dev.localbedrock.runtime.customization;

/**
 * A training that cannot go on once started, with the message the job fails with: a step whose loss or gradients
 * are not finite numbers. The job becomes Failed with this reason and no custom model, rather than Completed with
 * NaN losses in its metrics files and NaN weights.
 */
public final class TrainingFailedException extends Exception {
    public TrainingFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
