package dev.localbedrock.runtime.invocationlog;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.runtime.observe.CompletedCall;
import dev.localbedrock.runtime.state.InvocationLoggingConfig;
import dev.localbedrock.runtime.state.InvocationLoggingConfig.CloudWatchDestination;
import dev.localbedrock.runtime.state.InvocationLoggingConfig.S3Location;
import dev.localbedrock.runtime.state.InvocationLoggingRepository;
import dev.localbedrock.runtime.storage.ObjectStore;
import dev.localbedrock.runtime.storage.ObjectStores;
import dev.localbedrock.runtime.storage.S3ProxyServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The listener driven with hand-built CompletedCalls (as the HTTP layer will build them), delivering to a real S3
 * server (S3Proxy) and the CloudWatch Logs files: a streamed text call, a call with a body over 100 KB, an embedding
 * call with its toggle off, and an S3 endpoint that goes down and comes back.
 */
class InvocationLogDeliveryTest {
    private static final DeliveryPolicy FAST = new DeliveryPolicy(1000, 64L << 20, 100, Duration.ofMillis(50),
            Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofHours(24));

    @TempDir
    Path dir;

    /** An in-memory repository: this test is about delivery, not the database. */
    private static final class Memory implements InvocationLoggingRepository {
        InvocationLoggingConfig config;

        public Optional<InvocationLoggingConfig> get() {
            return Optional.ofNullable(config);
        }

        public void put(InvocationLoggingConfig c) {
            config = c;
        }

        public boolean delete() {
            boolean had = config != null;
            config = null;
            return had;
        }
    }

    private static CompletedCall call(String id, String op, String model, boolean streamed, String request,
                                      String response, List<String> chunks) {
        return new CompletedCall(id, Instant.parse("2024-05-06T07:08:09Z"), "bedrock-runtime", op, "POST",
                "/model/" + model + "/x", Map.of("modelId", model), Map.of(), model, "127.0.0.1", "test", 200, null,
                null, 5_000_000L, 3, 2, streamed, request.getBytes(StandardCharsets.UTF_8),
                response == null ? null : response.getBytes(StandardCharsets.UTF_8),
                chunks.stream().map(c -> c.getBytes(StandardCharsets.UTF_8)).toList());
    }

