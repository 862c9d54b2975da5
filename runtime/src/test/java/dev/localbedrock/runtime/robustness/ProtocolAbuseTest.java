package dev.localbedrock.runtime.robustness;

import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.generation.InMemorySchedulerMetrics;
import dev.localbedrock.runtime.generation.ModelWorker;
import dev.localbedrock.runtime.generation.StepStats;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.localbedrock.runtime.robustness.RawH2.CANCEL;
import static dev.localbedrock.runtime.robustness.RawH2.COMPRESSION_ERROR;
import static dev.localbedrock.runtime.robustness.RawH2.CONTINUATION;
import static dev.localbedrock.runtime.robustness.RawH2.DATA;
import static dev.localbedrock.runtime.robustness.RawH2.END_HEADERS;
import static dev.localbedrock.runtime.robustness.RawH2.END_STREAM;
import static dev.localbedrock.runtime.robustness.RawH2.ENHANCE_YOUR_CALM;
import static dev.localbedrock.runtime.robustness.RawH2.FRAME_SIZE_ERROR;
import static dev.localbedrock.runtime.robustness.RawH2.GOAWAY;
import static dev.localbedrock.runtime.robustness.RawH2.HEADERS;
import static dev.localbedrock.runtime.robustness.RawH2.PING;
import static dev.localbedrock.runtime.robustness.RawH2.PROTOCOL_ERROR;
import static dev.localbedrock.runtime.robustness.RawH2.REFUSED_STREAM;
import static dev.localbedrock.runtime.robustness.RawH2.RST_STREAM;
import static dev.localbedrock.runtime.robustness.RawH2.SETTINGS;
import static dev.localbedrock.runtime.robustness.RawH2.WINDOW_UPDATE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Protocol abuse against the real server (tiny-random-llama, HTTP/1.1 and h2c on one port), over raw sockets so
 * each abuse is exactly what a hostile client would send. Each test checks that the limit holds (408, 431, GOAWAY,
 * a reset or a close, within a generous bound), then that the model's scheduler holds no running sequence, no
 * reserved KV and no queued request, and that a normal request is still served. Timeouts are made small through the
 * server section of models.yaml so the whole class runs in seconds; each test prints what it measured.
 */
