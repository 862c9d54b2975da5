package dev.localbedrock.benchmarks.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.localbedrock.codecs.eventstream.EventStreamEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP load generator against a fake Bedrock endpoint (JDK HttpServer) that streams real event-stream frames
 * with a fixed delay per token, so TTFT and inter-token figures are known.
 */
class BedrockHttpTargetTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DELAY_MS = 20;

    private HttpServer server;
    private final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    private final List<String> paths = new CopyOnWriteArrayList<>();
    private final AtomicInteger throttleNext = new AtomicInteger();
    private URI endpoint;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/model/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
        bodies.add(body);
        paths.add(ex.getRequestURI().getRawPath());
        if (throttleNext.getAndDecrement() > 0) {
            byte[] err = "{\"message\":\"Too many requests\"}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("x-amzn-ErrorType", "ThrottlingException");
            ex.sendResponseHeaders(429, err.length);
            ex.getResponseBody().write(err);
            ex.close();
            return;
        }
        int n = body.get("max_gen_len").asInt();
        boolean stream = ex.getRequestURI().getPath().endsWith("/invoke-with-response-stream");
        try (OutputStream out = ex.getResponseBody()) {
            if (!stream) {
                sleep(DELAY_MS * n);
                byte[] b = ("{\"generation\":\"x\",\"prompt_token_count\":7,\"generation_token_count\":" + n
                        + ",\"stop_reason\":\"length\"}").getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, b.length);
                out.write(b);
                return;
            }
            ex.getResponseHeaders().add("Content-Type", "application/vnd.amazon.eventstream");
            ex.sendResponseHeaders(200, 0);
            for (int i = 1; i <= n; i++) {
                sleep(DELAY_MS);
                ObjectNode c = JSON.createObjectNode();
                c.put("generation", " w" + i);
                if (i == 1) {
                    c.put("prompt_token_count", 7);
                } else {
                    c.putNull("prompt_token_count");
                }
                c.put("generation_token_count", i);
                if (i == n) {
                    c.put("stop_reason", "length");
                } else {
                    c.putNull("stop_reason");
                }
                out.write(EventStreamEncoder.chunkEvent(JSON.writeValueAsBytes(c)));
                out.flush();
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Workload workload(boolean stream, int requests) {
        return new Workload("Once upon a time", 7, 10, stream, requests, 1, Duration.ofSeconds(60));
    }

    @Test
    void streamingTimesEveryToken() throws Exception {
        try (BedrockHttpTarget t = new BedrockHttpTarget(endpoint, "meta.llama2-13b-chat-v1", Duration.ofSeconds(30))) {
            RunResult r = LoadRunner.run(t, 2, workload(true, 6));
            assertEquals(6, r.requests());
            assertEquals(6, r.ok(), r.errors().toString());
            assertEquals(60, r.outputTokens());
            assertEquals(10, r.outputTokensMin());
            assertEquals(7, r.promptTokensMin());
            assertEquals(6, r.ttftMillis().count());
            assertTrue(r.ttftMillis().p50() >= DELAY_MS * 0.9, "TTFT " + r.ttftMillis());
            assertEquals(6 * 9, r.itlMillis().count(), "9 gaps per request of 10 tokens");
            assertTrue(r.itlMillis().p50() >= DELAY_MS * 0.8 && r.itlMillis().p50() < DELAY_MS * 5,
                    "ITL " + r.itlMillis());
            assertTrue(r.outputTokensPerSecond() > 0);
        }
        assertEquals(7, bodies.size(), "6 measured + 1 warm-up");
        JsonNode b = bodies.get(0);
        assertEquals("Once upon a time", b.get("prompt").asText());
        assertEquals(0, b.get("temperature").asInt());
        assertEquals(10, b.get("max_gen_len").asInt());
        assertEquals("/model/meta.llama2-13b-chat-v1/invoke-with-response-stream", paths.get(0));
    }

    @Test
    void unaryRequestsCountTokensFromTheBody() throws Exception {
        try (BedrockHttpTarget t = new BedrockHttpTarget(endpoint, "meta.llama2-13b-chat-v1", Duration.ofSeconds(30))) {
            RunResult r = LoadRunner.run(t, 1, workload(false, 2));
            assertEquals(2, r.ok());
            assertEquals(20, r.outputTokens());
            assertEquals(0, r.ttftMillis().count(), "no per-token timing without streaming");
            assertTrue(r.latencyMillis().p50() >= DELAY_MS * 10 * 0.9);
        }
        assertEquals("/model/meta.llama2-13b-chat-v1/invoke", paths.get(0));
    }

    @Test
    void errorsAreCountedWithTheirAwsType() throws Exception {
        throttleNext.set(3); // the warm-up and two measured requests are refused
        try (BedrockHttpTarget t = new BedrockHttpTarget(endpoint, "meta.llama2-13b-chat-v1", Duration.ofSeconds(30))) {
            RunResult r = LoadRunner.run(t, 1, workload(true, 4));
            assertEquals(4, r.requests());
            assertEquals(2, r.ok());
            assertEquals(2, r.errorCount());
            String msg = r.errors().keySet().iterator().next();
            assertTrue(msg.contains("429") && msg.contains("ThrottlingException") && msg.contains("Too many"), msg);
            assertTrue(Reports.table(List.of(r)).contains("ThrottlingException"));
            JsonNode json = r.toJson();
            assertEquals(2, json.get("errors").asInt());
        }
    }

    @Test
    void requestBudgetAndDeadlineBoundTheRun() throws Exception {
        try (BedrockHttpTarget t = new BedrockHttpTarget(endpoint, "m", Duration.ofSeconds(30))) {
            Workload w = new Workload("p", 7, 50, true, 1000, 0, Duration.ofMillis(300));
            RunResult r = LoadRunner.run(t, 2, w);
            assertTrue(r.requests() >= 2 && r.requests() <= 4, "stopped by the deadline: " + r.requests());
        }
    }
}
