package dev.localbedrock.runtime.invocationlog;

import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.CloudWatchConfig;
import software.amazon.awssdk.services.bedrock.model.GetModelInvocationLoggingConfigurationResponse;
import software.amazon.awssdk.services.bedrock.model.LoggingConfig;
import software.amazon.awssdk.services.bedrock.model.S3Config;
import software.amazon.awssdk.services.bedrock.model.ValidationException;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Put, Get and DeleteModelInvocationLoggingConfiguration through the real BedrockClient: the configuration round
 * trips, survives a restart (it is in the durable state), is refused with ValidationException when malformed, and is
 * gone after Delete.
 */
class InvocationLoggingConfigSdkTest {
    @TempDir
    Path workDir;

    private BedrockService start() throws Exception {
        return BedrockService.start(CatalogLoader.load(TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "",
                "max_context_tokens: 64\n", "")));
    }

    @Test
    void putGetDeleteThroughTheSdkAndKeptAcrossARestart() throws Exception {
        LoggingConfig config = LoggingConfig.builder()
                .s3Config(S3Config.builder().bucketName("invocation-logs").keyPrefix("team-a").build())
                .cloudWatchConfig(CloudWatchConfig.builder().logGroupName("bedrock-invocations")
                        .roleArn("arn:aws:iam::000000000000:role/bedrock-logging")
                        .largeDataDeliveryS3Config(S3Config.builder().bucketName("large-data").build()).build())
                .textDataDeliveryEnabled(true).embeddingDataDeliveryEnabled(false).imageDataDeliveryEnabled(false)
                .build();
        try (BedrockService service = start(); BedrockClient cp = TestServers.controlPlaneClient(service)) {
            assertNull(cp.getModelInvocationLoggingConfiguration(r -> { }).loggingConfig(), "off until configured");
            cp.putModelInvocationLoggingConfiguration(r -> r.loggingConfig(config));
            assertEquals(config, cp.getModelInvocationLoggingConfiguration(r -> { }).loggingConfig());

            assertThrows(ValidationException.class, () -> cp.putModelInvocationLoggingConfiguration(r -> r
                    .loggingConfig(LoggingConfig.builder().s3Config(S3Config.builder().bucketName("x").build())
                            .build())), "a bucket name of one character");
            assertEquals(config, cp.getModelInvocationLoggingConfiguration(r -> { }).loggingConfig(),
                    "a refused put changes nothing");
        }
        try (BedrockService service = start(); BedrockClient cp = TestServers.controlPlaneClient(service)) {
            GetModelInvocationLoggingConfigurationResponse kept = cp.getModelInvocationLoggingConfiguration(r -> { });
            assertEquals(config, kept.loggingConfig(), "kept in the durable state");
            assertTrue(kept.loggingConfig().textDataDeliveryEnabled());
            assertFalse(kept.loggingConfig().embeddingDataDeliveryEnabled());
            cp.deleteModelInvocationLoggingConfiguration(r -> { });
            assertNull(cp.getModelInvocationLoggingConfiguration(r -> { }).loggingConfig());
            cp.deleteModelInvocationLoggingConfiguration(r -> { }); // deleting nothing is fine, as on Bedrock
        }
    }
}
