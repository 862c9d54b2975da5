package dev.localbedrock.runtime.http;

import dev.localbedrock.runtime.observe.CompletedCall;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The requests the body aggregator refuses itself, before the router sees them, are recorded once too. */
class BodyAggregatorRecordTest {
    private static final String LINE = "POST /model/meta.llama2-13b-chat-v1/invoke HTTP/1.1\r\nHost: x\r\n";

    private final List<CompletedCall> calls = new ArrayList<>();

    private EmbeddedChannel channel(int maxBodyBytes, long budgetBytes) {
        return new EmbeddedChannel(new HttpServerCodec(),
                new BodyAggregator(maxBodyBytes, new BodyBudget(budgetBytes), new ServerObservers(calls::add, null)));
    }

    @Test
    void anOversizedBodyIsOneValidationRecord() {
        EmbeddedChannel ch = channel(16, 1 << 20);
        ch.writeInbound(bytes(LINE + "Content-Length: 100\r\n\r\n" + "x".repeat(100)));
        assertRefused(ch, 400, "ValidationException");
    }

    @Test
    void anOversizedExpectContinueIsOneValidationRecord() {
        EmbeddedChannel ch = channel(16, 1 << 20);
        ch.writeInbound(bytes(LINE + "Expect: 100-continue\r\nContent-Length: 100\r\n\r\n"));
        assertRefused(ch, 400, "ValidationException");
    }

    @Test
    void aBodyOverTheServersBudgetIsOneThrottleRecord() {
        EmbeddedChannel ch = channel(1024, 8);
        ch.writeInbound(bytes(LINE + "Content-Length: 100\r\n\r\n" + "x".repeat(100)));
        assertRefused(ch, 429, "ThrottlingException");
    }

    private void assertRefused(EmbeddedChannel ch, int status, String type) {
        Object response = ch.readOutbound();
        String wire = ((ByteBuf) response).toString(StandardCharsets.US_ASCII);
        ReferenceCountUtil.release(response);
        assertTrue(wire.startsWith("HTTP/1.1 " + status), wire);
        assertEquals(1, calls.size(), calls.toString());
        CompletedCall call = calls.get(0);
        assertEquals(status, call.httpStatus());
        assertEquals(type, call.errorCode());
        assertTrue(wire.contains(call.requestId()), "the record has the request id the client got");
        assertEquals("InvokeModel", call.operation());
        assertEquals(Map.of("modelId", "meta.llama2-13b-chat-v1"), call.pathParameters());
        assertNull(call.modelId(), "no model was resolved");
        ch.finishAndReleaseAll();
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }
}
