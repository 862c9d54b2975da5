package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.generation.AdmissionPolicy;
import dev.localbedrock.runtime.generation.SchedulerMetrics;
import dev.localbedrock.runtime.generation.WorkerHooks;
import dev.localbedrock.runtime.observe.CallListener;
import dev.localbedrock.runtime.observe.CompletedCall;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.AccessDeniedException;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of call, through the unchanged SDK clients (retries off, so one call is one request) and raw HTTP, leaves
 * exactly one {@link CompletedCall} with the fields the audit trail, metrics and invocation logging need, even with a
 * listener that throws on every call.
 */
class CallRecordsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BODY = "{\"prompt\":\"Hello world\",\"temperature\":0,\"max_gen_len\":6}";
    /** Admitted generations before the quota throttles: invoke, stream, converse, converse stream, disconnect. */
    private static final int QUOTA = 5;

    @TempDir
    Path workDir;
    private BedrockService service;
    private BedrockRuntimeClient sync;
    private BedrockRuntimeAsyncClient async;
    private BedrockClient controlPlane;
    private final Capture calls = new Capture();
    private final FirstTokenGate gate = new FirstTokenGate();
    private final HttpClient http = HttpClient.newHttpClient();

    /** Keeps every call, and asks for bodies as invocation logging does when it is on. */
    static final class Capture implements CallListener {
        final LinkedBlockingQueue<CompletedCall> completed = new LinkedBlockingQueue<>();

        @Override
        public void completed(CompletedCall call) {
            completed.add(call);
        }

        @Override
        public boolean wantsBodies() {
            return true;
        }

        /** The next call's record, which the listener gets just after the client got its answer. */
        CompletedCall next() throws InterruptedException {
            CompletedCall call = completed.poll(30, TimeUnit.SECONDS);
            assertNotNull(call, "no call was recorded");
            return call;
        }
    }

    /** Holds the scheduler at a request's first token while armed, so a client can leave a stream mid-way. */
    static final class FirstTokenGate implements SchedulerMetrics {
        volatile CountDownLatch hold;

        @Override
        public void onFirstToken(long nanos) {
            CountDownLatch latch = hold;
            if (latch != null) {
                try {
                    latch.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @BeforeEach
    void start() throws Exception {
        service = TestServers.startTinyLlama(workDir, "", "requests_per_minute: " + QUOTA + "\n",
                entry -> new WorkerHooks(AdmissionPolicy.FIFO, gate));
        service.callListeners().add(call -> {
            throw new IllegalStateException("a broken listener");
        }).add(calls);
        URI endpoint = URI.create("http://127.0.0.1:" + service.address().getPort());
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "not-a-secret"));
        sync = BedrockRuntimeClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(credentials)
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
        async = BedrockRuntimeAsyncClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(credentials)
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
        controlPlane = BedrockClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(credentials)
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
    }

    @AfterEach
    void stop() throws Exception {
        TestServers.closeAll(sync, async, controlPlane, service);
    }

    @Test
    void everyPathLeavesExactlyOneRecordWithItsFields() throws Exception {
        Map<String, CompletedCall> byId = new HashMap<>();
        List<String> made = new ArrayList<>();

        // InvokeModel: tokens, both bodies.
        InvokeModelResponse invoked = sync.invokeModel(r -> r.modelId(TestServers.LLAMA_ID)
                .contentType("application/json").body(SdkBytes.fromUtf8String(BODY)));
        CompletedCall invoke = record(byId, made, invoked.responseMetadata().requestId());
        assertEquals("bedrock-runtime", invoke.service());
        assertEquals("InvokeModel", invoke.operation());
        assertEquals("POST", invoke.method());
        assertEquals("/model/" + TestServers.LLAMA_ID + "/invoke", invoke.path());
        assertEquals(Map.of("modelId", TestServers.LLAMA_ID), invoke.pathParameters());
        assertEquals(TestServers.LLAMA_ID, invoke.modelId());
        assertEquals("127.0.0.1", invoke.sourceIp());
        assertTrue(invoke.userAgent().contains("aws-sdk-java"), invoke.userAgent());
        assertEquals(200, invoke.httpStatus());
        assertNull(invoke.errorCode());
        assertFalse(invoke.streamed());
        JsonNode answer = JSON.readTree(invoked.body().asByteArray());
        assertEquals(answer.get("prompt_token_count").asInt(), invoke.inputTokens());
        assertEquals(answer.get("generation_token_count").asInt(), invoke.outputTokens());
        assertArrayEquals(BODY.getBytes(StandardCharsets.UTF_8), invoke.requestBody());
        assertArrayEquals(invoked.body().asByteArray(), invoke.responseBody());
        assertTrue(invoke.responseChunks().isEmpty());

        // InvokeModelWithResponseStream: the chunks as the family's JSON, the final totals.
        AtomicReference<String> streamId = new AtomicReference<>();
        List<JsonNode> sdkChunks = new ArrayList<>();
        async.invokeModelWithResponseStream(r -> r.modelId(TestServers.LLAMA_ID).body(SdkBytes.fromUtf8String(BODY)),
                InvokeModelWithResponseStreamResponseHandler.builder()
                        .onResponse(r -> streamId.set(r.responseMetadata().requestId()))
                        .subscriber(InvokeModelWithResponseStreamResponseHandler.Visitor.builder().onChunk(part -> {
                            sdkChunks.add(readTree(part.bytes().asByteArray()));
                        }).build()).build()).get(60, TimeUnit.SECONDS);
        CompletedCall stream = record(byId, made, streamId.get());
        assertEquals("InvokeModelWithResponseStream", stream.operation());
        assertTrue(stream.streamed());
        assertEquals(200, stream.httpStatus());
        assertNull(stream.errorCode());
        assertNull(stream.responseBody());
        JsonNode last = sdkChunks.get(sdkChunks.size() - 1).get("amazon-bedrock-invocationMetrics");
        assertEquals(last.get("inputTokenCount").asInt(), stream.inputTokens());
        assertEquals(last.get("outputTokenCount").asInt(), stream.outputTokens());
        assertEquals(sdkChunks, stream.responseChunks().stream().map(CallRecordsEndToEndTest::readTree).toList());

        // Converse and ConverseStream.
        ConverseResponse conversed = sync.converse(r -> r.modelId(TestServers.LLAMA_ID).messages(user())
                .inferenceConfig(c -> c.maxTokens(4)));
        CompletedCall converse = record(byId, made, conversed.responseMetadata().requestId());
        assertEquals("Converse", converse.operation());
        assertEquals(conversed.usage().inputTokens(), converse.inputTokens());
        assertEquals(conversed.usage().outputTokens(), converse.outputTokens());
        assertNotNull(converse.responseBody());

        AtomicReference<String> converseStreamId = new AtomicReference<>();
        AtomicReference<Integer> streamedOutput = new AtomicReference<>();
        async.converseStream(r -> r.modelId(TestServers.LLAMA_ID).messages(user())
                .inferenceConfig(c -> c.maxTokens(4)), ConverseStreamResponseHandler.builder()
                .onResponse(r -> converseStreamId.set(r.responseMetadata().requestId()))
                .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                        .onMetadata(m -> streamedOutput.set(m.usage().outputTokens())).build())
                .build()).get(60, TimeUnit.SECONDS);
        CompletedCall converseStream = record(byId, made, converseStreamId.get());
        assertEquals("ConverseStream", converseStream.operation());
        assertTrue(converseStream.streamed());
        assertEquals(streamedOutput.get(), converseStream.outputTokens());
        List<JsonNode> events = converseStream.responseChunks().stream().map(CallRecordsEndToEndTest::readTree)
                .toList();
        assertEquals("assistant", events.get(0).get("role").asText(), events.toString());
        assertTrue(events.get(events.size() - 1).has("usage"), events.toString());

        // A ValidationException from the body's decoding: the model is known, no tokens were used.
        ValidationException invalid = assertThrows(ValidationException.class, () -> sync.invokeModel(r -> r
                .modelId(TestServers.LLAMA_ID).body(SdkBytes.fromUtf8String("{\"prompt\":5}"))));
        CompletedCall validation = record(byId, made, invalid.requestId());
        assertError(validation, 400, "ValidationException", invalid);
        assertEquals(TestServers.LLAMA_ID, validation.modelId());
        assertEquals(-1, validation.inputTokens());

        // Model access revoked through the admin endpoint (a call of its own), then an AccessDeniedException.
        HttpResponse<String> revoked = put("/local-bedrock/model-access/" + TestServers.LLAMA_ID,
                "{\"granted\":false}");
        assertEquals(200, revoked.statusCode(), revoked.body());
        CompletedCall admin = record(byId, made, revoked.headers().firstValue("x-amzn-RequestId").orElseThrow());
        assertEquals("local-bedrock", admin.service());
        assertEquals("PutModelAccess", admin.operation());
        AccessDeniedException denied = assertThrows(AccessDeniedException.class, () -> sync.invokeModel(r -> r
                .modelId(TestServers.LLAMA_ID).body(SdkBytes.fromUtf8String(BODY))));
        assertError(record(byId, made, denied.requestId()), 403, "AccessDeniedException", denied);
        HttpResponse<String> granted = put("/local-bedrock/model-access/" + TestServers.LLAMA_ID,
                "{\"granted\":true}");
        record(byId, made, granted.headers().firstValue("x-amzn-RequestId").orElseThrow());

        // A control-plane call, with its query parameters.
        var listed = controlPlane.listFoundationModels(r -> r.byOutputModality("TEXT"));
        CompletedCall list = record(byId, made, listed.responseMetadata().requestId());
        assertEquals("bedrock", list.service());
        assertEquals("ListFoundationModels", list.operation());
        assertEquals(Map.of("byOutputModality", List.of("TEXT")), list.queryParameters());
        assertNull(list.modelId());
        assertNull(list.requestBody(), "bodies are kept for invocations only");

        // An unknown operation and the health check.
        HttpResponse<String> unknown = get("/no-such-operation");
        CompletedCall none = record(byId, made, unknown.headers().firstValue("x-amzn-RequestId").orElseThrow());
        assertEquals(404, none.httpStatus());
        assertEquals("UnknownOperationException", none.errorCode());
        assertNull(none.service());
        assertNull(none.operation());
        HttpResponse<String> ping = get("/ping");
        assertEquals("Ping", record(byId, made, ping.headers().firstValue("x-amzn-RequestId").orElseThrow())
                .operation());

        // A stream whose client leaves after the headers, while the model is held at its first token.
        CompletedCall gone = leaveStreamAfterHeaders();
        made.add(gone.requestId());
        assertEquals(null, byId.put(gone.requestId(), gone));
        assertEquals("ClientDisconnected", gone.errorCode());
        assertEquals(200, gone.httpStatus());
        assertTrue(gone.streamed());
        assertTrue(gone.inputTokens() > 0, "the prompt was processed: " + gone);

        // The quota is used up: throttled.
        ThrottlingException throttled = assertThrows(ThrottlingException.class, () -> sync.invokeModel(r -> r
                .modelId(TestServers.LLAMA_ID).body(SdkBytes.fromUtf8String(BODY))));
        assertError(record(byId, made, throttled.requestId()), 429, "ThrottlingException", throttled);

        // One record per call: a last call's record comes next, none left over from the others.
        String lastId = get("/ping").headers().firstValue("x-amzn-RequestId").orElseThrow();
        assertEquals(lastId, calls.next().requestId());
        assertTrue(calls.completed.isEmpty(), calls.completed.toString());
        assertEquals(made.size(), byId.size());
    }

    private CompletedCall record(Map<String, CompletedCall> byId, List<String> made, String requestId)
            throws InterruptedException {
        assertNotNull(requestId);
        CompletedCall call = calls.next();
        assertEquals(requestId, call.requestId(), "records arrive in call order here: " + call);
        assertNull(byId.put(requestId, call), "a second record of " + requestId);
        made.add(requestId);
        assertTrue(call.latencyMs() >= 0);
        assertNotNull(call.startTime());
        return call;
    }

    private static void assertError(CompletedCall call, int status, String type, AwsServiceException thrown) {
        assertEquals(status, call.httpStatus());
        assertEquals(type, call.errorCode());
        assertEquals(thrown.awsErrorDetails().errorMessage(), call.errorMessage());
        assertTrue(call.failed());
    }

    /** Sends a stream request on a raw socket, reads its 200 headers, then closes the connection. */
    private CompletedCall leaveStreamAfterHeaders() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        gate.hold = hold;
        try {
            try (Socket socket = new Socket("127.0.0.1", service.address().getPort())) {
                byte[] body = BODY.replace("\"max_gen_len\":6", "\"max_gen_len\":40")
                        .getBytes(StandardCharsets.UTF_8);
                OutputStream out = socket.getOutputStream();
                out.write(("POST /model/" + TestServers.LLAMA_ID + "/invoke-with-response-stream HTTP/1.1\r\n"
                        + "Host: localhost\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                InputStream in = socket.getInputStream();
                StringBuilder head = new StringBuilder();
                while (!head.toString().endsWith("\r\n\r\n")) {
                    int b = in.read();
                    assertTrue(b >= 0, "the server closed first: " + head);
                    head.append((char) b);
                }
                assertTrue(head.toString().startsWith("HTTP/1.1 200"), head.toString());
            }
            return calls.next(); // recorded when the connection closed, the model still held at its first token
        } finally {
            hold.countDown();
            gate.hold = null;
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> put(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + service.address().getPort() + path);
    }

    private static Message user() {
        return Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText("Hello there")).build();
    }

    private static JsonNode readTree(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(new String(json, StandardCharsets.UTF_8), e);
        }
    }
}
