package dev.localbedrock.runtime.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BodyAggregatorTest {

    /** Found by the wire fuzzer: Netty's own answer here was a bare 413 with no x-amzn-ErrorType. */
    @Test
    void anOversizedBodyAnnouncedWithExpectContinueGetsTheAwsErrorAndIsNeverRead() {
        EmbeddedChannel channel = new EmbeddedChannel(new BodyAggregator(1000, new BodyBudget(1 << 20)));
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                "/model/meta.llama2-13b-chat-v1/invoke");
        request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 5000)
                .set(HttpHeaderNames.EXPECT, HttpHeaderValues.CONTINUE);

        assertFalse(channel.writeInbound(request), "nothing reaches the API handler");
        FullHttpResponse response = channel.readOutbound();

        assertEquals(400, response.status().code());
        assertEquals("ValidationException", response.headers().get("x-amzn-ErrorType"));
        assertTrue(response.headers().contains("x-amzn-RequestId"));
        assertEquals("application/json", response.headers().get(HttpHeaderNames.CONTENT_TYPE));
        assertTrue(response.content().toString(StandardCharsets.UTF_8).contains("less than or equal to 1000"));
        response.release();
        assertFalse(channel.isOpen(), "the connection closes instead of reading the refused body");
    }

    @Test
    void aBodyWithinTheLimitAnnouncedWithExpectContinueIsInvitedIn() {
        EmbeddedChannel channel = new EmbeddedChannel(new BodyAggregator(1000, new BodyBudget(1 << 20)));
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/x");
        request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 10)
                .set(HttpHeaderNames.EXPECT, HttpHeaderValues.CONTINUE);

        channel.writeInbound(request);
        FullHttpResponse response = channel.readOutbound();

        assertEquals(100, response.status().code());
        response.release();
        channel.writeInbound(new DefaultLastHttpContent(Unpooled.wrappedBuffer(new byte[10])));
        FullHttpRequest aggregated = channel.readInbound();
        assertEquals(10, aggregated.content().readableBytes());
        aggregated.release();
        assertTrue(channel.isOpen());
    }

    @Test
    void anUnsupportedExpectationGetsAValidationExceptionNotNettysBare417() {
        EmbeddedChannel channel = new EmbeddedChannel(new BodyAggregator(1000, new BodyBudget(1 << 20)));
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/x");
        request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 10).set(HttpHeaderNames.EXPECT, "fries-with-that");

        assertFalse(channel.writeInbound(request));
        FullHttpResponse response = channel.readOutbound();

        assertEquals(400, response.status().code());
        assertEquals("ValidationException", response.headers().get("x-amzn-ErrorType"));
        assertTrue(response.content().toString(StandardCharsets.UTF_8).contains("fries-with-that"));
        response.release();
        assertFalse(channel.isOpen());
    }

    /** Bodies being received hold their bytes in the server's budget; one that does not fit is refused. */
    @Test
    void uploadsHoldTheirBytesInTheServersBudgetAndGiveThemBack() {
        BodyBudget budget = new BodyBudget(100);
        EmbeddedChannel first = new EmbeddedChannel(new BodyAggregator(1000, budget));
        EmbeddedChannel second = new EmbeddedChannel(new BodyAggregator(1000, budget));
        first.writeInbound(post(), new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[70])));
        assertEquals(70, budget.held(), "a body being received holds its bytes");

        second.writeInbound(post());
        assertFalse(second.writeInbound(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[40]))));
        FullHttpResponse busy = second.readOutbound();
        assertEquals(429, busy.status().code(), "70 + 40 does not fit in 100");
        assertEquals("ThrottlingException", busy.headers().get("x-amzn-ErrorType"));
        busy.release();
        assertFalse(second.isOpen(), "the refused upload is not read further");
        assertEquals(70, budget.held());

        first.writeInbound(new DefaultLastHttpContent(Unpooled.wrappedBuffer(new byte[10])));
        FullHttpRequest whole = first.readInbound();
        assertEquals(80, whole.content().readableBytes());
        whole.release();
        assertEquals(0, budget.held(), "handed on whole: the decode queue holds it from here");

        EmbeddedChannel dropped = new EmbeddedChannel(new BodyAggregator(1000, budget));
        dropped.writeInbound(post(), new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[50])));
        assertEquals(50, budget.held());
        dropped.close();
        assertEquals(0, budget.held(), "a client gone mid-body gives its bytes back");
    }

    private static HttpRequest post() {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/x");
        request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 80);
        return request;
    }
}
