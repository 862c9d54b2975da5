package dev.localbedrock.runtime.state;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model customization job as the state keeps it: plain values, so the state knows nothing of the customization
 * service's types (which map to and from this).
 *
 * @param baseModelId      the catalogue id the job trains (or a custom model's ARN when it refines one)
 * @param customModelArn   set once the job Completed
 * @param status           the wire status ({@code InProgress}, {@code Completed}, …)
 * @param customModelTags  the tags the custom model gets when it is created
 * @param trainingLoss     the last checkpoint's training loss, null before the first epoch ended
 * @param validationLosses one per validation dataset, from the last checkpoint; empty before one
 */
public record StoredCustomizationJob(String arn, String name, String baseModelId, String baseModelArn,
                                     String customModelName, String customModelArn, String roleArn, String status,
                                     String failureMessage, Map<String, String> hyperParameters,
                                     String trainingS3Uri, String validationS3Uri, String outputS3Uri,
                                     String kmsKeyId, Map<String, String> customModelTags, Double trainingLoss,
                                     List<Double> validationLosses, Instant createdAt, Instant lastModifiedAt,
                                     Instant endTime, String clientRequestToken) {
    public StoredCustomizationJob {
        Objects.requireNonNull(arn, "arn");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        hyperParameters = Map.copyOf(hyperParameters);
        customModelTags = Map.copyOf(customModelTags);
        validationLosses = List.copyOf(validationLosses);
        createdAt = Timestamps.normalize(createdAt);
        lastModifiedAt = Timestamps.normalize(lastModifiedAt);
        endTime = Timestamps.normalize(endTime);
    }
}
