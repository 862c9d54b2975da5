package dev.localbedrock.runtime.controlplane;

import java.util.List;

/**
 * One foundation model as the {@code bedrock} control plane describes it (FoundationModelSummary /
 * FoundationModelDetails, which have the same members).
 *
 * @param modelId                    the id clients invoke
 * @param modelArn                   {@code arn:aws:bedrock:<region>::foundation-model/<id>} (the account is empty)
 * @param modelName                  the entry's display name
 * @param providerName               the provider, from the id's prefix ({@code Meta}, {@code Amazon}, …)
 * @param inputModalities            {@code TEXT}
 * @param outputModalities           {@code TEXT} or {@code EMBEDDING}
 * @param responseStreamingSupported whether InvokeModelWithResponseStream answers
 * @param customizationsSupported    {@code FINE_TUNING}, {@code CONTINUED_PRE_TRAINING}: none yet
 * @param inferenceTypesSupported    {@code ON_DEMAND} (provisioned throughput is not served yet)
 * @param lifecycleStatus            {@code ACTIVE}
 */
public record FoundationModel(String modelId, String modelArn, String modelName, String providerName,
                              List<String> inputModalities, List<String> outputModalities,
                              boolean responseStreamingSupported, List<String> customizationsSupported,
                              List<String> inferenceTypesSupported, String lifecycleStatus) {
}
