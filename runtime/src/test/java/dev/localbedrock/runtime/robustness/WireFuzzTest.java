package dev.localbedrock.runtime.robustness;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.codecs.eventstream.EventStreamDecoder;
import dev.localbedrock.codecs.eventstream.EventStreamMessage;
import dev.localbedrock.runtime.BedrockService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fuzzes the wire: Jazzer (coverage-guided, libFuzzer) drives {@link WireRequests} to build requests for every
 * operation of every family ({@link WireFamily}: one served id each), over HTTP/1.1 and h2c, and each answer must be
 * an AWS-shaped 4xx or a real success: never a 5xx, never a hang (every request has a client timeout); the server
 * must still serve every family's valid requests every {@value #HEALTH_EVERY} requests and at the end, and then hold
 * no batch slot, KV reservation, queued request or engine tensor beyond what it held before the first input.
 *
 * <p>Runs only in its own surefire execution (tag {@code robustness}, Jazzer's fuzzing mode): 5 000 requests in
 * CI, 100 000 with {@code -Drobustness.form=long}. A failure leaves a reproducer under {@code target/}.
 */
@Tag("wire-fuzz")
class WireFuzzTest {
    static final int HEALTH_EVERY = 250;
    /** Big enough for the 10 MB strings to reach the codecs and tokenizers; bodies above it are refused. */
    static final int MAX_BODY_BYTES = 12_000_000;
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path workDir;
    static BedrockService service;
    static String base;
    static final HttpClient HTTP1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CLIENT_TIMEOUT).build();
    static final HttpClient H2C = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
            .connectTimeout(CLIENT_TIMEOUT).build();
    static final OutcomeTally TALLY = new OutcomeTally();
    static long startMillis;
    static int hugeSent;
    /** Successful answers by family and operation, for the summary: every family must be reached, not only parsed. */
    static final java.util.Map<String, Long> SUCCESSES = new java.util.TreeMap<>();
    /** The text model's native tensors when idle (its weights), taken before the first input. */
    static long idleTensors;

    @BeforeAll
    static void start() throws Exception {
        WireFuzzCompletedTest.clear();
        service = RobustnessServers.startEveryFamily(workDir, "max_body_bytes: " + MAX_BODY_BYTES,
                "max_context_tokens: 64");
        base = "http://127.0.0.1:" + service.address().getPort();
        // The JDK client reaches h2c by an Upgrade on its first request; later ones reuse the HTTP/2 connection.
        H2C.send(HttpRequest.newBuilder(URI.create(base + "/ping")).build(), HttpResponse.BodyHandlers.discarding());
        idleTensors = RobustnessServers.Holdings.of(RobustnessServers.llamaWorker(service)).engineTensors();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (service != null) {
                servesValidRequests(List.of(HTTP1, H2C));
                RobustnessServers.Holdings held = RobustnessServers.awaitIdle(
                        RobustnessServers.llamaWorker(service), idleTensors);
                assertEquals(new RobustnessServers.Holdings(0, 0, 0, idleTensors), held,
                        "the text model still holds KV, queued requests, sequences or tensors after the fuzzing");
                String summary = TALLY.summary(System.currentTimeMillis() - startMillis) + "; successes "
                        + SUCCESSES;
                System.out.println(summary);
                WireFuzzCompletedTest.record(TALLY.requests(), summary);
            }
        } finally {
            if (service != null) {
                service.close();
            }
        }
    }

    @FuzzTest(maxExecutions = 5000)
    void everyAnswerIsAnAwsErrorOrASuccess(FuzzedDataProvider in) throws Exception {
        // The raw clients open sockets; Jazzer's SSRF detector allows them to this server only.
        int port = service.address().getPort();
        com.code_intelligence.jazzer.api.BugDetectors.allowNetworkConnections(
                (host, p) -> p == port && (host.equals("127.0.0.1") || host.equals("localhost")));
        if (startMillis == 0) {
            startMillis = System.currentTimeMillis();
        }
        // About one 10 MB (or over-limit) body per 500 requests: they cost a tokenizer pass each.
        HostileBodies bodies = new HostileBodies(in, (int) (TALLY.requests() / 500) + 1, hugeSent);
        WireRequest request = WireRequests.next(in, bodies, MAX_BODY_BYTES);
        hugeSent = bodies.hugeSent();
        checkAnswer(request, send(request));
        if (TALLY.requests() % HEALTH_EVERY == 0) {
            // One protocol per check, alternating, so the checks of seven families cost what three did.
            servesValidRequests(List.of(TALLY.requests() / HEALTH_EVERY % 2 == 0 ? HTTP1 : H2C));
        }
    }

    /** One answer, whichever client fetched it: status, a header lookup (any case), the body and the protocol. */
    private record Answer(int status, java.util.function.Function<String, String> header, byte[] body,
                          String protocol) {
    }

    private static Answer send(WireRequest request) throws Exception {
        if (request.shape().equals(HostileBodies.Shape.OVER_LIMIT.name())) {
            return sendRaw(request);
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + request.path()))
                .timeout(CLIENT_TIMEOUT)
                .expectContinue(request.expectContinue())
                .method(request.method(), HttpRequest.BodyPublishers.ofByteArray(request.body()));
        if (request.contentType() != null) {
            b.header("Content-Type", request.contentType());
        }
        if (request.accept() != null) {
            b.header(request.isStream() ? "X-Amzn-Bedrock-Accept" : "Accept", request.accept());
        }
        // The request timeout alone is not enough: the JDK client does not apply it in every state, so the
        // whole exchange is bounded here too. An AssertionError is a finding: Jazzer stops and the test fails.
        java.util.concurrent.CompletableFuture<HttpResponse<byte[]>> answer = (request.http2() ? H2C : HTTP1)
                .sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        HttpResponse<byte[]> r;
        try {
            r = answer.get(CLIENT_TIMEOUT.toSeconds() + 5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            answer.cancel(true);
            if (e instanceof java.util.concurrent.ExecutionException && !(e.getCause()
                    instanceof java.net.http.HttpTimeoutException)) {
                throw new AssertionError("the exchange failed (" + e.getCause() + ") for " + request, e.getCause());
            }
            throw new AssertionError("no answer within " + CLIENT_TIMEOUT + " to " + request, e);
        }
        return new Answer(r.statusCode(), name -> r.headers().firstValue(name).orElse(null), r.body(),
                r.version() == HttpClient.Version.HTTP_2 ? "h2c" : "http/1.1");
    }

    /**
     * Bodies over the limit go over raw clients. The server answers them at once (400, then it closes the HTTP/1.1
     * connection or resets the h2 stream), but JDK 17's client never completes such an exchange: over h2c it waits
     * for window to finish the upload of a stream the server has answered and reset, and with Expect: 100-continue
     * over HTTP/1.1 it does not take the final 400 in place of the 100. Its timeout would say nothing about the server.
     */
    private static Answer sendRaw(WireRequest request) throws Exception {
        int port = service.address().getPort();
        if (request.http2()) {
            try (RawH2 h2 = RawH2.open(port, (int) CLIENT_TIMEOUT.toMillis())) {
                RawH2.Answer a = h2.exchange(request.method(), request.path(), request.contentType(), request.accept(),
                        request.body());
                if (a.status() < 0) {
                    throw new AssertionError("stream reset (error " + a.resetCode() + ") without an answer to "
                            + request);
                }
                return new Answer(a.status(), name -> a.headers().get(name.toLowerCase(java.util.Locale.ROOT)),
                        a.body(), "h2c");
            }
        }
        try (java.net.Socket socket = RawHttp.connect(port)) {
            socket.setSoTimeout((int) CLIENT_TIMEOUT.toMillis());
            String head = request.method() + " " + request.path() + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Connection: close\r\n"
                    + (request.contentType() == null ? "" : "Content-Type: " + request.contentType() + "\r\n")
                    + (request.accept() == null ? "" : (request.isStream() ? "X-Amzn-Bedrock-Accept: " : "Accept: ")
                    + request.accept() + "\r\n")
                    + (request.expectContinue() ? "Expect: 100-continue\r\n" : "")
                    + "Content-Length: " + request.body().length + "\r\n\r\n";
            java.io.OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            if (!request.expectContinue()) {
                try {
                    out.write(request.body());
                    out.flush();
                } catch (java.io.IOException closedEarly) {
                    // The server may answer and close before the whole body is written: the answer is read below.
                }
            }
            byte[] all;
            try {
                all = socket.getInputStream().readAllBytes();
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("no answer within " + CLIENT_TIMEOUT + " to " + request, e);
            }
            RawHttp.Reply reply = RawHttp.parse(all);
            return new Answer(reply.status(), name -> reply.headers().get(name.toLowerCase(java.util.Locale.ROOT)),
                    reply.body(), "http/1.1");
        }
    }

    private static void checkAnswer(WireRequest request, Answer r) throws Exception {
        int status = r.status();
        String errorType = r.header().apply("x-amzn-ErrorType");
        TALLY.record(request, status, errorType, r.protocol());
        String where = " for " + request + "; answer " + status + " " + new String(r.body(), 0,
                Math.min(r.body().length, 300), java.nio.charset.StandardCharsets.UTF_8);
        if (status >= 400 && status < 500) {
            assertTrue(errorType != null && !errorType.isEmpty(), "4xx without x-amzn-ErrorType" + where);
            assertTrue(r.header().apply("x-amzn-RequestId") != null, "no x-amzn-RequestId" + where);
            if (!request.method().equals("HEAD")) {
                assertEquals("application/json", r.header().apply("content-type"), where);
                JsonNode body = JSON.readTree(r.body());
                assertTrue(body != null && body.path("message").isTextual(), "no JSON message" + where);
            }
        } else if (status == 200) {
            checkSuccess(request, r, where);
        } else {
            fail("neither an AWS-shaped 4xx nor a 200" + where);
        }
    }

    private static void checkSuccess(WireRequest request, Answer r, String where) throws Exception {
        if (request.path().equals("/ping") || request.method().equals("HEAD")) {
            return;
        }
        WireFamily family = WireFamily.ofPath(request.path());
        assertTrue(family != null, "200 on a path that is no operation" + where);
        if (request.isStream()) {
            assertTrue(family.streams, family + " does not stream, yet its stream route answered 200" + where);
            assertEquals("application/vnd.amazon.eventstream", r.header().apply("content-type"), where);
            List<EventStreamMessage> messages = new EventStreamDecoder().feed(r.body(), 0, r.body().length);
            assertTrue(!messages.isEmpty(), "empty stream" + where);
            for (EventStreamMessage m : messages) {
                assertEquals("event", m.headers().get(":message-type"), "stream exception" + where);
            }
        } else {
            JsonNode body = JSON.readTree(r.body());
            assertTrue(body.has(family.resultKey), "200 without " + family.resultKey + where);
        }
        synchronized (SUCCESSES) {
            SUCCESSES.merge(family + (request.isStream() ? " stream" : " invoke"), 1L, Long::sum);
        }
    }

    /** A normal client's requests to every family's operations, on the given protocols, still succeed. */
    static void servesValidRequests(List<HttpClient> clients) throws Exception {
        for (HttpClient client : clients) {
            for (WireFamily family : WireFamily.values()) {
                check(client, family.invokePath(), family.healthBody);
                if (family.streams) {
                    check(client, family.streamPath(), family.healthBody);
                }
            }
        }
        TALLY.healthCheckPassed();
    }

    private static void check(HttpClient client, String path, String body) throws Exception {
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(base + path))
                .timeout(CLIENT_TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), "a valid request to " + path + " failed after " + TALLY.requests()
                + " fuzzed requests: " + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
    }
}
