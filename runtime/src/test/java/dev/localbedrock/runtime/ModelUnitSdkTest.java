package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.GetProvisionedModelThroughputResponse;
import software.amazon.awssdk.services.bedrock.model.ProvisionedModelStatus;
import software.amazon.awssdk.services.bedrock.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrock.model.ServiceQuotaExceededException;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Model units buy throughput and reserve capacity. Throughput: under the same load, a 1-MU provisioned model is throttled to its budget while a 2-MU
 * one of the same model is not, and the throttle names the provisioned model (by ARN, which a rename keeps) and its
 * budget. One unit buys 100
 * output tokens a minute here, so a burst of 160 tokens overdraws one unit's minute and fits in two units'. Capacity:
 * each unit reserves a batch slot, creation beyond what the host can reserve is ServiceQuotaExceededException, and a
 * provisioned request is served from its reserved slot while on-demand requests queue for theirs.
 */
class ModelUnitSdkTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LOAD_TOKENS = 160;
    private static final int FLOOD = 8;
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

    @Test
    void unitsReserveBatchSlotsAndCreationStopsWhereTheHostRunsOut() throws Exception {
        String fourSlots = "max_context_tokens: 64\nmax_running_sequences: 4\n";
        String small;
        try (BedrockService service = start(fourSlots); BedrockClient cp = TestServers.controlPlaneClient(service)) {
            String big = cp.createProvisionedModelThroughput(r -> r.provisionedModelName("big")
                    .modelId(TestServers.LLAMA_ID).modelUnits(3)).provisionedModelArn();
            ServiceQuotaExceededException full = assertThrows(ServiceQuotaExceededException.class,
                    () -> cp.createProvisionedModelThroughput(r -> r.provisionedModelName("extra")
                            .modelId(TestServers.LLAMA_ID).modelUnits(1)), "3 of 4 slots reserved, 1 kept on demand");
            assertTrue(full.getMessage().contains("reserve only 0 more"), full.getMessage());
            assertThrows(ResourceNotFoundException.class, () -> cp.getProvisionedModelThroughput(r -> r
                    .provisionedModelId("extra")), "a refused create writes nothing");
            cp.deleteProvisionedModelThroughput(r -> r.provisionedModelId(big));
            small = cp.createProvisionedModelThroughput(r -> r.provisionedModelName("small")
                    .modelId(TestServers.LLAMA_ID).modelUnits(2)).provisionedModelArn();
        }
        // Restarted with fewer slots, the reservation no longer fits: Failed, with the reason, and not invocable.
        try (BedrockService service = start("max_context_tokens: 64\nmax_running_sequences: 2\n");
             BedrockClient cp = TestServers.controlPlaneClient(service);
             BedrockRuntimeClient runtime = TestServers.syncClient(service)) {
            GetProvisionedModelThroughputResponse failed = cp.getProvisionedModelThroughput(r -> r
                    .provisionedModelId(small));
            assertEquals(ProvisionedModelStatus.FAILED, failed.status());
            assertTrue(failed.failureMessage().contains("batch slots"), failed.failureMessage());
            assertThrows(software.amazon.awssdk.services.bedrockruntime.model.ResourceNotFoundException.class,
                    () -> runtime.invokeModel(r -> r.modelId(small).body(SdkBytes.fromUtf8String(BODY))));
        }
    }

    @Test
    void aReservedSlotServesTheProvisionedModelThroughAnOnDemandFlood() throws Exception {
        try (BedrockService service = start("max_context_tokens: 128\nmax_running_sequences: 2\nmax_queue: 32\n");
             BedrockClient cp = TestServers.controlPlaneClient(service);
             BedrockRuntimeClient runtime = TestServers.syncClient(service)) {
            cp.createProvisionedModelThroughput(r -> r.provisionedModelName("reserved").modelId(TestServers.LLAMA_ID)
                    .modelUnits(1));
            ExecutorService pool = Executors.newFixedThreadPool(FLOOD);
            try {
                AtomicInteger finished = new AtomicInteger();
                List<Future<?>> flood = new ArrayList<>();
                String longBody = "{\"prompt\":\"Hello\",\"max_gen_len\":100}";
                for (int i = 0; i < FLOOD; i++) {
                    flood.add(pool.submit(() -> {
                        runtime.invokeModel(r -> r.modelId(TestServers.LLAMA_ID)
                                .body(SdkBytes.fromUtf8String(longBody)));
                        finished.incrementAndGet();
                    }));
                }
                // On demand has one slot (the other is reserved), so its requests run one after another; the
                // provisioned request does not wait behind them.
                while (service.registry().served().get(0) instanceof ServedModel.Text text
                        && text.worker().queueLength() < FLOOD - 2) {
                    Thread.sleep(5);
                }
                runtime.invokeModel(r -> r.modelId("reserved").body(SdkBytes.fromUtf8String(BODY)));
                int doneBefore = finished.get();
                for (Future<?> f : flood) {
                    f.get(120, TimeUnit.SECONDS);
                }
                assertTrue(doneBefore <= FLOOD / 2, "the provisioned request finished after " + doneBefore + " of "
                        + FLOOD + " on-demand requests: it queued behind them");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private BedrockService start(String llamaYaml) throws Exception {
        return BedrockService.start(CatalogLoader.load(TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "",
                llamaYaml, "")));
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
