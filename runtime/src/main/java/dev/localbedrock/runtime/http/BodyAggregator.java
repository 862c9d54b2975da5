package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;

import java.util.List;

/**
 * Collects a request body up to the configured limit. A body over the limit gets an AWS-shaped ValidationException
 * instead of Netty's bare 413, and the connection (or HTTP/2 stream) is closed so the rest of the upload is not read.
 * While it is collected, the body holds its bytes in the server's {@link BodyBudget}; when the server holds as much
 * as it will, the request is refused with ThrottlingException and its connection (or stream) closed. The bytes are
 * given back when the whole body is handed on (the decode queue reserves them again) or the upload ends otherwise.
 */
final class BodyAggregator extends HttpObjectAggregator {
    private final int maxBodyBytes;
    private final BodyBudget budget;
    /** Bytes of the body being collected that this handler holds in the budget; event loop only. */
    private long held;
    /** Set once this upload was refused for the budget: what else arrives of it is dropped. */
    private boolean refused;

    BodyAggregator(int maxBodyBytes, BodyBudget budget) {
        super(maxBodyBytes, true);
        this.maxBodyBytes = maxBodyBytes;
        this.budget = budget;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, HttpObject msg, List<Object> out) throws Exception {
        if (refused) {
            return; // the caller releases msg
        }
        if (msg instanceof HttpContent content && !(msg instanceof FullHttpMessage) && content.content().isReadable()) {
            int bytes = content.content().readableBytes();
            if (!budget.tryReserve(bytes)) {
                refused = true;
                giveBack();
                releaseCurrentMessage();
                FullHttpResponse busy = AwsResponses.error(ctx.alloc(), AwsResponses.newRequestId(),
                        new BedrockException(BedrockErrorType.THROTTLING, "The server is holding as many request "
                                + "bodies as it can; retry shortly."));
                busy.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(busy).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            held += bytes;
        }
        super.decode(ctx, msg, out);
    }

    @Override
    protected void finishAggregation(FullHttpMessage aggregated) throws Exception {
        super.finishAggregation(aggregated);
        giveBack();
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        giveBack();
        ctx.writeAndFlush(tooLarge()).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        giveBack();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        giveBack();
        super.handlerRemoved(ctx);
    }

    private void giveBack() {
        budget.release(held);
        held = 0;
    }

    /**
     * A request that says {@code Expect: 100-continue} with a Content-Length over the limit is refused before its
     * body is sent. Netty answers that with a bare 413 that no SDK can map to an error type; it gets the same AWS
     * error as any other oversized body (the aggregator then skips the body and closes the connection). An
     * expectation other than {@code 100-continue} gets Netty's bare 417 otherwise: it is a ValidationException too.
     */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        String expectation = start.headers().get(HttpHeaderNames.EXPECT); // Netty removes it below
        Object netty = super.newContinueResponse(start, maxContentLength, pipeline);
        if (netty instanceof HttpResponse response) {
            int status = response.status().code();
            if (status == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code()) {
                ReferenceCountUtil.release(netty);
                return tooLarge();
            }
            if (status == HttpResponseStatus.EXPECTATION_FAILED.code()) {
                ReferenceCountUtil.release(netty);
                FullHttpResponse refused = AwsResponses.error(AwsResponses.newRequestId(), 400,
                        BedrockErrorType.VALIDATION.shapeName(), "The Expect header value '"
                                + expectation + "' is not supported; only "
                                + "100-continue is.");
                refused.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                return refused;
            }
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
