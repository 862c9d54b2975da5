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
import io.netty.handler.codec.http.HttpRequest;
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
    private static final OperationTable OPERATIONS = OperationTable.standard();
    private final int maxBodyBytes;
    private final BodyBudget budget;
    private final ServerObservers observers;
    /** The head of the request being collected (for the record of a refusal); event loop only. */
    private HttpRequest head;
    private long headNanos;
    /** Bytes of the body being collected that this handler holds in the budget; event loop only. */
    private long held;
    /** Set once this upload was refused for the budget: what else arrives of it is dropped. */
    private boolean refused;

    BodyAggregator(int maxBodyBytes, BodyBudget budget) {
        this(maxBodyBytes, budget, ServerObservers.NONE);
    }

    /** @param observers get the record of each request this refuses (the router records the rest) */
    BodyAggregator(int maxBodyBytes, BodyBudget budget, ServerObservers observers) {
        super(maxBodyBytes, true);
        this.maxBodyBytes = maxBodyBytes;
        this.budget = budget;
        this.observers = observers;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, HttpObject msg, List<Object> out) throws Exception {
        if (refused) {
            return; // the caller releases msg
        }
        if (msg instanceof HttpRequest request && !(msg instanceof FullHttpMessage)) { // a body follows
            head = request;
            headNanos = System.nanoTime();
        }
        if (msg instanceof HttpContent content && !(msg instanceof FullHttpMessage) && content.content().isReadable()) {
            int bytes = content.content().readableBytes();
            if (!budget.tryReserve(bytes)) {
                refused = true;
                giveBack();
                releaseCurrentMessage();
                CallRecord record = record(ctx, head);
                BedrockException error = new BedrockException(BedrockErrorType.THROTTLING, "The server is holding "
                        + "as many request bodies as it can; retry shortly.");
                FullHttpResponse busy = AwsResponses.error(ctx.alloc(), record.requestId(), error);
                busy.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(busy).addListener(ChannelFutureListener.CLOSE);
                record.failed(error);
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
        head = null;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        giveBack();
        CallRecord record = record(ctx, (HttpRequest) oversized);
        FullHttpResponse response = tooLarge(record.requestId());
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        recordRefusal(record, response, tooLargeMessage());
    }

    /**
     * The record of a request refused here, before the router saw it: its operation when its line names one (no
     * model: none was resolved yet).
     */
    private CallRecord record(ChannelHandlerContext ctx, HttpRequest request) {
        long start = request == head ? headNanos : System.nanoTime();
        CallRecord record = CallRecord.of(observers.calls(), ctx, request, AwsResponses.newRequestId(), start);
        try {
            record.operation(OPERATIONS.resolve(request.method(), request.uri()));
        } catch (RuntimeException unknown) {
            // an unknown route or a malformed escape: recorded without an operation, as the router would
        }
        return record;
    }

    private static void recordRefusal(CallRecord record, FullHttpResponse response, String message) {
        record.failed(response.status().code(), response.headers().get(AwsResponses.ERROR_TYPE), message);
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
                CallRecord record = record(pipeline.context(this), (HttpRequest) start);
                FullHttpResponse refused = tooLarge(record.requestId());
                recordRefusal(record, refused, tooLargeMessage());
                return refused;
            }
            if (status == HttpResponseStatus.EXPECTATION_FAILED.code()) {
                ReferenceCountUtil.release(netty);
                CallRecord record = record(pipeline.context(this), (HttpRequest) start);
                String message = "The Expect header value '" + expectation + "' is not supported; only "
                        + "100-continue is.";
                FullHttpResponse refused = AwsResponses.error(record.requestId(), 400,
                        BedrockErrorType.VALIDATION.shapeName(), message);
                refused.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                recordRefusal(record, refused, message);
                return refused;
            }
        }
        return netty;
    }

    private String tooLargeMessage() {
        return "1 validation error detected: Value at 'body' failed to satisfy constraint: "
                + "Member must have length less than or equal to " + maxBodyBytes;
    }

    private FullHttpResponse tooLarge(String requestId) {
        BedrockErrorType type = BedrockErrorType.VALIDATION;
        FullHttpResponse response = AwsResponses.error(requestId, type.httpStatus(), type.shapeName(),
                tooLargeMessage());
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }
}
