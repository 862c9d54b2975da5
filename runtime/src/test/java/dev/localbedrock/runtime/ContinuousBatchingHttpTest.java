package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.codecs.eventstream.EventStreamDecoder;
import dev.localbedrock.codecs.eventstream.EventStreamMessage;
import dev.localbedrock.runtime.generation.AdmissionPolicy;
import dev.localbedrock.runtime.generation.InMemorySchedulerMetrics;
import dev.localbedrock.runtime.generation.QueuedRequest;
import dev.localbedrock.runtime.generation.SchedulerLoad;
import dev.localbedrock.runtime.generation.StepStats;
import dev.localbedrock.runtime.generation.WorkerHooks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scheduler behind the real server: concurrency, overload, disconnects and deadlines over HTTP. */
class ContinuousBatchingHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INVOKE = "/model/" + TestServers.LLAMA_ID + "/invoke";
    private static final String STREAM = "/model/" + TestServers.LLAMA_ID + "/invoke-with-response-stream";

    @TempDir
    Path workDir;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** An admission policy the test opens and closes: while closed, requests queue but none starts. */
    static final class Gate implements AdmissionPolicy {
        final AtomicBoolean open = new AtomicBoolean(true);

        @Override
        public boolean mayStart(QueuedRequest request, SchedulerLoad load) {
            return open.get();
        }
    }

    private static String body(String prompt, int maxGenLen) {
        return "{\"prompt\":\"" + prompt + "\",\"temperature\":0,\"max_gen_len\":" + maxGenLen + "}";
    }

    private CompletableFuture<HttpResponse<String>> post(BedrockService service, String path, String body) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.address().getPort()
                        + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void concurrentGreedyRequestsReturnExactlyWhatEachReturnsAlone() throws Exception {
        String[] prompts = {"Hello world", "The quick brown fox jumps over the lazy dog", "[INST] Name three rivers."
                + " [/INST]", "a", "Once upon a time, in a land far, far away, there lived a", "1 2 3 4 5 6 7 8"};
        int[] maxGen = {40, 7, 25, 60, 18, 33};
        try (BedrockService service = TestServers.startTinyLlama(workDir, "",
                "max_running_sequences: 3\nmax_tokens_per_step: 8\n")) {
            List<JsonNode> alone = new ArrayList<>();
            for (int i = 0; i < prompts.length; i++) {
                alone.add(json(post(service, INVOKE, body(prompts[i], maxGen[i])).get().body()));
            }
            List<CompletableFuture<HttpResponse<String>>> batched = new ArrayList<>();
            for (int i = 0; i < prompts.length; i++) {
                batched.add(post(service, i % 2 == 0 ? INVOKE : STREAM, body(prompts[i], maxGen[i])));
                Thread.sleep(i); // staggered arrivals (the result must not depend on them)
            }
            for (int i = 0; i < prompts.length; i++) {
                HttpResponse<String> r = batched.get(i).get(60, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
                if (i % 2 == 0) {
                    assertEquals(alone.get(i), json(r.body()), "request " + i);
                } else {
                    assertEquals(alone.get(i).get("generation").asText(), streamedText(r.body()), "request " + i);
                }
            }
            ServedModel.Text served = (ServedModel.Text) service.registry().served().get(0);
            InMemorySchedulerMetrics metrics = (InMemorySchedulerMetrics) served.worker().metrics();
            assertTrue(metrics.snapshot().tokensPerStep().max() <= 8);
        }
    }

    @Test
    void anOverloadGets429AtOnceForTheExcessWhileEveryAdmittedRequestCompletes() throws Exception {
        Gate gate = new Gate();
        int queue = 4;
        try (BedrockService service = TestServers.startTinyLlama(workDir, "",
                "max_queue: " + queue + "\nmax_running_sequences: 2\n",
                entry -> new WorkerHooks(gate, new InMemorySchedulerMetrics()))) {
            gate.open.set(false);
            List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
            for (int i = 0; i < 4 * queue; i++) {
                sent.add(post(service, i % 2 == 0 ? INVOKE : STREAM, body("Request number " + i, 20)));
            }
            // While nothing may start, the excess is answered: 429 ThrottlingException without waiting for work.
            int throttled = 0;
            await(() -> sent.stream().filter(CompletableFuture::isDone).count() == 3L * queue, "the 429s");
            for (CompletableFuture<HttpResponse<String>> f : sent) {
                if (f.isDone()) {
                    HttpResponse<String> r = f.get();
                    assertEquals(429, r.statusCode(), r.body());
                    assertEquals("ThrottlingException", r.headers().firstValue("x-amzn-ErrorType").orElse(null));
                    assertTrue(json(r.body()).get("message").asText().contains("Too many requests"));
                    throttled++;
                }
            }
            assertEquals(3 * queue, throttled);
            assertEquals(queue, ((ServedModel.Text) service.registry().served().get(0)).worker().queueLength());
            gate.open.set(true);
            int completed = 0;
            for (int i = 0; i < sent.size(); i++) {
                HttpResponse<String> r = sent.get(i).get(60, TimeUnit.SECONDS);
                if (r.statusCode() == 200) {
                    completed++;
                    List<JsonNode> chunks = i % 2 == 0 ? List.of(json(r.body())) : chunks(r.body());
                    assertTrue(chunks.get(chunks.size() - 1).get("stop_reason").isTextual(), r.body());
                }
            }
            assertEquals(queue, completed, "every admitted request completed");
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + service.address().getPort() + "/ping")).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertEquals(200, post(service, INVOKE, body("still healthy", 5)).get(60, TimeUnit.SECONDS)
                    .statusCode());
        }
    }

    @Test
    void disconnectedStreamsLeaveTheBatchAtTheNextStepWithTheirKvFreed() throws Exception {
        InMemorySchedulerMetrics metrics = new InMemorySchedulerMetrics();
        int clients = 3;
        try (BedrockService service = TestServers.startTinyLlama(workDir, "",
                "max_context_tokens: 2048\nmax_running_sequences: 4\n",
                entry -> new WorkerHooks(AdmissionPolicy.FIFO, metrics))) {
            List<Socket> sockets = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                Socket socket = new Socket("127.0.0.1", service.address().getPort());
                byte[] payload = body("Tell me a very long story number " + i, 2048).getBytes(StandardCharsets.UTF_8);
                OutputStream out = socket.getOutputStream();
                out.write(("POST " + STREAM + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + payload.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(payload);
                out.flush();
                sockets.add(socket);
            }
            for (Socket socket : sockets) {
                readUntilAChunkArrives(socket.getInputStream());
            }
            // A step's statistics are recorded after the step, so a chunk can arrive before its step is counted.
            await(() -> metrics.snapshot().lastStep() != null, "the first step to be recorded");
            StepStats running = metrics.snapshot().lastStep();
            assertTrue(running.kvReservedTokens() > 0);
            for (Socket socket : sockets) {
                socket.close();
            }
            await(() -> metrics.snapshot().lastStep().runningSequences() == 0, "the cancelled sequences to leave");
            List<StepStats> steps = metrics.recentSteps();
            int retired = 0;
            for (StepStats step : steps) {
                retired += step.retiredSequences();
                if (retired == clients) {
                    // The step that saw the last disconnect already reports the KV free and nobody running.
                    assertEquals(0, step.kvReservedTokens(), step.toString());
                    assertEquals(0, step.runningSequences(), step.toString());
                    assertEquals(0, step.batchSize(), "nothing else ran in it");
                    break;
                }
            }
            assertEquals(clients, retired, "every disconnected client's sequence was retired, none completed");
            assertEquals(0, metrics.snapshot().lastStep().kvReservedTokens());
            assertEquals(200, post(service, INVOKE, body("after the storm", 5)).get(60, TimeUnit.SECONDS)
                    .statusCode());
        }
    }

    /** A body read as ISO-8859-1 (every byte one char), parsed as the UTF-8 JSON it is. */
    private static JsonNode json(String body) throws Exception {
        return JSON.readTree(body.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The concatenated {@code generation} of an event-stream body (read as ISO-8859-1, so bytes survive). */
    private static String streamedText(String body) throws Exception {
        StringBuilder text = new StringBuilder();
        for (JsonNode chunk : chunks(body)) {
            text.append(chunk.get("generation").asText());
        }
        return text.toString();
    }

    /** The chunk JSONs of an event-stream body. */
    private static List<JsonNode> chunks(String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.ISO_8859_1);
        List<JsonNode> chunks = new ArrayList<>();
        for (EventStreamMessage m : new EventStreamDecoder().feed(bytes, 0, bytes.length)) {
            JsonNode envelope = JSON.readTree(m.payload());
            chunks.add(JSON.readTree(java.util.Base64.getDecoder().decode(envelope.get("bytes").asText())));
        }
        return chunks;
    }

    private static void readUntilAChunkArrives(InputStream in) throws Exception {
        StringBuilder seen = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (true) {
            int n = in.read(buffer);
            if (n < 0) {
                throw new AssertionError("stream ended early: " + seen);
            }
            seen.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            int headersEnd = seen.indexOf("\r\n\r\n");
            if (headersEnd >= 0 && seen.indexOf(":event-type", headersEnd) >= 0) {
                assertTrue(seen.toString().startsWith("HTTP/1.1 200"), seen.toString());
                return;
            }
        }
    }

    @Test
    void aRequestPastItsDeadlineEndsWithModelTimeoutException() throws Exception {
        Gate gate = new Gate();
        try (BedrockService service = TestServers.startTinyLlama(workDir, "",
                "request_timeout_seconds: 0.2\nmax_queue_wait_seconds: 30\n",
                entry -> new WorkerHooks(gate, new InMemorySchedulerMetrics()))) {
            gate.open.set(false); // held past its deadline
            HttpResponse<String> unary = post(service, INVOKE, body("too slow", 10)).get(60, TimeUnit.SECONDS);
            HttpResponse<String> stream = post(service, STREAM, body("too slow", 10)).get(60, TimeUnit.SECONDS);
            for (HttpResponse<String> r : List.of(unary, stream)) {
                assertEquals(408, r.statusCode(), r.body());
                assertEquals("ModelTimeoutException", r.headers().firstValue("x-amzn-ErrorType").orElse(null));
                assertTrue(json(r.body()).get("message").asText().contains("timed out"));
            }
            gate.open.set(true);
            assertEquals(0, ((ServedModel.Text) service.registry().served().get(0)).worker().queueLength());
        }
    }
}
