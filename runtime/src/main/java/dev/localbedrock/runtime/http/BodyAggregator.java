package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockErrorType;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;

/**
 * Collects a request body up to the configured limit. A body over the limit gets an AWS-shaped ValidationException
 * instead of Netty's bare 413, and the connection (or HTTP/2 stream) is closed so the rest of the upload is not read.
 */
final class BodyAggregator extends HttpObjectAggregator {
    private final int maxBodyBytes;

    BodyAggregator(int maxBodyBytes) {
        super(maxBodyBytes, true);
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        ctx.writeAndFlush(tooLarge()).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * A request that says {@code Expect: 100-continue} with a Content-Length over the limit is refused before its
     * body is sent. Netty answers that with a bare 413 that no SDK can map to an error type; it gets the same AWS
     * error as any other oversized body (the aggregator then skips the body and closes the connection).
     */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object netty = super.newContinueResponse(start, maxContentLength, pipeline);
        if (netty instanceof HttpResponse response
                && response.status().code() == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code()) {
            ReferenceCountUtil.release(netty);
            return tooLarge();
        }
        return netty;
    }

    private FullHttpResponse tooLarge() {
        BedrockErrorType type = BedrockErrorType.VALIDATION;
        FullHttpResponse response = AwsResponses.error(AwsResponses.newRequestId(), type.httpStatus(),
                type.shapeName(), "1 validation error detected: Value at 'body' failed to satisfy constraint: "
                        + "Member must have length less than or equal to " + maxBodyBytes);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }
}