@Tag("robustness")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProtocolAbuseTest {
    private static final String MODEL = TestServers.LLAMA_ID;
    private static final String INVOKE = "/model/" + MODEL + "/invoke";
    private static final String STREAM = "/model/" + MODEL + "/invoke-with-response-stream";
    private static final String SMALL_BODY = "{\"prompt\":\"Hello\",\"temperature\":0,\"max_gen_len\":4}";
    /** Long enough to outlast the send buffers and the write stall timeout at this model's speed. */
    private static final String LONG_BODY = "{\"prompt\":\"Hello\",\"temperature\":0,\"max_gen_len\":2000}";
    private static final double IDLE_S = 1.0;
    private static final double HEADER_S = 0.5;
    private static final double BODY_S = 0.5;
    private static final double STALL_S = 0.5;
    private static final int MAX_HEADER_BYTES = 4096;
    private static final int MAX_STREAMS = 8;
    /** Generous bound on "the server acted": the configured timeout plus this. */
    private static final long SLACK_MILLIS = 5_000;

    /** Every read on a test's connection waits at most this long. */
    private static final int READ_MILLIS = 15_000;

    @TempDir
    static Path workDir;
    static BedrockService service;
    static InMemorySchedulerMetrics metrics;
    static ModelWorker worker;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        metrics = new InMemorySchedulerMetrics();
        service = RobustnessServers.startRecorded(workDir, """
                idle_timeout_seconds: %s
                request_header_timeout_seconds: %s
                request_body_timeout_seconds: %s
                write_stall_timeout_seconds: %s
                max_header_bytes: %d
                max_concurrent_streams: %d
                """.formatted(IDLE_S, HEADER_S, BODY_S, STALL_S, MAX_HEADER_BYTES, MAX_STREAMS), metrics);
        port = service.address().getPort();
        worker = RobustnessServers.llamaWorker(service);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    /** After every abuse: nothing left in the scheduler, and the server still answers a normal request. */
    @AfterEach
    void serverIsClean() throws Exception {
        long freedAfter = awaitSchedulerIdle();
        assertEquals(200, invokeOverHttp1(), "a normal request after the abuse");
        System.out.printf("[abuse]   scheduler idle %d ms after the check began; normal request served%n", freedAfter);
    }

    // ---------------------------------------------------------------- HTTP/1.1

    @Test
    void silentConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        try (Socket s = connect()) {
            long t0 = System.nanoTime();
            assertEquals(-1, s.getInputStream().read(), "closed without a response");
            long ms = millisSince(t0);
            report("idle HTTP/1.1 connection", "idle_timeout " + IDLE_S + " s", "closed silently after " + ms + " ms");
            assertBound(ms, IDLE_S);
        }
    }

    @Test
    void slowHeadersGet408AndAClose() throws Exception {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            long t0 = System.nanoTime();
            out.write(("POST " + INVOKE + " HTTP/1.1\r\nHost: localhost\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // One header byte every 100 ms: never finishes within the header timeout.
            Thread trickle = trickle(out, "X-Slow: " + "a".repeat(200));
            Http1Response r = Http1Response.read(s.getInputStream());
            long ms = millisSince(t0);
            trickle.interrupt();
            assertAwsError(r, 408, "RequestTimeoutException", "headers");
            assertClosed(s);
            report("slow headers (slowloris)", "request_header_timeout " + HEADER_S + " s", "408 after " + ms + " ms, closed");
            assertBound(ms, HEADER_S);
        }
    }

    @Test
    void slowBodyGets408AndAClose() throws Exception {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write(("POST " + INVOKE + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + LONG_BODY.length() + "\r\n\r\n{\"pro").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long t0 = System.nanoTime();
            Thread trickle = trickle(out, LONG_BODY.substring(5));
            Http1Response r = Http1Response.read(s.getInputStream());
            long ms = millisSince(t0);
            trickle.interrupt();
            assertAwsError(r, 408, "RequestTimeoutException", "body");
            assertClosed(s);
            report("slow body (HTTP/1.1)", "request_body_timeout " + BODY_S + " s", "408 after " + ms + " ms, closed");
            assertBound(ms, BODY_S);
        }
    }

    @Test
    void oversizedHeadersGet431AndAClose() throws Exception {
        try (Socket s = connect()) {
            long t0 = System.nanoTime();
            s.getOutputStream().write(("POST " + INVOKE + " HTTP/1.1\r\nHost: localhost\r\nX-Big: "
                    + "b".repeat(MAX_HEADER_BYTES + 1) + "\r\nContent-Length: " + SMALL_BODY.length() + "\r\n\r\n"
                    + SMALL_BODY).getBytes(StandardCharsets.US_ASCII));
            Http1Response r = Http1Response.read(s.getInputStream());
            long ms = millisSince(t0);
            assertAwsError(r, 431, "ValidationException", String.valueOf(MAX_HEADER_BYTES));
            assertClosed(s);
            report("oversized headers (HTTP/1.1)", "max_header_bytes " + MAX_HEADER_BYTES, "431 after " + ms + " ms, closed");
        }
    }

    /**
     * Over loopback the kernel's send buffer (autotuned up to megabytes) swallows this model's whole stream, so the
     * server-side buffer never fills: the generation finishes, the response sits in the kernel, and the idle timeout
     * closes the connection. On a slower link the stall guard cancels it instead (the HTTP/2 test below forces that
     * path with a zero window). Either way the server must close the connection with no help from the client and
     * free the slot; which way it went is printed.
     */
    @Test
    void streamNobodyReadsEndsAndFreesItsSlot() throws Exception {
        long stepBefore = stepSoFar();
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096); // before connect, so the advertised window stays small
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port));
            long t0 = System.nanoTime();
            s.getOutputStream().write(http1Post(STREAM, LONG_BODY, false));
            s.getOutputStream().flush();
            // Read nothing until the generation has left the scheduler, then as long again as the server may take.
            awaitStepAfter(stepBefore);
            awaitSchedulerIdle();
            long ended = millisSince(t0);
            // 3 s of slack over the server's own limits: its timers run late on a loaded machine.
            Thread.sleep((long) ((Math.max(IDLE_S, STALL_S) + 3) * 1000));
            // Closed before we read anything: the close is queued behind the data, so it arrives right after it.
            // Had the server waited for us, reading would let it finish and close only an idle timeout later.
            s.setSoTimeout((int) (IDLE_S * 1000 / 2));
            byte[] received;
            try {
                received = drain(s.getInputStream());
            } catch (SocketTimeoutException stillOpen) {
                fail("the server kept the connection of a client that reads nothing");
                return;
            }
            String text = new String(received, StandardCharsets.ISO_8859_1);
            assertTrue(text.startsWith("HTTP/1.1 200"), "the stream had begun");
            boolean cancelled = retiredAfter(stepBefore) >= 0;
            assertTrue(cancelled || text.endsWith("0\r\n\r\n"), "either cancelled or complete");
            report("client never reads its stream (HTTP/1.1)", "write_stall_timeout " + STALL_S + " s, idle_timeout "
                    + IDLE_S + " s", (cancelled ? "generation cancelled" : "generation finished into the kernel "
                    + "buffer") + " " + ended + " ms after the request; closed; " + received.length + " bytes queued");
        }
    }

    // ---------------------------------------------------------------- HTTP/2

    @Test
    void badFramesEndTheConnectionWithGoAway() throws Exception {
        record Bad(String name, int type, int flags, int stream, byte[] payload, int expectedError) {
        }
        List<Bad> cases = List.of(
                new Bad("DATA on stream 0", DATA, 0, 0, new byte[8], PROTOCOL_ERROR),
                new Bad("zero WINDOW_UPDATE on the connection", WINDOW_UPDATE, 0, 0, new byte[4], PROTOCOL_ERROR),
                new Bad("PING of 5 bytes", PING, 0, 0, new byte[5], FRAME_SIZE_ERROR),
                new Bad("HEADERS with undecodable HPACK", HEADERS, END_HEADERS | END_STREAM, 1,
                        new byte[]{(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}, COMPRESSION_ERROR),
                new Bad("frame over SETTINGS_MAX_FRAME_SIZE", DATA, 0, 1, new byte[16_385], FRAME_SIZE_ERROR));
        for (Bad bad : cases) {
            try (RawH2 h2 = RawH2.open(port, READ_MILLIS)) {
                long t0 = System.nanoTime();
                h2.frame(bad.type, bad.flags, bad.stream, bad.payload);
                RawH2.Frame goAway = h2.awaitGoAway();
                long ms = millisSince(t0);
                assertEquals(bad.expectedError, goAway.errorCode(), bad.name);
                h2.assertClosed();
                report("h2c bad frame: " + bad.name, "RFC 9113 (Netty codec)", "GOAWAY " + goAway.errorCode()
                        + " after " + ms + " ms, closed");
            }
        }
    }

    @Test
    void settingsFloodEndsWithEnhanceYourCalm() throws Exception {
        try (RawH2 h2 = RawH2.open(port, READ_MILLIS)) {
            long t0 = System.nanoTime();
            int sent = 0;
            try {
                for (; sent < 5_000; sent++) {
                    h2.frame(SETTINGS, 0, 0, new byte[0]);
                }
            } catch (SocketException closedUnderUs) {
                // The server may close while the flood is still being written.
            }
            RawH2.Frame goAway = h2.awaitGoAway();
            long ms = millisSince(t0);
            assertEquals(ENHANCE_YOUR_CALM, goAway.errorCode());
            h2.assertClosed();
            report("SETTINGS flood", "200 SETTINGS/PING per 10 s", "GOAWAY ENHANCE_YOUR_CALM after " + ms
                    + " ms (" + sent + " frames written), closed");
        }
    }

    @Test
    void rapidResetEndsWithEnhanceYourCalmAndCancelsEveryStream() throws Exception {
        try (RawH2 h2 = RawH2.open(port, READ_MILLIS)) {
            long t0 = System.nanoTime();
            int streams = 0;
            try {
                // HEADERS + DATA(END_STREAM) + RST_STREAM, over and over: each stream submits a generation that is
                // cancelled at once (CVE-2023-44487).
                for (int id = 1; streams < 400; id += 2, streams++) {
                    h2.request(id, STREAM, LONG_BODY);
                    h2.frame(RST_STREAM, 0, id, ByteBuffer.allocate(4).putInt(CANCEL).array());
                }
            } catch (SocketException closedUnderUs) {
                // Expected once the limit is crossed.
            }
            RawH2.Frame goAway = h2.awaitGoAway();
            long ms = millisSince(t0);
            assertEquals(ENHANCE_YOUR_CALM, goAway.errorCode());
            h2.assertClosed();
            report("RST_STREAM storm (rapid reset)", "200 resets per 30 s", "GOAWAY ENHANCE_YOUR_CALM after " + ms
                    + " ms (" + streams + " streams opened and reset), closed");
        }
    }

    @Test
    void silentHttp2ConnectionGetsGoAwayAfterTheIdleTimeout() throws Exception {
        try (RawH2 h2 = RawH2.open(port, READ_MILLIS)) {
            long t0 = System.nanoTime();
            RawH2.Frame goAway = h2.awaitGoAway();
            long ms = millisSince(t0);
            assertEquals(0, goAway.errorCode(), "NO_ERROR");
            h2.assertClosed();
            report("idle h2c connection", "idle_timeout " + IDLE_S + " s", "GOAWAY NO_ERROR after " + ms + " ms, closed");
            assertBound(ms, IDLE_S);
        }
    }

    @Test
    void slowHttp2BodyGets408AndAReset() throws Exception {
        try (RawH2 h2 = RawH2.open(port, READ_MILLIS)) {
            long t0 = System.nanoTime();
            h2.headers(1, STREAM, false);
            h2.frame(DATA, 0, 1, "{\"prompt\"".getBytes(StandardCharsets.UTF_8));
            RawH2.Frame headers = h2.awaitFrame(HEADERS, 1);
            long ms = millisSince(t0);
            assertEquals("408", h2.decode(headers).status().toString());
            RawH2.Frame reset = h2.awaitFrame(RST_STREAM, 1);
            assertNotNull(reset);
            report("slow body (h2c stream)", "request_body_timeout " + BODY_S + " s", ":status 408 after " + ms
                    + " ms, stream reset; connection kept");
            assertBound(ms, BODY_S);
            // The connection itself is still good for another stream.
            h2.request(3, INVOKE, SMALL_BODY);
            assertEquals("200", h2.decode(h2.awaitFrame(HEADERS, 3)).status().toString());
        }
    }

    @Test
    void unfinishedHttp2HeaderBlockEndsTheConnectionAtTheHeaderTimeout() throws Exception {
        try (RawH2 h2 = RawH2.open(port, READ_MILLIS)) {
            byte[] block = h2.encode(1, RawH2.postHeaders(STREAM));
            int half = block.length / 2;
            long t0 = System.nanoTime();
            // HEADERS without END_HEADERS, one CONTINUATION without it either, then nothing: the block never ends,
            // and while it is open the client may send no other frame.
            h2.frame(HEADERS, 0, 1, java.util.Arrays.copyOfRange(block, 0, half));
            h2.frame(CONTINUATION, 0, 1, java.util.Arrays.copyOfRange(block, half, block.length - 1));
            RawH2.Frame goAway = h2.awaitGoAway();
            long ms = millisSince(t0);
            // Not the idle timeout (NO_ERROR, and later): the header deadline.
            assertEquals(ENHANCE_YOUR_CALM, goAway.errorCode());
            assertEquals(0, ByteBuffer.wrap(goAway.payload()).getInt(0) & 0x7fffffff, "stream 1 was not processed");
            h2.assertClosed();
            report("h2c header block never finished", "request_header_timeout " + HEADER_S + " s",
                    "GOAWAY ENHANCE_YOUR_CALM after " + ms + " ms, closed");
            assertBound(ms, HEADER_S);
        }
    }

    @Test
    void http2HeaderBlockSentSlowlyButWithinTheTimeoutIsServed() throws Exception {
        try (RawH2 h2 = RawH2.open(port, READ_MILLIS)) {
            byte[] block = h2.encode(1, RawH2.postHeaders(INVOKE));
            int half = block.length / 2;
            h2.frame(HEADERS, 0, 1, java.util.Arrays.copyOfRange(block, 0, half));
            Thread.sleep((long) (HEADER_S * 1000 / 4));
            h2.frame(CONTINUATION, END_HEADERS, 1, java.util.Arrays.copyOfRange(block, half, block.length));
            h2.frame(DATA, END_STREAM, 1, SMALL_BODY.getBytes(StandardCharsets.UTF_8));
            assertEquals("200", h2.decode(h2.awaitFrame(HEADERS, 1)).status().toString());
            // A second block on the same connection gets its own deadline, and is served too.
            Thread.sleep((long) (HEADER_S * 1000 * 3 / 4));
            h2.request(3, INVOKE, SMALL_BODY);
            assertEquals("200", h2.decode(h2.awaitFrame(HEADERS, 3)).status().toString());
        }
    }

    @Test
    void http2HeadersWithoutABodyGet408AtTheBodyTimeout() throws Exception {
        try (RawH2 h2 = RawH2.open(port, READ_MILLIS)) {
            long t0 = System.nanoTime();
            // A complete header block that opens the stream, then no DATA and no END_STREAM.
            h2.headers(1, INVOKE, false);
            RawH2.Frame headers = h2.awaitFrame(HEADERS, 1);
            long ms = millisSince(t0);
            assertEquals("408", h2.decode(headers).status().toString());
            assertEquals(CANCEL, h2.awaitFrame(RST_STREAM, 1).errorCode());
            report("h2c stream opened, body never sent", "request_body_timeout " + BODY_S + " s", ":status 408 after "
                    + ms + " ms, stream reset; connection kept");
            assertBound(ms, BODY_S);
        }
    }

    @Test
    void streamsBeyondTheConcurrencyLimitAreRefused() throws Exception {
        try (RawH2 h2 = RawH2.open(port, READ_MILLIS)) {
            long t0 = System.nanoTime();
            // Eight streams held open (headers, no body), then a ninth.
            for (int i = 0; i <= MAX_STREAMS; i++) {
                h2.headers(1 + 2 * i, STREAM, false);
            }
            RawH2.Frame refused = h2.awaitFrame(RST_STREAM, 1 + 2 * MAX_STREAMS);
            long ms = millisSince(t0);
            assertEquals(REFUSED_STREAM, refused.errorCode());
            report("streams over max_concurrent_streams", "max_concurrent_streams " + MAX_STREAMS,
                    "RST_STREAM REFUSED_STREAM after " + ms + " ms; the held streams get 408 at their body timeout");
            // The held streams are not kept either.
            assertEquals("408", h2.decode(h2.awaitFrame(HEADERS, 1)).status().toString());
        }
    }

    @Test
    void oversizedHttp2HeadersAreRefused() throws Exception {
        try (RawH2 h2 = RawH2.open(port, READ_MILLIS)) {
            long t0 = System.nanoTime();
            Http2Headers big = RawH2.postHeaders(STREAM).add("x-big", "b".repeat(MAX_HEADER_BYTES + 1));
            h2.frame(HEADERS, END_HEADERS | END_STREAM, 1, h2.encode(1, big));
            RawH2.Frame answer = h2.awaitAny(1);
            long ms = millisSince(t0);
            String what;
            if (answer.type() == HEADERS) {
                assertEquals("431", h2.decode(answer).status().toString());
                what = ":status 431";
            } else {
                assertEquals(GOAWAY, answer.type(), "GOAWAY, if not a 431");
                what = "GOAWAY " + answer.errorCode();
            }
            report("oversized headers (h2c)", "max_header_bytes " + MAX_HEADER_BYTES + " (SETTINGS_MAX_HEADER_LIST_SIZE)",
                    what + " after " + ms + " ms");
        }
    }

    @Test
    void http2StreamNobodyReadsIsResetAndItsSlotFreed() throws Exception {
        long stepBefore = stepSoFar();
        // An initial stream window of 0: the server may send headers but no DATA until the client says so, which it
        // never does. Its frames pile up behind the window.
        try (RawH2 h2 = RawH2.open(port, READ_MILLIS, 0)) {
            long t0 = System.nanoTime();
            h2.request(1, STREAM, LONG_BODY);
            RawH2.Frame reset = h2.awaitFrame(RST_STREAM, 1);
            long ms = millisSince(t0);
            assertEquals(CANCEL, reset.errorCode());
            long retiredAt = awaitRetired(stepBefore);
            report("client never reads its stream (h2c, window 0)", "write_stall_timeout " + STALL_S
                    + " s over a 64 KiB per-stream high-water mark", "RST_STREAM CANCEL after " + ms
                    + " ms, generation cancelled (step " + retiredAt + ")");
        }
    }

    // ---------------------------------------------------------------- checks

    private static long awaitSchedulerIdle() throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            StepStats last = metrics.snapshot().lastStep();
            if (worker.queueLength() == 0 && (last == null || last.runningSequences() == 0
                    && last.kvReservedTokens() == 0)) {
                return millisSince(t0);
            }
            Thread.sleep(10);
        }
        StepStats last = metrics.snapshot().lastStep();
        fail("scheduler still busy: queue " + worker.queueLength() + ", last step " + last);
        return -1;
    }

    /** The number of the last step so far (-1 before the first): later steps are this test's. */
    private static long stepSoFar() {
        StepStats last = metrics.snapshot().lastStep();
        return last == null ? -1 : last.step();
    }

    /** Waits for a step after {@code afterStep} that retired a sequence (its client went away); returns its number. */
    private static long awaitRetired(long afterStep) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            long step = retiredAfter(afterStep);
            if (step >= 0) {
                return step;
            }
            Thread.sleep(10);
        }
        fail("the generation of the unread stream was never cancelled");
        return -1;
    }

    /** The first step after {@code afterStep} that retired a sequence, or -1. */
    private static long retiredAfter(long afterStep) {
        for (StepStats step : metrics.recentSteps()) {
            if (step.step() > afterStep && step.retiredSequences() > 0) {
                return step.step();
            }
        }
        return -1;
    }

    private static void awaitStepAfter(long afterStep) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (stepSoFar() <= afterStep) {
            assertTrue(System.nanoTime() < deadline, "the request never reached the scheduler");
            Thread.sleep(5);
        }
    }

    private static void assertBound(long millis, double timeoutSeconds) {
        assertTrue(millis < timeoutSeconds * 1000 + SLACK_MILLIS, "acted after " + millis + " ms");
        assertTrue(millis >= timeoutSeconds * 1000 * 0.9, "acted before its timeout: " + millis + " ms");
    }

    private static void assertAwsError(Http1Response r, int status, String type, String fragment) {
        assertEquals(status, r.status, r.toString());
        assertEquals(type, r.header("x-amzn-errortype"), r.toString());
        assertNotNull(r.header("x-amzn-requestid"), r.toString());
        assertTrue(r.body.contains("\"message\"") && r.body.contains(fragment), r.body);
    }

    private static void assertClosed(Socket s) throws IOException {
        assertEquals(-1, s.getInputStream().read(), "connection closed after the error");
    }

    private static void report(String abuse, String limit, String outcome) {
        System.out.printf("[abuse] %-45s | %-50s | %s%n", abuse, limit, outcome);
    }

    private static long millisSince(long t0) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    // ---------------------------------------------------------------- HTTP/1.1 client

    private static Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(READ_MILLIS);
        return s;
    }

    private static byte[] http1Post(String path, String body, boolean close) {
        return ("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + (close ? "Connection: close\r\n" : "") + "Content-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8);
    }

    private static int invokeOverHttp1() throws IOException {
        try (Socket s = connect()) {
            s.getOutputStream().write(http1Post(INVOKE, SMALL_BODY, true));
            return Http1Response.read(s.getInputStream()).status;
        }
    }

    /** Sends {@code text} one byte every 100 ms on a daemon thread, until interrupted or the socket fails. */
    private static Thread trickle(OutputStream out, String text) {
        Thread t = new Thread(() -> {
            try {
                for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
                    Thread.sleep(100);
                    out.write(b);
                    out.flush();
                }
            } catch (InterruptedException | IOException stopped) {
                // The server closed the connection, or the test is done.
            }
        }, "trickle");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static byte[] drain(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                all.write(buf, 0, n);
            }
        } catch (SocketException reset) {
            // A close with unread data may arrive as a reset: the bytes so far are what was delivered.
        }
        return all.toByteArray();
    }

    /** A response with a Content-Length body (every error and unary response the server writes). */
    private record Http1Response(int status, java.util.Map<String, String> headers, String body) {
        static Http1Response read(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("connection closed before a response; got: " + head);
                }
                head.write(b);
                matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            java.util.Map<String, String> headers = new java.util.HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.put(lines[i].substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
                            lines[i].substring(colon + 1).trim());
                }
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            byte[] body = new DataInputStream(in).readNBytes(length);
            return new Http1Response(status, headers, new String(body, StandardCharsets.UTF_8));
        }

        String header(String name) {
            return headers.get(name);
        }
    }
}
