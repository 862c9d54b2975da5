package dev.localbedrock.runtime.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The event loop does only the cheap part of a request (route, model, headers); parsing the body and tokenizing the
 * prompt wait for a decode thread, so their cost, which a client chooses, never lands on the loop. A full decode
 * pool refuses with ThrottlingException at once.
 */
class DecodeOffLoopTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INVOKE = "/model/" + TestServers.LLAMA_ID + "/invoke";

    @TempDir
    static Path dir;
    static BedrockService service;

    @BeforeAll
    static void start() throws Exception {
        Path file = dir.resolve("models.yaml");
        Files.writeString(file, """
                server: {host: 127.0.0.1, port: 0}
                models:
                  - id: %s
                    source: %s
                    engine: pytorch
                    max_context_tokens: 64
                """.formatted(TestServers.LLAMA_ID, TestServers.tinyLlama()));
        service = BedrockService.start(CatalogLoader.load(file));
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    private static FullHttpRequest invoke(String body) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, INVOKE,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        return r;
    }

    @Test
    void theBodyIsDecodedAndTheRequestAdmittedOnlyOnADecodeThread() throws Exception {
        List<Runnable> decodes = new ArrayList<>();
        EmbeddedChannel channel = new EmbeddedChannel(new RuntimeApiHandler(service.registry(), decodes::add, new BodyBudget(1 << 30)));
        // Not even valid JSON: had the loop parsed it, the error would be written by now.
        channel.writeInbound(invoke("{\"prompt\": \"Hello\", \"max_gen_len\": 4"));
        channel.writeInbound(invoke("{\"prompt\": \"Hello\", \"max_gen_len\": 4}"));
        assertNull(channel.readOutbound(), "nothing answered on the loop");
        assertEquals(2, decodes.size(), "both bodies wait for a decode thread");

        decodes.get(0).run();
        FullHttpResponse broken = awaitResponse(channel);
        assertEquals(400, broken.status().code());
        assertEquals("ValidationException", broken.headers().get("x-amzn-ErrorType"));
        broken.release();

        decodes.get(1).run();
        FullHttpResponse ok = awaitResponse(channel);
        assertEquals(200, ok.status().code(), ok.content().toString(StandardCharsets.UTF_8));
        assertTrue(JSON.readTree(ok.content().toString(StandardCharsets.UTF_8)).path("generation").isTextual());
        ok.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void aFullDecodePoolRefusesAtOnceWithThrottling() {
        EmbeddedChannel channel = new EmbeddedChannel(new RuntimeApiHandler(service.registry(), task -> {
            throw new RejectedExecutionException("full");
        }, new BodyBudget(1 << 30)));
        channel.writeInbound(invoke("{\"prompt\": \"Hello\"}"));
        FullHttpResponse r = channel.readOutbound();
        assertEquals(429, r.status().code());
        assertEquals("ThrottlingException", r.headers().get("x-amzn-ErrorType"));
        r.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void aBodyBeyondTheServersBodyBudgetIsRefusedWithThrottlingAndItsBytesGivenBack() {
        BodyBudget budget = new BodyBudget(100);
        List<Runnable> decodes = new ArrayList<>();
        EmbeddedChannel channel = new EmbeddedChannel(new RuntimeApiHandler(service.registry(), decodes::add, budget));
        String body = "{\"prompt\": \"" + "x".repeat(60) + "\"}";
        channel.writeInbound(invoke(body));
        assertEquals(body.length(), budget.held(), "a queued body holds its bytes");
        channel.writeInbound(invoke(body));
        FullHttpResponse r = channel.readOutbound();
        assertEquals(429, r.status().code(), "the second does not fit beside the first");
        assertEquals("ThrottlingException", r.headers().get("x-amzn-ErrorType"));
        r.release();
        assertEquals(1, decodes.size());
        decodes.get(0).run();
        assertEquals(0, budget.held(), "decoded: its bytes are given back");
        channel.finishAndReleaseAll();
    }

    /** The generation answers from its own thread through the channel's executor: run that until it has. */
    private static FullHttpResponse awaitResponse(EmbeddedChannel channel) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            channel.runPendingTasks();
            Object out = channel.readOutbound();
            if (out != null) {
                return (FullHttpResponse) out;
            }
            Thread.sleep(2);
        }
        throw new AssertionError("no response within a minute");
    }
}
