package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import dev.localbedrock.runtime.events.EventSignature;
import dev.localbedrock.runtime.events.WebhookReceiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.bedrock.BedrockClient;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Provisioned-throughput state changes through the real BedrockClient reach a webhook (down for its first POSTs)
 * and the events file: create, update and delete each announced, signed, at least once.
 */
class ProvisionedThroughputEventsSdkTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path workDir;

    @Test
    void everyStateChangeReachesTheWebhookAndTheFile() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(0, 3)) {
            Path yaml = TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", "max_context_tokens: 64\n", "");
            Files.writeString(yaml, """
                    events:
                      file: events.jsonl
                      initial_backoff_seconds: 0.02
                      max_backoff_seconds: 0.2
                      webhooks:
                        - url: %s
                          secret: s3cret-for-the-test
                    """.formatted(receiver.url()), java.nio.file.StandardOpenOption.APPEND);
            String arn;
            Path eventsFile;
            try (BedrockService service = BedrockService.start(CatalogLoader.load(yaml));
                 BedrockClient cp = TestServers.controlPlaneClient(service)) {
                arn = cp.createProvisionedModelThroughput(r -> r.provisionedModelName("pt-a")
                        .modelId(TestServers.LLAMA_ID).modelUnits(1)).provisionedModelArn();
                cp.updateProvisionedModelThroughput(r -> r.provisionedModelId(arn).desiredProvisionedModelName("pt-b"));
                cp.deleteProvisionedModelThroughput(r -> r.provisionedModelId(arn));
                eventsFile = workDir.resolve("events.jsonl");
            } // closing delivers what is still queued or being retried

            List<String> expected = List.of("pt-a InService", "pt-b Updating", "pt-b InService", "pt-b Deleted");
            Set<String> delivered = new LinkedHashSet<>();
            for (WebhookReceiver.Post p : receiver.posts()) {
                assertEquals(sign(p.header(EventSignature.TIMESTAMP_HEADER), p.body()),
                        p.header(EventSignature.SIGNATURE_HEADER), "the HMAC verifies");
                JsonNode e = JSON.readTree(p.body());
                assertEquals("Provisioned Model Throughput State Change", e.get("detail-type").asText());
                assertEquals("aws.bedrock", e.get("source").asText());
                assertEquals(List.of(arn), List.of(e.get("resources").get(0).asText()));
                assertEquals(arn, e.get("detail").get("provisionedModelArn").asText());
                if (p.answered() == 204) {
                    delivered.add(describe(e));
                }
            }
            assertTrue(receiver.posts().stream().anyMatch(p -> p.answered() == 503), "the receiver was down first");
            assertEquals(expected, new ArrayList<>(delivered), "every change once or more, in order");

            List<String> fromFile = new ArrayList<>();
            for (String line : Files.readAllLines(eventsFile)) {
                fromFile.add(describe(JSON.readTree(line)));
            }
            assertEquals(expected, fromFile, "the file gets every event exactly once");
            JsonNode first = JSON.readTree(Files.readAllLines(eventsFile).get(0));
            assertEquals("arn:aws:bedrock:us-east-1::foundation-model/" + TestServers.LLAMA_ID,
                    first.get("detail").get("modelArn").asText());
            assertTrue(!Instant.parse(first.get("detail").get("creationTime").asText()).isAfter(Instant.now()));
        }
    }

    private static String describe(JsonNode e) {
        return e.get("detail").get("provisionedModelName").asText() + " " + e.get("detail").get("status").asText();
    }

    private static String sign(String timestamp, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("s3cret-for-the-test".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    }
}
