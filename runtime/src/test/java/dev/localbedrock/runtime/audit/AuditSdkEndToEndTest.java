package dev.localbedrock.runtime.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The audit trail of a mixed run through the real SDK clients: one CloudTrail-shaped event per API call, in order,
 * with the right error codes, never a body, and no event for health checks and scrapes.
 */
class AuditSdkEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path workDir;

    @Test
    void oneEventPerCallWithItsErrorCode() throws Exception {
        Path yaml = TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", "max_context_tokens: 64\n", "");
        Files.writeString(yaml, Files.readString(yaml) + "audit:\n  dir: audit-log\n");
        List<String> requestIds = new ArrayList<>();
        try (BedrockService service = BedrockService.start(CatalogLoader.load(yaml));
             BedrockRuntimeClient runtime = TestServers.syncClient(service);
             BedrockClient cp = TestServers.controlPlaneClient(service)) {
            requestIds.add(runtime.invokeModel(r -> r.modelId(TestServers.LLAMA_ID)
                    .body(SdkBytes.fromUtf8String("{\"prompt\":\"secret words\",\"max_gen_len\":3}")))
                    .responseMetadata().requestId());
            requestIds.add(assertThrows(ValidationException.class, () -> runtime.invokeModel(r -> r
                    .modelId(TestServers.LLAMA_ID).body(SdkBytes.fromUtf8String("{\"max_gen_len\":3}"))))
                    .requestId());
            requestIds.add(assertThrows(ResourceNotFoundException.class, () -> runtime.invokeModel(r -> r
                    .modelId("meta.llama2-70b-chat-v1").body(SdkBytes.fromUtf8String("{\"prompt\":\"x\"}"))))
                    .requestId());
            requestIds.add(cp.listFoundationModels(r -> r.byProvider("meta")).responseMetadata().requestId());
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + service.address().getPort();
            for (String path : List.of("/ping", "/metrics")) {
                assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode());
            }
        } // closing flushes the trail

        List<JsonNode> events = new ArrayList<>();
        try (Stream<Path> files = Files.list(workDir.resolve("audit-log"))) {
            for (Path f : files.sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
                    events.add(JSON.readTree(line));
                }
            }
        }
        assertEquals(requestIds, events.stream().map(e -> e.get("requestID").asText()).toList(),
                "one event per call, in order, none for /ping or /metrics");
        assertEquals(List.of("InvokeModel", "InvokeModel", "InvokeModel", "ListFoundationModels"),
                events.stream().map(e -> e.get("eventName").asText()).toList());
        assertEquals(List.of("", "ValidationException", "ResourceNotFoundException", ""),
                events.stream().map(e -> e.path("errorCode").asText("")).toList());
        for (JsonNode e : events) {
            assertEquals("bedrock.amazonaws.com", e.get("eventSource").asText());
            assertEquals("us-east-1", e.get("awsRegion").asText());
            assertTrue(e.get("eventTime").asText().endsWith("Z"), e.toString());
            assertFalse(e.toString().contains("secret words"), "no body in the audit trail: " + e);
        }
        assertEquals(TestServers.LLAMA_ID, events.get(0).at("/requestParameters/modelId").asText());
        assertEquals("meta", events.get(3).at("/requestParameters/byProvider").asText(), events.get(3).toString());
    }
}
