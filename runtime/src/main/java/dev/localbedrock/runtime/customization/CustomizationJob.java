package dev.localbedrock.runtime.customization;

import java.time.Instant;
import java.util.Objects;

/**
 * One fine-tuning job as GetModelCustomizationJob describes it (the fields its EventBridge event repeats).
 *
 * @param jobArn {@code arn:aws:bedrock:REGION:ACCOUNT:model-customization-job/ID}
 * @param outputModelArn the custom model's ARN once the job Completed, else null
 * @param validationS3Uri null when the job has no validation dataset
 * @param failureMessage why it Failed, else null
 * @param endTime when it reached a final status, else null
 */
public record CustomizationJob(String jobArn, String jobName, String outputModelName, String outputModelArn,
                               String roleArn, JobStatus status, String failureMessage, Instant creationTime,
                               Instant lastModifiedTime, Instant endTime, String baseModelArn,
                               Hyperparameters hyperParameters, String trainingS3Uri, String validationS3Uri,
                               String outputS3Uri) {
    public CustomizationJob {
        Objects.requireNonNull(jobArn, "jobArn");
        Objects.requireNonNull(jobName, "jobName");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(hyperParameters, "hyperParameters");
    }
}
