package dev.localbedrock.runtime.robustness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.runtime.ServeProcess;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The serve command as an operator runs it, in its own JVM: SIGTERM while a generation streams. The stream must end
 * completely (every chunk, a final chunk with its stop reason and invocation metrics) within the grace period; every
 * new request meanwhile, on a new connection, gets 503 ServiceUnavailableException; and the process exits 0.
 */
@Tag("robustness")
class ShutdownSignalTest {
    private static final int GRACE_SECONDS = 20;

    @TempDir
    Path dir;

    @Test
    void sigtermFinishesTheStreamInFlightAnswersNewRequests503AndExitsZero() throws Exception {
        Path config = RobustnessServers.catalogue(dir, "pytorch", "shutdown_grace_seconds: " + GRACE_SECONDS,
                "max_context_tokens: 2048\n", false);
        ServeProcess serve = ServeProcess.start(config);
        Process server = serve.process();
        try {
            int p = serve.port();

            // A generation long enough to still be streaming while the drain is probed.
            Socket stream = RawHttp.connect(p);
            RawHttp.send(stream, RobustnessServers.STREAM, "application/json",
                    "{\"prompt\": \"Tell me everything\", \"temperature\": 0, \"max_gen_len\": 1900}"
                            .getBytes(StandardCharsets.UTF_8));
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            received.write(RawHttp.readUntilFirstEvent(stream.getInputStream()));
            AtomicLong lastByteNanos = new AtomicLong();
            CompletableFuture<byte[]> rest = CompletableFuture.supplyAsync(() -> readToEnd(stream, lastByteNanos));

            assertEquals("{\"status\":\"ok\"}", RawHttp.get(p, "/live").text());
            long signalled = System.nanoTime();
            Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(server.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor(), "kill -TERM");

            RawHttp.Reply ping = awaitDraining(p);
            long drainSeen = System.nanoTime();
            assertServiceUnavailable(ping);
            RawHttp.Reply live = RawHttp.get(p, "/live");
            assertEquals(200, live.status(), "liveness holds while draining: " + live.text());
            assertEquals("{\"status\":\"draining\"}", live.text());
            assertServiceUnavailable(RawHttp.post(p, RobustnessServers.INVOKE, "application/json",
                    "{\"prompt\": \"too late\", \"max_gen_len\": 4}".getBytes(StandardCharsets.UTF_8)));
            assertServiceUnavailable(RawHttp.post(p, RobustnessServers.STREAM, "application/json",
                    "{\"prompt\": \"too late\", \"max_gen_len\": 4}".getBytes(StandardCharsets.UTF_8)));

            received.write(rest.get(GRACE_SECONDS + 30, TimeUnit.SECONDS));
            stream.close();
            assertTrue(lastByteNanos.get() > drainSeen, "the stream was still in flight when the drain was seen "
                    + "(else this test would not test the drain); make it longer");
            List<JsonNode> chunks = RawHttp.parse(received.toByteArray()).streamChunks();
            JsonNode last = chunks.get(chunks.size() - 1);
            assertTrue(last.get("stop_reason").isTextual(), "the stream ended with its final chunk: " + last);
            JsonNode metrics = last.get("amazon-bedrock-invocationMetrics");
            assertEquals(last.get("generation_token_count").asInt(), metrics.get("outputTokenCount").asInt());
            for (JsonNode chunk : chunks.subList(0, chunks.size() - 1)) {
                assertTrue(chunk.get("stop_reason").isNull(), "only the last chunk ends the stream: " + chunk);
            }

            assertTrue(server.waitFor(GRACE_SECONDS + 30, TimeUnit.SECONDS), "the server exited");
            System.out.printf("sigterm: stream of %d chunks (%d tokens) finished %.2f s after the signal; the drain "
                            + "answered 503 %.3f s after it; exit %d%n", chunks.size(),
                    metrics.get("outputTokenCount").asInt(), (lastByteNanos.get() - signalled) / 1e9,
                    (drainSeen - signalled) / 1e9, server.exitValue());
            assertEquals(0, server.exitValue(), "exit status; output:\n" + serve.output());
        } finally {
            if (server.isAlive()) {
                server.destroyForcibly();
                System.out.println("server output:\n" + serve.output());
            }
        }
    }

    /** Polls the health check until the server answers 503 (it answered 200 until the signal was handled). */
    private static RawHttp.Reply awaitDraining(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            RawHttp.Reply ping = RawHttp.get(port, "/ping");
            if (ping.status() != 200 || System.nanoTime() > deadline) {
                return ping;
            }
            Thread.sleep(5);
        }
    }

    private static void assertServiceUnavailable(RawHttp.Reply r) throws IOException {
        assertEquals(503, r.status(), r.text());
        assertEquals("ServiceUnavailableException", r.errorType());
        assertTrue(r.json().get("message").asText().contains("shutting down"), r.text());
        assertEquals("close", r.headers().get("connection"), "a draining server asks the client to reconnect");
    }

    private static byte[] readToEnd(Socket socket, AtomicLong lastByteNanos) {
        try {
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                lastByteNanos.set(System.nanoTime());
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("reading the stream failed", e);
        }
    }
}
