package dev.localbedrock.runtime.customization;

import dev.localbedrock.runtime.state.StoredCustomizationJob;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One fine-tuning job as GetModelCustomizationJob describes it (the fields its EventBridge event repeats), plus what
 * the server keeps to run it.
 *
 * @param jobArn           {@code arn:aws:bedrock:REGION:ACCOUNT:model-customization-job/BASE-MODEL-ID/ID}
 * @param outputModelArn   the custom model's ARN once the job Completed, else null
 * @param validationS3Uri  null when the job has no validation dataset
 * @param failureMessage   why it Failed, else null
 * @param endTime          when it reached a final status, else null
 * @param baseModelId      the served model it trains: a catalogue id, or a custom model's ARN
 * @param customModelTags  the tags the custom model is created with
 * @param trainingLoss     the training loss at the last checkpoint (an epoch's end), null before the first
 * @param validationLosses the validation loss at the last checkpoint, one per validator; empty before one
 */
public record CustomizationJob(String jobArn, String jobName, String outputModelName, String outputModelArn,
                               String roleArn, JobStatus status, String failureMessage, Instant creationTime,
                               Instant lastModifiedTime, Instant endTime, String baseModelArn,
                               Hyperparameters hyperParameters, String trainingS3Uri, String validationS3Uri,
                               String outputS3Uri, String baseModelId, String kmsKeyId,
                               Map<String, String> customModelTags, Double trainingLoss,
                               List<Double> validationLosses, String clientRequestToken) {
    public CustomizationJob {
        Objects.requireNonNull(jobArn, "jobArn");
        Objects.requireNonNull(jobName, "jobName");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(hyperParameters, "hyperParameters");
        customModelTags = customModelTags == null ? Map.of() : Map.copyOf(customModelTags);
        validationLosses = validationLosses == null ? List.of() : List.copyOf(validationLosses);
    }

    /** A job as its state-change event describes it, without what only the server keeps. */
    public CustomizationJob(String jobArn, String jobName, String outputModelName, String outputModelArn,
                            String roleArn, JobStatus status, String failureMessage, Instant creationTime,
                            Instant lastModifiedTime, Instant endTime, String baseModelArn,
                            Hyperparameters hyperParameters, String trainingS3Uri, String validationS3Uri,
                            String outputS3Uri) {
        this(jobArn, jobName, outputModelName, outputModelArn, roleArn, status, failureMessage, creationTime,
                lastModifiedTime, endTime, baseModelArn, hyperParameters, trainingS3Uri, validationS3Uri, outputS3Uri,
                null, null, Map.of(), null, List.of(), null);
    }

    /** The job's id: the last segment of its ARN. */
    public String jobId() {
        return jobArn.substring(jobArn.lastIndexOf('/') + 1);
    }

    /**
     * This job in {@code next} status at {@code now} (a final status also sets the end time), with the failure
     * message given (null for none).
     *
     * @throws IllegalStateException for a move the guide's state machine does not have
     */
    public CustomizationJob moveTo(JobStatus next, String failure, Instant now) {
        JobStatus to = next == status ? status : status.moveTo(next);
        return new CustomizationJob(jobArn, jobName, outputModelName, outputModelArn, roleArn, to, failure,
                creationTime, now, to.terminal() ? now : null, baseModelArn, hyperParameters, trainingS3Uri,
                validationS3Uri, outputS3Uri, baseModelId, kmsKeyId, customModelTags, trainingLoss, validationLosses,
                clientRequestToken);
    }

    /** This job with the metrics of a new checkpoint. */
    public CustomizationJob withMetrics(Double training, List<Double> validation, Instant now) {
        return new CustomizationJob(jobArn, jobName, outputModelName, outputModelArn, roleArn, status, failureMessage,
                creationTime, now, endTime, baseModelArn, hyperParameters, trainingS3Uri, validationS3Uri,
                outputS3Uri, baseModelId, kmsKeyId, customModelTags, training, validation, clientRequestToken);
    }

    /** This job Completed with its custom model. */
    public CustomizationJob completed(String modelArn, Instant now) {
        JobStatus to = status.moveTo(JobStatus.Completed);
        return new CustomizationJob(jobArn, jobName, outputModelName, modelArn, roleArn, to, null, creationTime, now,
                now, baseModelArn, hyperParameters, trainingS3Uri, validationS3Uri, outputS3Uri, baseModelId,
                kmsKeyId, customModelTags, trainingLoss, validationLosses, clientRequestToken);
    }

    StoredCustomizationJob toStored() {
        return new StoredCustomizationJob(jobArn, jobName, baseModelId, baseModelArn, outputModelName,
                outputModelArn, roleArn, status.name(), failureMessage, hyperParameters.asStrings(), trainingS3Uri,
                validationS3Uri, outputS3Uri, kmsKeyId, customModelTags, trainingLoss, validationLosses,
                creationTime, lastModifiedTime, endTime, clientRequestToken);
    }

    static CustomizationJob fromStored(StoredCustomizationJob s) {
        return new CustomizationJob(s.arn(), s.name(), s.customModelName(), s.customModelArn(), s.roleArn(),
                JobStatus.valueOf(s.status()), s.failureMessage(), s.createdAt(), s.lastModifiedAt(), s.endTime(),
                s.baseModelArn(), Hyperparameters.parse(s.hyperParameters()), s.trainingS3Uri(),
                s.validationS3Uri(), s.outputS3Uri(), s.baseModelId(), s.kmsKeyId(), s.customModelTags(),
                s.trainingLoss(), s.validationLosses(), s.clientRequestToken());
    }
}
