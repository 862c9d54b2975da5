package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.engines.EmbeddingModel;
import dev.localbedrock.engines.EmbeddingModels;
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
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Titan Embeddings ({@code amazon.titan-embed-text-v1}) served by the built-in all-MiniLM-L6-v2, called with the
 * unchanged AWS SDK for Java v2: the sync client over HTTP/1.1 and the async client over h2c, beside a text model.
 */
class EmbeddingSdkEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID = TestServers.TITAN_EMBED_ID;

    @TempDir
    static Path workDir;
    static BedrockService service;
    static BedrockRuntimeClient sync;
    static BedrockRuntimeAsyncClient async;

    @BeforeAll
    static void start() throws Exception {
        service = TestServers.startTinyLlamaAndMiniLm(workDir, "");
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

    private static String body(String text) {
        return JSON.createObjectNode().put("inputText", text).toString();
    }

    private static float[] embed(String text) throws Exception {
        return vector(JSON.readTree(invoke(ID, body(text)).body().asUtf8String()));
    }

    private static float[] vector(JsonNode response) {
        JsonNode embedding = response.get("embedding");
        float[] v = new float[embedding.size()];
        for (int i = 0; i < v.length; i++) {
            assertTrue(embedding.get(i).isNumber());
            v[i] = embedding.get(i).floatValue();
        }
        return v;
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }

    private static double cosine(float[] a, float[] b) {
        return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
    }

    @Test
    void invokeModelAnswersTitanJsonWithTheHeaders() throws Exception {
        InvokeModelResponse response = invoke(ID, body("a cat"));
        JsonNode json = JSON.readTree(response.body().asUtf8String());
        List<String> fields = new ArrayList<>();
        json.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("embedding", "inputTextTokenCount"), fields);
        float[] v = vector(json);
        assertEquals(384, v.length, "all-MiniLM-L6-v2 has 384 dimensions (Titan has 1536)");
        assertEquals(1.0, Math.sqrt(dot(v, v)), 1e-4, "vectors are unit length");
        assertEquals(4, json.get("inputTextTokenCount").asInt(), "[CLS] a cat [SEP]");
        assertEquals("application/json", response.contentType());
        assertNotNull(response.responseMetadata().requestId());
        var http = response.sdkHttpResponse();
        assertEquals("4", http.firstMatchingHeader("X-Amzn-Bedrock-Input-Token-Count").orElseThrow());
        assertEquals("0", http.firstMatchingHeader("X-Amzn-Bedrock-Output-Token-Count").orElseThrow());
        assertTrue(Long.parseLong(http.firstMatchingHeader("X-Amzn-Bedrock-Invocation-Latency").orElseThrow()) >= 0);
    }

    @Test
    void similarMeaningsAreCloserByCosine() throws Exception {
        float[] cat = embed("a cat");
        float[] kitten = embed("a kitten");
        float[] truck = embed("a truck");
        double catKitten = cosine(cat, kitten);
        double catTruck = cosine(cat, truck);
        assertTrue(catKitten > catTruck, "cos(cat, kitten)=" + catKitten + " cos(cat, truck)=" + catTruck);
    }

    @Test
    void theServerReturnsWhatTheEngineComputesAndTheSameTextTheSameVector() throws Exception {
        String text = "Local Bedrock serves embeddings.";
        float[] served = embed(text);
        float[] expected;
        try (EmbeddingModel model = EmbeddingModels.load("builtin:all-MiniLM-L6-v2", "cpu")) {
            expected = model.embed(List.of(text))[0];
        }
        assertEquals(expected.length, served.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], served[i], 1e-5, "dimension " + i);
        }
        float[] again = embed(text);
        assertTrue(cosine(served, again) > 0.99999);
    }

    @Test
    void asyncClientOverHttp2AndVersionedIdsAndArnsReachTheSameModel() throws Exception {
        float[] plain = embed("a cat");
        InvokeModelResponse viaH2 = async.invokeModel(r -> r.modelId(ID).contentType("application/json")
                .body(SdkBytes.fromUtf8String(body("a cat")))).get(30, TimeUnit.SECONDS);
        assertEquals("application/json", viaH2.contentType());
        assertTrue(cosine(plain, vector(JSON.readTree(viaH2.body().asUtf8String()))) > 0.99999);
        for (String id : List.of(ID + ":2:8k", "arn:aws:bedrock:us-east-1::foundation-model/" + ID)) {
            assertTrue(cosine(plain, vector(JSON.readTree(invoke(id, body("a cat")).body().asUtf8String())))
                    > 0.99999, id);
        }
    }

    @Test
    void badBodiesAreValidationErrorsNamingTheField() {
        for (String bad : List.of("not json", "[]", "{}", "{\"inputText\":\"\"}", "{\"inputText\":5}",
                "{\"inputText\":\"a\",\"dimensions\":256}", "{\"prompt\":\"a cat\"}")) {
            ValidationException e = assertThrows(ValidationException.class, () -> invoke(ID, bad), bad);
            assertEquals(400, e.statusCode());
            assertNotNull(e.requestId());
        }
        ValidationException missing = assertThrows(ValidationException.class, () -> invoke(ID, "{}"));
        assertTrue(missing.awsErrorDetails().errorMessage().contains("required key [inputText] not found"),
                missing.awsErrorDetails().errorMessage());
        ValidationException extra = assertThrows(ValidationException.class,
                () -> invoke(ID, "{\"inputText\":\"a\",\"normalize\":true}"));
        assertTrue(extra.awsErrorDetails().errorMessage().contains("extraneous key [normalize]"),
                extra.awsErrorDetails().errorMessage());
    }

    @Test
    void aTextOverTheModelsTokenLimitIsRefusedNamingTheLimit() {
        ValidationException e = assertThrows(ValidationException.class, () -> invoke(ID, body("cat ".repeat(300))));
        String message = e.awsErrorDetails().errorMessage();
        assertEquals("400 Bad Request: Too many input tokens. Max input tokens: 256, request input token count: 302",
                message);
    }

    @Test
    void streamingAnEmbeddingModelIsAValidationError() {
        AtomicInteger events = new AtomicInteger();
        var future = async.invokeModelWithResponseStream(InvokeModelWithResponseStreamRequest.builder()
                        .modelId(ID).body(SdkBytes.fromUtf8String(body("a cat"))).build(),
                InvokeModelWithResponseStreamResponseHandler.builder()
                        .subscriber(InvokeModelWithResponseStreamResponseHandler.Visitor.builder()
                                .onDefault(event -> events.incrementAndGet()).build()).build());
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(30, TimeUnit.SECONDS));
        ValidationException cause = assertInstanceOf(ValidationException.class, e.getCause());
        assertEquals(400, cause.statusCode());
        assertEquals("The model is unsupported for streaming.", cause.awsErrorDetails().errorMessage());
        assertEquals(0, events.get());
    }

    @Test
    void theTextModelBesideItIsUntouched() throws Exception {
        JsonNode json = JSON.readTree(invoke(TestServers.LLAMA_ID,
                "{\"prompt\":\"Hello world\",\"temperature\":0,\"max_gen_len\":4}").body().asUtf8String());
        assertEquals(3, json.get("prompt_token_count").asInt());
        assertThrows(ValidationException.class, () -> invoke(TestServers.LLAMA_ID, body("a cat")),
                "a Titan body is not a Llama body");
    }

    @Test
    void anUnsupportedAcceptIsRefusedAsForText() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create("http://127.0.0.1:" + service.address().getPort() + "/model/" + ID + "/invoke");
        HttpRequest request = HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/json").header("Accept", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(body("a cat"))).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(400, response.statusCode());
        assertEquals("ValidationException", response.headers().firstValue("x-amzn-ErrorType").orElseThrow());
    }
}
