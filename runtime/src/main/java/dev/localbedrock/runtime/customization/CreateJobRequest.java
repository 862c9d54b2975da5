package dev.localbedrock.runtime.customization;

import java.util.Map;

/**
 * CreateModelCustomizationJob's fields, as the wire layer read them (shapes and lengths already checked).
 *
 * @param validationS3Uri the one validator's dataset, or null
 * @param kmsKeyId        accepted and recorded: this server's weights are files under its own folder
 */
public record CreateJobRequest(String jobName, String customModelName, String roleArn, String baseModelIdentifier,
                               String customizationType, Map<String, String> hyperParameters, String trainingS3Uri,
                               String validationS3Uri, String outputS3Uri, String kmsKeyId,
                               Map<String, String> jobTags, Map<String, String> customModelTags,
                               String clientRequestToken) {
    public CreateJobRequest {
        hyperParameters = hyperParameters == null ? Map.of() : Map.copyOf(hyperParameters);
        jobTags = jobTags == null ? Map.of() : Map.copyOf(jobTags);
        customModelTags = customModelTags == null ? Map.of() : Map.copyOf(customModelTags);
    }
}
