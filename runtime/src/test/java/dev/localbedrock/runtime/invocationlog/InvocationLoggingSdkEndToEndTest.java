package dev.localbedrock.runtime.invocationlog;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import dev.localbedrock.runtime.storage.S3ProxyServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.CloudWatchConfig;
import software.amazon.awssdk.services.bedrock.model.LoggingConfig;
import software.amazon.awssdk.services.bedrock.model.S3Config;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamResponseHandler;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Invocation logging end to end: configured through the real BedrockClient, invocations of two families through the
 * real runtime clients — a streamed Llama generation and a Cohere embedding whose body is over 100 KB — land as
 * exactly the expected records in a real S3-compatible server (S3Proxy) and in the CloudWatch Logs files, the large
 * body moved to the large-data bucket as the guide says.
 */
class InvocationLoggingSdkEndToEndTest {
    private static final String COHERE_EMBED = "cohere.embed-english-v3";

    @TempDir
    Path workDir;

    @Test
    void aStreamAndALargeEmbeddingLandInS3AndTheLogGroup() throws Exception {
        try (S3ProxyServer s3 = new S3ProxyServer()) {
            s3.createBucket("invocation-logs");
            s3.createBucket("large-data");
            String storage = """
                    storage:
                      s3_endpoint: %s
                      local_dir: store
                      path_style: true
                      access_key_id: %s
                      secret_access_key: %s
                    """.formatted(s3.endpoint(), S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY);
            String cohere = "- id: " + COHERE_EMBED + "\n  source: builtin:all-MiniLM-L6-v2\n  engine: onnxruntime\n";
            Path yaml = TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", "max_context_tokens: 64\n",
                    cohere);
            Files.writeString(yaml, Files.readString(yaml) + storage);
            List<String> ids = new ArrayList<>();
            try (BedrockService service = BedrockService.start(CatalogLoader.load(yaml));
                 BedrockClient cp = TestServers.controlPlaneClient(service);
                 BedrockRuntimeClient runtime = TestServers.syncClient(service);
                 BedrockRuntimeAsyncClient async = TestServers.asyncClient(service)) {
                cp.putModelInvocationLoggingConfiguration(r -> r.loggingConfig(LoggingConfig.builder()
                        .s3Config(S3Config.builder().bucketName("invocation-logs").keyPrefix("team").build())
                        .cloudWatchConfig(CloudWatchConfig.builder().logGroupName("bedrock/invocations")
                                .roleArn("arn:aws:iam::000000000000:role/logs")
                                .largeDataDeliveryS3Config(S3Config.builder().bucketName("large-data")
                                        .keyPrefix("big").build()).build())
                        .textDataDeliveryEnabled(true).embeddingDataDeliveryEnabled(true).build()));

                StringBuilder streamed = new StringBuilder();
                async.invokeModelWithResponseStream(r -> r.modelId(TestServers.LLAMA_ID)
                                .body(SdkBytes.fromUtf8String("{\"prompt\":\"Hello\",\"max_gen_len\":5}")),
                        InvokeModelWithResponseStreamResponseHandler.builder()
                                .onResponse(response -> ids.add(response.responseMetadata().requestId()))
                                .subscriber(InvokeModelWithResponseStreamResponseHandler.Visitor.builder()
                                        .onChunk(c -> streamed.append(c.bytes().asUtf8String())).build())
                                .build()).get(60, TimeUnit.SECONDS);
                List<String> texts = new ArrayList<>();
                for (int i = 0; i < 96; i++) {
                    texts.add(("text " + i + " ").repeat(150)); // ~1.1 KB each: a ~110 KB body
                }
                String embedBody = Json.MAPPER.writeValueAsString(Map.of("texts", texts, "input_type",
                        "search_document", "truncate", "END"));
                assertTrue(embedBody.length() > 100_000, "the body is over 100 KB: " + embedBody.length());
                ids.add(runtime.invokeModel(r -> r.modelId(COHERE_EMBED).body(SdkBytes.fromUtf8String(embedBody)))
                        .responseMetadata().requestId());
                // A call's record is handed to the logging once its last byte is written, which can be just after
                // the client has the response: wait for both records to be delivered, not only for an empty queue.
                long deadline = System.currentTimeMillis() + 60_000;
                String metrics = scrape(service);
                while (!(metrics.contains(delivered("s3")) && metrics.contains(delivered("cloudwatch")))
                        && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                    metrics = scrape(service);
                }
                assertEquals(0, service.invocationLogging().pending(), "delivered within a minute");
                for (String destination : List.of("s3", "cloudwatch")) {
                    assertTrue(metrics.contains(delivered(destination)), destination + " deliveries:\n" + metrics);
                }
                assertTrue(metrics.contains("bedrock_model_invocation_logs_dropped_total 0.0"), metrics);
            }

            Map<String, JsonNode> inS3 = new HashMap<>();
            try (var store = dev.localbedrock.runtime.storage.ObjectStores.open(s3.settings(workDir.resolve("x")))) {
                for (String key : store.list("invocation-logs", "team/AWSLogs/")) {
                    assertTrue(key.matches("team/AWSLogs/000000000000/BedrockModelInvocationLogs/us-east-1/"
                            + "\\d{4}/\\d{2}/\\d{2}/\\d{2}/.+"), key);
                    if (!key.endsWith(".json.gz")) {
                        continue;
                    }
                    byte[] gz = store.get("invocation-logs", key).orElseThrow();
                    String text = new String(new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes(),
                            StandardCharsets.UTF_8);
                    for (String line : text.split("\n")) {
                        JsonNode record = Json.MAPPER.readTree(line);
                        inS3.put(record.get("requestId").asText(), record);
                    }
                }
                assertEquals(ids.size(), inS3.size(), "exactly one record per invocation: " + inS3.keySet());
                JsonNode stream = inS3.get(ids.get(0));
                assertEquals(List.of("ModelInvocationLog", "InvokeModelWithResponseStream", TestServers.LLAMA_ID),
                        List.of(stream.get("schemaType").asText(), stream.get("operation").asText(),
                                stream.get("modelId").asText()));
                assertTrue(stream.at("/output/outputBodyJson").isArray(), "a stream logs its chunks: " + stream);
                assertTrue(stream.at("/input/inputTokenCount").asInt() > 0, stream.toString());

                // The CloudWatch record of the large call points at its body in the large-data bucket.
                Path group = InvocationLogging.cloudWatchStreamFile(workDir.resolve("store")
                        .resolve(InvocationLogging.CLOUDWATCH_DIR), "bedrock/invocations");
                Map<String, JsonNode> inLogs = new HashMap<>();
                for (String line : Files.readAllLines(group)) {
                    JsonNode record = Json.MAPPER.readTree(line);
                    inLogs.put(record.get("requestId").asText(), record);
                }
                assertEquals(inS3.keySet(), inLogs.keySet(), "the same calls in the log group");
                JsonNode large = inLogs.get(ids.get(1));
                String pointer = large.at("/input/inputBodyS3Path").asText();
                assertTrue(pointer.startsWith("s3://large-data/big/"), large.toString());
                String key = pointer.substring("s3://large-data/".length());
                JsonNode body = Json.MAPPER.readTree(store.get("large-data", key).orElseThrow());
                assertEquals(96, body.get("texts").size(), "the whole body is in the large-data bucket");
            }
        }
    }

    private static String delivered(String destination) {
        return "bedrock_model_invocation_logs_delivery_total{destination=\"" + destination
                + "\",outcome=\"success\"} 2.0";
    }

    private static String scrape(BedrockService service) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + service.address().getPort() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }
}
