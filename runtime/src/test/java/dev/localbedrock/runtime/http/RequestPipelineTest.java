package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.runtime.ModelTarget;
import dev.localbedrock.runtime.catalog.ServerSettings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The request pipeline, without sockets (as Netty's own CleartextHttp2ServerUpgradeHandlerTest tests its pipeline):
 * both protocols get the same handlers in the same order, and each stage answers what it owns before the next one
 * sees the request.
 */
class RequestPipelineTest {
    private static final String INVOKE = "/model/meta.llama2-13b-chat-v1/invoke";

    /** A service that counts how often routing got as far as resolving a model, and refuses them all. */
    private static final class CountingApi implements RuntimeApi {
        final AtomicInteger resolved = new AtomicInteger();

        @Override
        public ModelTarget resolve(String modelId) {
            resolved.incrementAndGet();
            throw BedrockException.notFound("no model " + modelId);
        }

        @Override
        public dev.localbedrock.runtime.controlplane.FoundationModels foundationModels() {
            return new dev.localbedrock.runtime.controlplane.FoundationModels(List.of(), "us-east-1");
        }
    }

    private static final ServerSettings SETTINGS = new ServerSettings("127.0.0.1", 0, 64, Duration.ofSeconds(1));

    private static RequestPipeline pipeline(RuntimeApi api) {
        return new RequestPipeline(SETTINGS, api, Runnable::run, new BodyBudget(1 << 20));
    }

    private static List<Class<?>> requestHandlers(EmbeddedChannel channel) {
        List<Class<?>> classes = new ArrayList<>();
        channel.pipeline().forEach(e -> {
            ChannelHandler h = e.getValue();
            if (!e.getKey().equals("front")) {
                classes.add(h.getClass());
            }
        });
        return classes;
    }

    @Test
    void bothProtocolsRunTheSameStagesInTheSameOrder() {
        EmbeddedChannel h1 = new EmbeddedChannel();
        h1.pipeline().addLast("front", new ChannelInboundHandlerAdapter());
        pipeline(new CountingApi()).addHttp1(h1.pipeline(), "front");
        assertEquals(List.of(Http1Pipelining.class, HttpServerKeepAliveHandler.class, MalformedRequestGuard.class,
                RequestBodyDeadline.class, BodyAggregator.class, RuntimeApiHandler.class), requestHandlers(h1));

        EmbeddedChannel h2 = new EmbeddedChannel();
        pipeline(new CountingApi()).addHttp2Stream(h2.pipeline());
        assertEquals(List.of(WriteStallGuard.class, MalformedRequestGuard.class, RequestBodyDeadline.class,
                BodyAggregator.class, RuntimeApiHandler.class), requestHandlers(h2),
                "an HTTP/2 stream has its own stall guard, and no HTTP/1.1 line");
        h1.finishAndReleaseAll();
        h2.finishAndReleaseAll();
    }

    @Test
    void eachStageAnswersWhatItOwnsBeforeRoutingSeesTheRequest() {
        CountingApi api = new CountingApi();

        // A body over the limit: the aggregator answers Bedrock's ValidationException naming the body; routing never
        // sees it.
        String tooBig = exchange(api, raw(INVOKE, "{\"prompt\": \"" + "x".repeat(100) + "\"}"));
        assertTrue(tooBig.startsWith("HTTP/1.1 400"), tooBig);
        assertTrue(tooBig.contains("Value at 'body' failed to satisfy constraint"), tooBig);
        assertTrue(tooBig.toLowerCase(Locale.ROOT).contains("x-amzn-errortype: validationexception"), tooBig);
        assertTrue(tooBig.toLowerCase(Locale.ROOT).contains("x-amzn-requestid: "), "every answer has a request id");
        assertEquals(0, api.resolved.get());

        // An unknown operation: the operation table answers before any model is resolved.
        String unknown = exchange(api, raw("/models/x/invoke", "{}"));
        assertTrue(unknown.startsWith("HTTP/1.1 404"), unknown);
        assertTrue(unknown.contains("UnknownOperationException"), unknown);
        assertEquals(0, api.resolved.get());

        // A known operation reaches the model directory, whose refusal is written as the AWS error.
        String notFound = exchange(api, raw(INVOKE, "{}"));
        assertTrue(notFound.startsWith("HTTP/1.1 404"), notFound);
        assertTrue(notFound.contains("ResourceNotFoundException"), notFound);
        assertEquals(1, api.resolved.get());
    }

    /** Sends raw bytes through HttpServerCodec and the request pipeline; returns everything written back. */
    private static String exchange(RuntimeApi api, String request) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast("front", new HttpServerCodec());
        pipeline(api).addHttp1(channel.pipeline(), "front");
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
        StringBuilder out = new StringBuilder();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) o;
            out.append(buf.toString(StandardCharsets.UTF_8));
            buf.release();
        }
        channel.finishAndReleaseAll();
        return out.toString();
    }

    private static String raw(String uri, String body) {
        return "POST " + uri + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }
}