    private static List<JsonNode> s3Records(ObjectStore store, String bucket) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String key : store.list(bucket, "pre/AWSLogs/")) {
            if (!key.endsWith(".json.gz")) {
                continue;
            }
            assertTrue(key.startsWith("pre/AWSLogs/000000000000/BedrockModelInvocationLogs/us-east-1/2024/05/06/07/"),
                    key);
            byte[] gz = store.get(bucket, key).orElseThrow();
            String text = new String(new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes(),
                    StandardCharsets.UTF_8);
            for (String line : text.split("\n")) {
                out.add(Json.MAPPER.readTree(line));
            }
        }
        return out;
    }

    private static void await(InvocationLogging logging) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (logging.pending() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, logging.pending(), "delivered within a minute");
    }

    @Test
    void recordsReachS3AndTheLogFilesAndSurviveAnOutage() throws Exception {
        try (S3ProxyServer server = new S3ProxyServer()) {
            server.createBucket("log-bucket");
            server.createBucket("large-bucket");
            Memory repo = new Memory();
            try (ObjectStore store = ObjectStores.open(server.settings(dir));
                 InvocationLogging logging = InvocationLogging.start(repo, store, dir.resolve("cw"),
                         Map.of("llama", DataKind.TEXT, "titan-embed", DataKind.EMBEDDING)::get, "000000000000",
                         "us-east-1", FAST)) {
                InvocationLogListener listener = logging.listener();
                // Off: no bodies asked for, nothing kept.
                assertFalse(listener.wantsBodies());
                listener.completed(call("r0", "InvokeModel", "llama", false, "{\"prompt\":\"x\"}", "{}", List.of()));
                assertEquals(0, logging.pending());

                logging.service().put(new InvocationLoggingConfig(new S3Location("log-bucket", "pre/"),
                        new CloudWatchDestination("/aws/bedrock/test", "arn:aws:iam::000000000000:role/r",
                                new S3Location("large-bucket", "big")), true, false, false));
                assertTrue(listener.wantsBodies());
                String longPrompt = "{\"prompt\":\"" + "word ".repeat(30_000) + "\"}"; // ~150 KB
                listener.completed(call("r1", "InvokeModelWithResponseStream", "llama", true,
                        "{\"prompt\":\"hi\"}", null, List.of("{\"generation\":\"a\"}", "{\"generation\":\"b\"}")));
                listener.completed(call("r2", "InvokeModel", "llama", false, longPrompt, "{\"generation\":\"c\"}",
                        List.of()));
                listener.completed(call("r3", "InvokeModel", "titan-embed", false, "{\"inputText\":\"e\"}",
                        "{\"embedding\":[0.1]}", List.of()));
                await(logging);

                List<JsonNode> records = s3Records(store, "log-bucket");
                assertEquals(3, records.size());
                JsonNode stream = records.stream().filter(r -> r.get("requestId").asText().equals("r1")).findFirst()
                        .orElseThrow();
                assertEquals("ModelInvocationLog", stream.get("schemaType").asText());
                assertEquals("1.0", stream.get("schemaVersion").asText());
                assertEquals("2024-05-06T07:08:09Z", stream.get("timestamp").asText());
                assertEquals("InvokeModelWithResponseStream", stream.get("operation").asText());
                assertEquals("llama", stream.get("modelId").asText());
                assertEquals("{\"prompt\":\"hi\"}", stream.at("/input/inputBodyJson").toString());
                assertEquals(3, stream.at("/input/inputTokenCount").asInt());
                assertEquals("[{\"generation\":\"a\"},{\"generation\":\"b\"}]",
                        stream.at("/output/outputBodyJson").toString());
                assertEquals(2, stream.at("/output/outputTokenCount").asInt());

                JsonNode large = records.stream().filter(r -> r.get("requestId").asText().equals("r2")).findFirst()
                        .orElseThrow();
                assertTrue(large.at("/input/inputBodyJson").isMissingNode());
                String path = large.at("/input/inputBodyS3Path").asText();
                String key = "pre/AWSLogs/000000000000/BedrockModelInvocationLogs/us-east-1/2024/05/06/07/data/"
                        + "r2_input.json";
                assertEquals("s3://log-bucket/" + key, path);
                assertEquals(longPrompt, new String(store.get("log-bucket", key).orElseThrow(),
                        StandardCharsets.UTF_8));
                assertEquals("{\"generation\":\"c\"}", large.at("/output/outputBodyJson").toString());

                JsonNode embed = records.stream().filter(r -> r.get("requestId").asText().equals("r3")).findFirst()
                        .orElseThrow();
                assertTrue(embed.at("/input/inputBodyJson").isMissingNode(), "embedding toggle is off");
                assertEquals(3, embed.at("/input/inputTokenCount").asInt());

                Path cwFile = InvocationLogging.cloudWatchStreamFile(dir.resolve("cw"), "/aws/bedrock/test");
                assertEquals(dir.resolve("cw/%2Faws%2Fbedrock%2Ftest/aws%2Fbedrock%2Fmodelinvocations.jsonl"),
                        cwFile);
                List<String> lines = Files.readAllLines(cwFile);
                assertEquals(3, lines.size());
                JsonNode cwLarge = lines.stream().map(InvocationLogDeliveryTest::json)
                        .filter(r -> r.get("requestId").asText().equals("r2")).findFirst().orElseThrow();
                assertEquals("s3://large-bucket/big/AWSLogs/000000000000/BedrockModelInvocationLogs/us-east-1/"
                        + "2024/05/06/07/data/r2_input.json", cwLarge.at("/input/inputBodyS3Path").asText());
                assertEquals(3, logging.counters().s3DeliverySuccess());
                assertEquals(3, logging.counters().cloudWatchDeliverySuccess());
                assertEquals(2, logging.counters().largeDataS3DeliverySuccess());

                // The S3 endpoint goes down: the calls are unaffected, the records wait and land once it is back.
                server.stop();
                for (int i = 0; i < 20; i++) {
                    listener.completed(call("down-" + i, "Converse", "llama", false, "{\"messages\":[]}", "{}",
                            List.of()));
                }
                long deadline = System.currentTimeMillis() + 60_000;
                while (logging.counters().s3DeliveryFailure() == 0 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20);
                }
                assertTrue(logging.counters().s3DeliveryFailure() > 0, "the outage is counted");
                server.restart();
                await(logging);
                assertEquals(23, s3Records(store, "log-bucket").size());
                assertEquals(23, Files.readAllLines(cwFile).size());
                assertEquals(0, logging.counters().dropped());

                // Off again: nothing more is kept.
                logging.service().delete();
                assertFalse(listener.wantsBodies());
                listener.completed(call("r9", "InvokeModel", "llama", false, "{}", "{}", List.of()));
                assertEquals(0, logging.pending());
            }
        }
    }

    private static JsonNode json(String s) {
        try {
            return Json.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
