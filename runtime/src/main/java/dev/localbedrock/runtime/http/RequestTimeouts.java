package dev.localbedrock.runtime.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;

import java.time.Duration;

/** The answer to a client too slow to send its request: 408 in the restJson1 error shape, then the channel closes. */
final class RequestTimeouts {
    static final String ERROR_TYPE = "RequestTimeoutException";

    private RequestTimeouts() {
    }

    /**
     * Writes the 408 and closes the channel (an HTTP/1.1 connection, or one HTTP/2 stream, which is reset) once it
     * is written; the write stall guard closes it anyway if the client reads nothing.
     */
    static void respond(ChannelHandlerContext ctx, String part, Duration limit) {
        FullHttpResponse response = AwsResponses.error(AwsResponses.newRequestId(), 408, ERROR_TYPE,
                "The request " + part + " did not arrive within " + seconds(limit) + " seconds");
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /** A duration as the configuration writes it: seconds, with fractions. */
    static String seconds(Duration d) {
        return java.math.BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString();
    }
}
