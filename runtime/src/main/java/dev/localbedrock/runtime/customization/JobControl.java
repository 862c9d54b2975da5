package dev.localbedrock.runtime.customization;

import java.nio.file.Path;
import java.util.List;

/** What a running job's training sees of the service: whether to stop, and where to report. */
public interface JobControl {
    /** True once StopModelCustomizationJob was called; training stops after the step in flight. */
    boolean stopRequested();

    /** The latest progress, for GetModelCustomizationJob's {@code progress} and {@code jobs watch}. */
    void progress(TrainingProgress progress);

    /** An epoch ended: its losses become the job's metrics (what a stop keeps). */
    void checkpoint(double trainingLoss, List<Double> validationLosses);

    /** The folder the custom model's weights must be written to (it does not exist yet). */
    Path modelDirectory();
}
