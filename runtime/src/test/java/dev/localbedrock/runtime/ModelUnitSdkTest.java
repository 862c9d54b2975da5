package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Model units buy throughput: under the same load, a 1-MU provisioned model is throttled to its budget while a 2-MU
 * one of the same model is not, and the throttle names the provisioned model (by ARN, which a rename keeps) and its
 * budget. One unit buys 100
 * output tokens a minute here, so a burst of 160 tokens overdraws one unit's minute and fits in two units'.
 */
class ModelUnitSdkTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LOAD_TOKENS = 160;
    private static final String BODY = "{\"prompt\":\"Hello\",\"max_gen_len\":20}";

    @TempDir
    Path workDir;

    @Test
    void oneUnitThrottlesWhereTwoUnitsDoNot() throws Exception {
        Path yaml = TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", """
                max_context_tokens: 64
                model_unit: {input_tokens_per_minute: 100000, output_tokens_per_minute: 100}
                """, "");
        try (BedrockService service = BedrockService.start(CatalogLoader.load(yaml));
             BedrockClient cp = TestServers.controlPlaneClient(service);
             BedrockRuntimeClient runtime = TestServers.syncClient(service)) {
            cp.createProvisionedModelThroughput(r -> r.provisionedModelName("one-unit").modelId(TestServers.LLAMA_ID)
                    .modelUnits(1));
            cp.createProvisionedModelThroughput(r -> r.provisionedModelName("two-units")
                    .modelId(TestServers.LLAMA_ID).modelUnits(2));

            Load one = drive(runtime, "one-unit");
            Load two = drive(runtime, "two-units");
            assertTrue(one.throttled() > 0, "1 MU (100 output tokens/min) must throttle a 160-token burst: " + one);
            assertTrue(one.lastRefusal().contains(":provisioned-model/") && one.lastRefusal().contains("100 output tokens"),
                    one.lastRefusal());
            assertEquals(0, two.throttled(), "2 MU (200 output tokens/min) serve the same burst: " + two);
            assertTrue(two.generated() >= LOAD_TOKENS, two.toString());
        }
    }

    record Load(int requests, int generated, int throttled, String lastRefusal) {
    }

    /** Sends requests one after another until {@link #LOAD_TOKENS} tokens have been generated or 3 were throttled. */
    private static Load drive(BedrockRuntimeClient runtime, String modelId) throws Exception {
        int requests = 0;
        int generated = 0;
        int throttled = 0;
        String refusal = "";
        while (generated < LOAD_TOKENS && throttled < 3 && requests < 100) {
            requests++;
            try {
                String body = runtime.invokeModel(r -> r.modelId(modelId).body(SdkBytes.fromUtf8String(BODY)))
                        .body().asUtf8String();
                JsonNode response = JSON.readTree(body);
                generated += response.get("generation_token_count").asInt();
            } catch (ThrottlingException e) {
                throttled++;
                refusal = e.awsErrorDetails().errorMessage();
            }
        }
        return new Load(requests, generated, throttled, refusal);
    }
}
