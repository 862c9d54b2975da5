package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.runtime.generation.BatchGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.PayloadPart;
import software.amazon.awssdk.services.bedrockruntime.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The unchanged AWS SDK for Java v2 against the real server and real weights: the sync client (HTTP/1.1) for
 * InvokeModel and the async client (HTTP/2 cleartext) for InvokeModelWithResponseStream, with CRC-checked frames.
 */
class JavaSdkEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BODY = "{\"prompt\":\"Hello world\",\"temperature\":0,\"max_gen_len\":12}";

    @TempDir
    static Path workDir;
    static BedrockService service;
    static BedrockRuntimeClient sync;
    static BedrockRuntimeAsyncClient async;

    @BeforeAll
    static void start() throws Exception {
        service = TestServers.startTinyLlama(workDir, "");
        sync = TestServers.syncClient(service);
        async = TestServers.asyncClient(service);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.closeAll(sync, async, service);
    }

    private static InvokeModelResponse invoke(String modelId, String body) {
        return sync.invokeModel(r -> r.modelId(modelId).contentType("application/json").accept("application/json")
                .body(SdkBytes.fromUtf8String(body)));
    }

    @Test
    void invokeModelReturnsTheGreedyGenerationOfTheWeights() throws Exception {
        InvokeModelResponse response = invoke(TestServers.LLAMA_ID, BODY);
        JsonNode json = JSON.readTree(response.body().asUtf8String());

        // The oracle: the same weights driven directly through the engine, no server in between.
        String expected;
        int[] expectedIds;
        try (DecoderModel model = DecoderModels.load(TestServers.tinyLlama(), EngineKind.PYTORCH, "cpu",
                new EngineOptions(256, 0))) {
            int[] prompt = model.tokenizer().encode("Hello world", true);
            expectedIds = new BatchGenerator(model).generate(List.of(prompt), 12, SamplingParameters.greedy(), 0,
                    false).get(0);
            expected = model.tokenizer().decode(expectedIds);
        }
        assertEquals(expected, json.get("generation").asText());
        assertEquals(3, json.get("prompt_token_count").asInt());
        assertEquals(expectedIds.length, json.get("generation_token_count").asInt());
        assertEquals(expectedIds.length == 12 ? "length" : "stop", json.get("stop_reason").asText());
        assertEquals("application/json", response.contentType());
        assertNotNull(response.responseMetadata().requestId());
        var http = response.sdkHttpResponse();
        assertEquals("3", http.firstMatchingHeader("X-Amzn-Bedrock-Input-Token-Count").orElseThrow());
        assertEquals(String.valueOf(expectedIds.length),
                http.firstMatchingHeader("X-Amzn-Bedrock-Output-Token-Count").orElseThrow());
        assertTrue(Long.parseLong(http.firstMatchingHeader("X-Amzn-Bedrock-Invocation-Latency").orElseThrow()) >= 0);
    }

    @Test
    void streamingOverHttp2DeliversTheSameTextChunkByChunk() throws Exception {
        String unary = JSON.readTree(invoke(TestServers.LLAMA_ID, BODY).body().asUtf8String())
                .get("generation").asText();
        List<JsonNode> chunks = new CopyOnWriteArrayList<>();
        List<String> contentTypes = new CopyOnWriteArrayList<>();
        InvokeModelWithResponseStreamResponseHandler handler = InvokeModelWithResponseStreamResponseHandler.builder()
                .onResponse(r -> contentTypes.add(r.contentType()))
                .subscriber(InvokeModelWithResponseStreamResponseHandler.Visitor.builder()
                        .onChunk((PayloadPart part) -> {
                            try {
                                chunks.add(JSON.readTree(part.bytes().asByteArray()));
                            } catch (Exception e) {
                                throw new AssertionError(e);
                            }
                        }).build())
                .build();
        async.invokeModelWithResponseStream(InvokeModelWithResponseStreamRequest.builder()
                .modelId(TestServers.LLAMA_ID).body(SdkBytes.fromUtf8String(BODY)).build(), handler)
                .get(60, TimeUnit.SECONDS);

        assertEquals(List.of("application/json"), contentTypes);
        assertFalse(chunks.isEmpty());
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> text.append(c.get("generation").asText()));
        assertEquals(unary, text.toString());
        assertEquals(3, chunks.get(0).get("prompt_token_count").asInt());
        JsonNode last = chunks.get(chunks.size() - 1);
        assertTrue(last.get("stop_reason").isTextual());
        for (int i = 0; i < chunks.size() - 1; i++) {
            assertTrue(chunks.get(i).get("stop_reason").isNull(), "only the last chunk has a stop_reason");
        }
        JsonNode metrics = last.get("amazon-bedrock-invocationMetrics");
        assertEquals(3, metrics.get("inputTokenCount").asInt());
        assertEquals(last.get("generation_token_count").asInt(), metrics.get("outputTokenCount").asInt());
        assertTrue(metrics.get("firstByteLatency").asLong() <= metrics.get("invocationLatency").asLong());
    }

    @Test
    void versionedIdsAndFoundationModelArnsResolveToTheSameModel() throws Exception {
        String plain = invoke(TestServers.LLAMA_ID, BODY).body().asUtf8String();
        String arn = "arn:aws:bedrock:us-east-1::foundation-model/" + TestServers.LLAMA_ID;
        assertEquals(JSON.readTree(plain).get("generation"),
                JSON.readTree(invoke(arn, BODY).body().asUtf8String()).get("generation"));
        assertEquals(JSON.readTree(plain).get("generation"),
                JSON.readTree(invoke(TestServers.LLAMA_ID + ":0:4k", BODY).body().asUtf8String())
                        .get("generation"));
    }

    @Test
    void unknownModelIsResourceNotFound() {
        ResourceNotFoundException e = assertThrows(ResourceNotFoundException.class,
                () -> invoke("meta.llama2-7b-nonexistent-v1", BODY));
        assertEquals(404, e.statusCode());
        assertNotNull(e.requestId());
    }

    @Test
    void temperatureOutOfRangeIsAValidationErrorNamingFieldAndRange() {
        ValidationException e = assertThrows(ValidationException.class,
                () -> invoke(TestServers.LLAMA_ID, "{\"prompt\":\"Hi\",\"temperature\":7}"));
        assertEquals(400, e.statusCode());
        String message = e.awsErrorDetails().errorMessage();
        assertTrue(message.contains("temperature") && message.contains("0 to 1"), message);
    }

    @Test
    void streamingValidationErrorsArriveBeforeTheStreamAsTypedExceptions() {
        var future = async.invokeModelWithResponseStream(InvokeModelWithResponseStreamRequest.builder()
                        .modelId(TestServers.LLAMA_ID).body(SdkBytes.fromUtf8String("{\"prompt\":\"Hi\",\"top_p\":2}"))
                        .build(),
                InvokeModelWithResponseStreamResponseHandler.builder()
                        .subscriber(InvokeModelWithResponseStreamResponseHandler.Visitor.builder().build()).build());
        Exception e = assertThrows(Exception.class, () -> future.get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof ValidationException, String.valueOf(e.getCause()));
        assertTrue(e.getCause().getMessage().contains("top_p"));
    }

    @Test
    void malformedBodiesAreValidationErrors() {
        for (String body : List.of("not json", "[]", "{}", "{\"prompt\":\"x\",\"max_gen_len\":0}",
                "{\"prompt\":\"x\",\"max_gen_len\":2049}", "{\"prompt\":\"x\",\"unknown\":1}")) {
            assertThrows(ValidationException.class, () -> invoke(TestServers.LLAMA_ID, body), body);
        }
    }
}
