package dev.localbedrock.runtime.customization;

import java.util.List;

/**
 * A job's metrics files as read back from its output location (the console charts them).
 *
 * @param folder     the job's folder, {@code s3://bucket/prefix/model-customization-job-ID/}
 * @param steps      {@code step_wise_training_metrics.csv}'s rows: every step trained so far
 * @param validation {@code validation_metrics.csv}'s rows: one per epoch with validation data
 * @param files      the URIs of the metrics files and the loss curve that exist now
 */
public record JobMetrics(String folder, List<TrainingMetricsFiles.Row> steps, List<TrainingMetricsFiles.Row> validation,
                         List<String> files) {
    public JobMetrics {
        steps = List.copyOf(steps);
        validation = List.copyOf(validation);
        files = List.copyOf(files);
    }
}
