package dev.localbedrock.runtime.robustness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.codecs.eventstream.EventStreamDecoder;
import dev.localbedrock.codecs.eventstream.EventStreamMessage;
import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.generation.InMemorySchedulerMetrics;
import dev.localbedrock.runtime.generation.ModelWorker;
import dev.localbedrock.runtime.generation.StepStats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * HTTP/1.1 pipelining against the real server (tiny-random-llama): requests sent back to back on one connection,
 * before any response, must be answered one at a time in request order (RFC 9112 §9.3.2). The raw bytes are parsed
 * strictly (status line, headers, Content-Length or chunked framing, the event-stream frames inside) so any
 * interleaving breaks the parse, and greedy generations must give the text each request gets when sent alone.
 * Beyond the bound on waiting requests the client gets a 429 in turn and a close; a client that goes away while
 * requests wait still cancels its running generation, and the waiting ones never start.
 */
@Tag("robustness")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Http1PipeliningTest {
    private static final String MODEL = TestServers.LLAMA_ID;
    private static final String INVOKE = "/model/" + MODEL + "/invoke";
    private static final String STREAM = "/model/" + MODEL + "/invoke-with-response-stream";
    /** Small, so the waiting-bytes bound (max_body_bytes in all) is reached with a few requests. */
    private static final int MAX_BODY_BYTES = 4096;
    /** The server's bound on requests waiting behind the one being answered (Http1Pipelining). */
    private static final int MAX_WAITING = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path workDir;
    static BedrockService service;
    static InMemorySchedulerMetrics metrics;
    static ModelWorker worker;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        metrics = new InMemorySchedulerMetrics();
        service = RobustnessServers.startRecorded(workDir, "max_body_bytes: " + MAX_BODY_BYTES, metrics);
        port = service.address().getPort();
        worker = RobustnessServers.llamaWorker(service);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @AfterEach
    void schedulerIsClean() throws Exception {
        awaitSchedulerIdle();
    }

    // ---------------------------------------------------------------- in order

    @Test
    void aStreamThenAnInvokeAreAnsweredInOrderWithTheirOwnText() throws Exception {
        Call stream = Call.stream("Hello", 48);
        Call unary = Call.invoke("The capital of France is", 12);
        List<String> alone = List.of(alone(stream), alone(unary));

        List<Response> responses = pipeline(List.of(stream, unary), false);
        assertEquals(alone, texts(List.of(stream, unary), responses));
        report("stream (48 tokens) + invoke (12 tokens)", responses);
    }

    @Test
    void threePipelinedRequestsKeepTheirOrderAndTheConnectionStaysInStep() throws Exception {
        List<Call> calls = List.of(Call.stream("Once upon a time", 32), Call.invoke("Hello", 8),
                Call.stream("The quick brown fox", 16));
        List<String> alone = new ArrayList<>();
        for (Call c : calls) {
            alone.add(alone(c));
        }
        try (Socket s = connect()) {
            BufferedInputStream in = new BufferedInputStream(s.getInputStream());
            s.getOutputStream().write(concat(calls, false));
            s.getOutputStream().flush();
            List<Response> responses = new ArrayList<>();
            for (int i = 0; i < calls.size(); i++) {
                responses.add(Response.read(in));
            }
            assertEquals(alone, texts(calls, responses));
            assertEquals(3, responses.stream().map(r -> r.header("x-amzn-requestid")).distinct().count());
            // Nothing stray after the third response: a fourth request on the same connection parses cleanly.
            Call after = Call.invoke("Hello", 4);
            s.getOutputStream().write(after.bytes(true));
            Response last = Response.read(in);
            assertEquals(alone(after), after.text(last));
            assertEquals(-1, in.read(), "closed after the Connection: close request");
            report("stream + invoke + stream, then a 4th request", responses);
        }
    }

    @Test
    void aPipelinedUpgradeRequestIsServedAsHttp1InItsTurn() throws Exception {
        Call stream = Call.stream("Hello", 24);
        Call plain = Call.invoke("Hello", 4);
        // Alone, as a connection's first request, this one would switch to HTTP/2.
        Call upgrade = new Call(INVOKE, plain.body, false,
                "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n");
        List<String> alone = List.of(alone(stream), alone(plain));
        List<Response> responses = pipeline(List.of(stream, upgrade), false);
        assertEquals(200, responses.get(1).status, "no 101: the h2c Upgrade is for a connection's first request");
        assertEquals(alone, texts(List.of(stream, upgrade), responses));
        report("stream + a request asking for the h2c Upgrade", responses);
    }

    @Test
    void aBodyTricklingInWhileItWaitsIsServedWhole() throws Exception {
        Call stream = Call.stream("Hello", 200);
        Call unary = Call.invoke("The capital of France is", 8);
        List<String> alone = List.of(alone(stream), alone(unary));
        try (Socket s = connect()) {
            s.setTcpNoDelay(true);
            BufferedInputStream in = new BufferedInputStream(s.getInputStream());
            byte[] second = unary.bytes(false);
            int bodyStart = second.length - unary.body.length();
            s.getOutputStream().write(concat(List.of(stream), false));
            s.getOutputStream().write(second, 0, bodyStart);
            s.getOutputStream().flush();
            // The waiting request's body, a byte at a time, while the stream is being generated.
            for (int i = bodyStart; i < second.length; i++) {
                s.getOutputStream().write(second[i]);
                s.getOutputStream().flush();
                Thread.sleep(2);
            }
            List<Response> responses = List.of(Response.read(in), Response.read(in));
            assertEquals(alone, texts(List.of(stream, unary), responses));
            report("stream (200 tokens) + invoke whose body trickles", responses);
        }
    }

    // ---------------------------------------------------------------- bounds

    @Test
    void requestsBeyondTheWaitingBoundGet429InTurnAndAClose() throws Exception {
        Call stream = Call.stream("Hello", 64);
        List<Call> calls = new ArrayList<>(List.of(stream));
        for (int i = 0; i < MAX_WAITING + 2; i++) {
            calls.add(Call.ping());
        }
        try (Socket s = connect()) {
            BufferedInputStream in = new BufferedInputStream(s.getInputStream());
            s.getOutputStream().write(concat(calls, false));
            s.getOutputStream().flush();
            Response first = Response.read(in);
            assertEquals(alone(stream), stream.text(first));
            for (int i = 0; i < MAX_WAITING; i++) {
                assertEquals(200, Response.read(in).status, "waiting request " + (i + 1));
            }
            Response over = Response.read(in);
            assertThrottled(over);
            assertClosed(in);
            report("stream + " + (MAX_WAITING + 2) + " pings", "1 stream + " + MAX_WAITING + " pings served, "
                    + "then 429 ThrottlingException and a close");
        }
    }

    @Test
    void waitingBodiesBeyondMaxBodyBytesGet429InTurnAndAClose() throws Exception {
        Call stream = Call.stream("Hello", 64);
        // Three padded bodies of 1500 bytes each: the third takes the waiting bytes past 4096.
        String padded = Call.invoke("Hello", 2).body;
        padded = padded + " ".repeat(1500 - padded.length());
        Call big = new Call(INVOKE, padded, false, "");
        List<Call> calls = List.of(stream, big, big, big);
        try (Socket s = connect()) {
            BufferedInputStream in = new BufferedInputStream(s.getInputStream());
            s.getOutputStream().write(concat(calls, false));
            s.getOutputStream().flush();
            assertEquals(alone(stream), stream.text(Response.read(in)));
            String bigAlone = alone(big);
            assertEquals(bigAlone, big.text(Response.read(in)));
            assertEquals(bigAlone, big.text(Response.read(in)));
            assertThrottled(Response.read(in));
            assertClosed(in);
            report("stream + 3 bodies of 1500 bytes", "max_body_bytes " + MAX_BODY_BYTES + " waiting in all: 2 served, "
                    + "the 3rd gets 429 and a close");
        }
    }

    // ---------------------------------------------------------------- disconnects

    @Test
    void aClientThatLeavesWhileRequestsWaitCancelsItsGenerationAndTheWaitingNeverStart() throws Exception {
        long stepBefore = stepSoFar();
        Call longStream = Call.stream("Hello", 2000);
        Call unary = Call.invoke("Hello", 8);
        long t0;
        try (Socket s = connect()) {
            BufferedInputStream in = new BufferedInputStream(s.getInputStream());
            s.getOutputStream().write(concat(List.of(longStream, unary), false));
            s.getOutputStream().flush();
            // The stream has begun (headers and its first chunk), then the client goes away.
            assertEquals(200, Response.readHead(in).status);
            Response.readChunk(in);
            t0 = System.nanoTime();
        }
        long retiredAt = awaitRetired(stepBefore);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        awaitSchedulerIdle();
        Thread.sleep(300); // time for a wrongly released waiting request to reach the scheduler
        int prompts = 0;
        int queued = 0;
        for (StepStats step : metrics.recentSteps()) {
            if (step.step() > stepBefore) {
                prompts += step.prefillRows();
                queued = Math.max(queued, step.queueLength());
            }
        }
        assertEquals(0, queued, "the waiting invoke never reached the scheduler's queue");
        assertEquals(1, prompts, "only the stream's prompt was ever processed");
        assertEquals(0, worker.queueLength());
        report("client leaves during a stream, an invoke waiting", "generation cancelled " + ms
                + " ms after the close (step " + retiredAt + "); the waiting invoke never submitted");
    }

    // ---------------------------------------------------------------- helpers

    /** The text {@code call} gets on a connection of its own. */
    private static String alone(Call call) throws IOException {
        try (Socket s = connect()) {
            s.getOutputStream().write(call.bytes(true));
            BufferedInputStream in = new BufferedInputStream(s.getInputStream());
            String text = call.text(Response.read(in));
            assertEquals(-1, in.read(), "closed after the response");
            return text;
        }
    }

    /** Sends all {@code calls} in one write, then reads one response per call. */
    private static List<Response> pipeline(List<Call> calls, boolean closeAfterLast) throws IOException {
        try (Socket s = connect()) {
            s.getOutputStream().write(concat(calls, closeAfterLast));
            s.getOutputStream().flush();
            BufferedInputStream in = new BufferedInputStream(s.getInputStream());
            List<Response> responses = new ArrayList<>();
            for (int i = 0; i < calls.size(); i++) {
                responses.add(Response.read(in));
            }
            return responses;
        }
    }

    private static byte[] concat(List<Call> calls, boolean closeAfterLast) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < calls.size(); i++) {
            all.writeBytes(calls.get(i).bytes(closeAfterLast && i == calls.size() - 1));
        }
        return all.toByteArray();
    }

    private static List<String> texts(List<Call> calls, List<Response> responses) throws IOException {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            texts.add(calls.get(i).text(responses.get(i)));
        }
        return texts;
    }

    private static void assertThrottled(Response r) {
        assertEquals(429, r.status, r.toString());
        assertEquals("ThrottlingException", r.header("x-amzn-errortype"), r.toString());
        assertEquals("close", r.header("connection"), r.toString());
        String body = new String(r.body, StandardCharsets.UTF_8);
        assertTrue(body.contains("pipelined") && body.contains(String.valueOf(MAX_WAITING)), body);
    }

    private static void assertClosed(InputStream in) throws IOException {
        try {
            assertEquals(-1, in.read(), "connection closed after the 429");
        } catch (SocketException reset) {
            // Closed with our dropped requests unread: a reset is a close too.
        }
    }

    private static Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(20_000);
        return s;
    }

    private static void report(String what, List<Response> responses) {
        StringBuilder b = new StringBuilder();
        for (Response r : responses) {
            b.append(b.length() == 0 ? "" : ", ").append(r.status).append(r.chunked ? " chunked " : " ")
                    .append(r.body.length).append(" B");
        }
        report(what, "in order, texts as alone: " + b);
    }

    private static void report(String what, String outcome) {
        System.out.printf("[pipelining] %-50s | %s%n", what, outcome);
    }

    private static void awaitSchedulerIdle() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            StepStats last = metrics.snapshot().lastStep();
            if (worker.queueLength() == 0 && (last == null || last.runningSequences() == 0
                    && last.kvReservedTokens() == 0)) {
                return;
            }
            Thread.sleep(10);
        }
        fail("scheduler still busy: queue " + worker.queueLength() + ", last step " + metrics.snapshot().lastStep());
    }

    private static long stepSoFar() {
        StepStats last = metrics.snapshot().lastStep();
        return last == null ? -1 : last.step();
    }

    private static long awaitRetired(long afterStep) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            for (StepStats step : metrics.recentSteps()) {
                if (step.step() > afterStep && step.retiredSequences() > 0) {
                    return step.step();
                }
            }
            Thread.sleep(5);
        }
        fail("the generation of the departed client was never cancelled");
        return -1;
    }

    /** One request: greedy, so its text is a function of its prompt. */
    private record Call(String path, String body, boolean get, String extraHeaders) {
        Call(String path, String body, boolean get) {
            this(path, body, get, "");
        }

        static Call stream(String prompt, int tokens) {
            return new Call(STREAM, body(prompt, tokens), false);
        }

        static Call invoke(String prompt, int tokens) {
            return new Call(INVOKE, body(prompt, tokens), false);
        }

        static Call ping() {
            return new Call("/ping", "", true);
        }

        private static String body(String prompt, int tokens) {
            return "{\"prompt\":\"" + prompt + "\",\"temperature\":0,\"max_gen_len\":" + tokens + "}";
        }

        byte[] bytes(boolean close) {
            String head = (get ? "GET " : "POST ") + path + " HTTP/1.1\r\nHost: localhost\r\n" + extraHeaders
                    + (close ? "Connection: close\r\n" : "");
            if (!get) {
                head += "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n";
            }
            return (head + "\r\n" + (get ? "" : body)).getBytes(StandardCharsets.UTF_8);
        }

        /** The generated text of this call's response, checking the response is the kind this call gets. */
        String text(Response r) throws IOException {
            assertEquals(200, r.status, r.toString());
            if (path.equals(STREAM)) {
                assertTrue(r.chunked, "a stream is chunked: " + r);
                assertEquals("application/vnd.amazon.eventstream", r.header("content-type"));
                List<EventStreamMessage> messages = EventStreamDecoder.decodeAll(r.body);
                assertFalse(messages.isEmpty());
                StringBuilder text = new StringBuilder();
                JsonNode last = null;
                for (EventStreamMessage m : messages) {
                    last = JSON.readTree(m.chunkBytes());
                    text.append(last.path("generation").asText());
                }
                assertNotNull(last.get("amazon-bedrock-invocationMetrics"), "the stream's last chunk: " + last);
                return text.toString();
            }
            assertFalse(r.chunked, r.toString());
            assertEquals("application/json", r.header("content-type"));
            JsonNode json = JSON.readTree(r.body);
            assertNotEquals(null, json.get("generation"), json.toString());
            return json.get("generation").asText();
        }
    }

    /** One response, read strictly by its own framing: Content-Length or chunked, nothing more, nothing less. */
    private record Response(int status, Map<String, String> headers, byte[] body, boolean chunked) {
        static Response read(InputStream in) throws IOException {
            Response head = readHead(in);
            if (head.chunked) {
                return new Response(head.status, head.headers, readChunked(in), true);
            }
            int length = Integer.parseInt(head.header("content-length"));
            byte[] body = in.readNBytes(length);
            if (body.length != length) {
                throw new EOFException("body cut short: " + body.length + " of " + length + " bytes");
            }
            return new Response(head.status, head.headers, body, false);
        }

        /** The status line and headers; {@code body} empty. */
        static Response readHead(InputStream in) throws IOException {
            String statusLine = line(in);
            assertTrue(statusLine.matches("HTTP/1\\.1 \\d{3} .*"), "a status line: " + statusLine);
            int status = Integer.parseInt(statusLine.substring(9, 12));
            Map<String, String> headers = new HashMap<>();
            for (String l; !(l = line(in)).isEmpty(); ) {
                int colon = l.indexOf(':');
                assertTrue(colon > 0, "a header line: " + l);
                headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
            }
            boolean chunked = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
            assertTrue(chunked || headers.containsKey("content-length"), "a framed response: " + headers);
            return new Response(status, headers, new byte[0], chunked);
        }

        private static byte[] readChunked(InputStream in) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (byte[] chunk; (chunk = readChunk(in)).length > 0; ) {
                body.writeBytes(chunk);
            }
            assertEquals("", line(in), "no trailers, then the end of the chunked body");
            return body.toByteArray();
        }

        /** One chunk's data (empty for the last chunk, whose trailer section is left unread). */
        static byte[] readChunk(InputStream in) throws IOException {
            String sizeLine = line(in);
            assertTrue(sizeLine.matches("[0-9a-fA-F]+(;.*)?"), "a chunk size line: '" + sizeLine + "'");
            int size = Integer.parseInt(sizeLine.split(";")[0], 16);
            if (size == 0) {
                return new byte[0];
            }
            byte[] chunk = in.readNBytes(size);
            if (chunk.length != size) {
                throw new EOFException("chunk cut short");
            }
            assertEquals("", line(in), "CRLF after a chunk's data");
            return chunk;
        }

        /** A CRLF-terminated line; a bare LF or a missing CR fails. */
        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new EOFException("closed mid-line: '" + b + "'");
                }
                if (c == '\n') {
                    byte[] bytes = b.toByteArray();
                    assertTrue(bytes.length > 0 && bytes[bytes.length - 1] == '\r', "CRLF line ending: " + b);
                    return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
                }
                b.write(c);
            }
        }

        String header(String name) {
            return headers.get(name);
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + new String(body, StandardCharsets.UTF_8);
        }
    }
}
