package dev.localbedrock.runtime;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.FoundationModelDetails;
import software.amazon.awssdk.services.bedrock.model.FoundationModelSummary;
import software.amazon.awssdk.services.bedrock.model.InferenceType;
import software.amazon.awssdk.services.bedrock.model.ModelModality;
import software.amazon.awssdk.services.bedrock.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrock.model.ValidationException;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code bedrock} control plane through the real AWS SDK for Java v2 {@code BedrockClient}, on the same port as
 * the runtime: the foundation models are what the catalogue serves.
 */
class ControlPlaneSdkTest {
    @TempDir
    static Path workDir;
    static BedrockService service;
    static BedrockClient bedrock;

    @BeforeAll
    static void start() throws Exception {
        service = TestServers.startTinyLlamaAndMiniLm(workDir, "");
        bedrock = BedrockClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + service.address().getPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE",
                        "not-a-secret")))
                .build();
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.closeAll(bedrock, service);
    }

    @Test
    void listFoundationModelsDescribesEveryServedModel() {
        List<FoundationModelSummary> all = bedrock.listFoundationModels(r -> { }).modelSummaries();
        FoundationModelSummary llama = all.stream().filter(m -> m.modelId().equals(TestServers.LLAMA_ID))
                .findFirst().orElseThrow();
        assertEquals("arn:aws:bedrock:us-east-1::foundation-model/" + TestServers.LLAMA_ID, llama.modelArn());
        assertEquals("Meta", llama.providerName());
        assertEquals(List.of(ModelModality.TEXT), llama.inputModalities());
        assertEquals(List.of(ModelModality.TEXT), llama.outputModalities());
        assertTrue(llama.responseStreamingSupported());
        assertEquals(List.of(InferenceType.ON_DEMAND), llama.inferenceTypesSupported());
        assertEquals("ACTIVE", llama.modelLifecycle().statusAsString());

        FoundationModelSummary titan = all.stream().filter(m -> m.modelId().equals(TestServers.TITAN_EMBED_ID))
                .findFirst().orElseThrow();
        assertEquals("Amazon", titan.providerName());
        assertEquals(List.of(ModelModality.EMBEDDING), titan.outputModalities());
        assertFalse(titan.responseStreamingSupported());
    }

    @Test
    void filtersNarrowTheList() {
        List<String> embedding = bedrock.listFoundationModels(r -> r.byOutputModality(ModelModality.EMBEDDING))
                .modelSummaries().stream().map(FoundationModelSummary::modelId).toList();
        assertEquals(List.of(TestServers.TITAN_EMBED_ID), embedding);
        List<String> meta = bedrock.listFoundationModels(r -> r.byProvider("meta")).modelSummaries().stream()
                .map(FoundationModelSummary::modelId).toList();
        assertEquals(List.of(TestServers.LLAMA_ID), meta, "providers compare case-insensitively");
        assertTrue(bedrock.listFoundationModels(r -> r.byInferenceType(InferenceType.PROVISIONED)).modelSummaries()
                .isEmpty(), "no provisioned throughput is served yet");
        assertTrue(bedrock.listFoundationModels(r -> r.byCustomizationType("FINE_TUNING")).modelSummaries()
                .isEmpty());
        ValidationException bad = assertThrows(ValidationException.class,
                () -> bedrock.listFoundationModels(r -> r.byOutputModality("VIDEO")));
        assertTrue(bad.getMessage().contains("byOutputModality"), bad.getMessage());
        assertThrows(ValidationException.class, () -> bedrock.listFoundationModels(r -> r.byProvider("no/slash")));
    }

    @Test
    void getFoundationModelByIdOrArn() {
        FoundationModelDetails byId = bedrock.getFoundationModel(r -> r.modelIdentifier(TestServers.LLAMA_ID))
                .modelDetails();
        assertEquals(TestServers.LLAMA_ID, byId.modelId());
        FoundationModelDetails byArn = bedrock.getFoundationModel(r -> r.modelIdentifier(byId.modelArn()))
                .modelDetails();
        assertEquals(byId, byArn);
        assertThrows(ResourceNotFoundException.class,
                () -> bedrock.getFoundationModel(r -> r.modelIdentifier("meta.no-such-model-v1")));
    }
}
