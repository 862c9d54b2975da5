package dev.localbedrock.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;

import java.net.URI;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** On-demand quotas through the unchanged Java SDK, its retries off so the first ThrottlingException surfaces. */
class QuotaSdkEndToEndTest {
    private static final String BODY = "{\"prompt\":\"Hello world, how are you today?\",\"temperature\":0,"
            + "\"max_gen_len\":4}";

    @TempDir
    Path workDir;

    @Test
    void theFourthRequestInAMinuteOfAThreeRequestQuotaIsThrottled() throws Exception {
        BedrockService service = TestServers.startTinyLlama(workDir, "requests_per_minute: 3\n");
        BedrockRuntimeClient client = noRetryClient(service);
        try {
            invoke(client, TestServers.LLAMA_ID);
            invoke(client, TestServers.LLAMA_ID);
            invoke(client, TestServers.LLAMA_ID + ":0:4k"); // a versioned id of the same model shares its quota
            ThrottlingException refused = assertThrows(ThrottlingException.class,
                    () -> invoke(client, TestServers.LLAMA_ID));
            assertEquals(429, refused.statusCode());
            assertEquals("ThrottlingException", refused.awsErrorDetails().errorCode());
            assertEquals("Too many requests, please wait before trying again. You have exceeded the on-demand quota "
                    + "of 3 requests per minute for " + TestServers.LLAMA_ID + ".", refused.awsErrorDetails().errorMessage());
        } finally {
            TestServers.closeAll(client, service);
        }
    }

    @Test
    void aRequestAfterTheTokensOfAMinuteAreUsedIsThrottled() throws Exception {
        // The prompt alone is more than 5 tokens: the first request is admitted (the bucket is full) and overdraws it.
        BedrockService service = TestServers.startTinyLlama(workDir, "tokens_per_minute: 5\n");
        BedrockRuntimeClient client = noRetryClient(service);
        try {
            invoke(client, TestServers.LLAMA_ID);
            ThrottlingException refused = assertThrows(ThrottlingException.class,
                    () -> invoke(client, TestServers.LLAMA_ID));
            assertEquals(429, refused.statusCode());
            assertEquals("Too many tokens, please wait before trying again. You have exceeded the on-demand quota "
                    + "of 5 tokens per minute for " + TestServers.LLAMA_ID + ".", refused.awsErrorDetails().errorMessage());
        } finally {
            TestServers.closeAll(client, service);
        }
    }

    @Test
    void zeroTurnsTheQuotaOff() throws Exception {
        BedrockService service = TestServers.startTinyLlama(workDir, "requests_per_minute: 0\ntokens_per_minute: 0\n");
        BedrockRuntimeClient client = noRetryClient(service);
        try {
            for (int i = 0; i < 5; i++) {
                invoke(client, TestServers.LLAMA_ID);
            }
        } finally {
            TestServers.closeAll(client, service);
        }
    }

    private static void invoke(BedrockRuntimeClient client, String modelId) {
        client.invokeModel(r -> r.modelId(modelId).contentType("application/json")
                .body(SdkBytes.fromUtf8String(BODY)));
    }

    private static BedrockRuntimeClient noRetryClient(BedrockService service) {
        return BedrockRuntimeClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + service.address().getPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIDEXAMPLE", "not-a-secret")))
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }
}
