package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockErrorType;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;

/**
 * Answers pipelined HTTP/1.1 requests one at a time, in the order they arrived (RFC 9112 §9.3.2). A client may send
 * request 2 before response 1 has ended; were both handed on at once, two generations would write into one byte
 * stream and their responses interleave. So the request being answered is the only one the handlers behind this
 * one see: later requests wait here, head and body as decoded, and the next is handed on once the previous
 * response's last part has been written. Every response, errors included (408, 413, 431, a 100 Continue), is written
 * by those handlers, so every response is in order.
 * <p>
 * The connection is read all the while, so a client that goes away is noticed at once and its running generation
 * cancelled (the responders watch the channel's close); pausing reads would hide the close until a write failed,
 * which for an InvokeModel is only after the whole generation. What waits is bounded instead: at most
 * {@value #MAX_WAITING_REQUESTS} requests and {@code max_body_bytes} of their bodies in all. The request past either
 * bound, and everything after it, is dropped; in its turn it gets a 429 ThrottlingException and the connection
 * closes, so the client knows exactly which requests were not served. (RFC 9112 advises clients not to pipeline
 * POSTs at all, so no SDK meets this; raw clients and abusers do.)
 */
final class Http1Pipelining extends ChannelDuplexHandler {
    /** Requests that may wait behind the one being answered. */
    static final int MAX_WAITING_REQUESTS = 8;
    /** Stands in the queue for the first request over the bounds. */
    private static final Object OVER_THE_LIMIT = new Object();

    private final long maxWaitingBytes;
    /** Decoded parts of the waiting requests, oldest first; each request's head before its content. */
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    private int waitingRequests;
    private long waitingBytes;
    /** A request has been handed on and its response has not ended. */
    private boolean answering;
    /** The request handed on is still arriving: its further parts go straight on. */
    private boolean forwardingBody;
    /** A request went over the bounds: all further input is dropped. */
    private boolean overLimit;
    /**
     * The waiting body part that the newest waiting request's content is copied into: a body that trickles in a
     * byte at a time would otherwise keep one read buffer alive per byte.
     */
    private HttpContent filling;

    Http1Pipelining(long maxWaitingBytes) {
        this.maxWaitingBytes = maxWaitingBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject part)) {
            ctx.fireChannelRead(msg);
        } else if (overLimit) {
            ReferenceCountUtil.release(msg);
        } else if (forwardingBody) {
            forward(ctx, part);
        } else if (!answering && waiting.isEmpty()) {
            forward(ctx, part);
        } else {
            hold(ctx, part);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        // A 100 Continue is a full message but not the end of the response.
        boolean informational = msg instanceof HttpResponse r
                && r.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        if (msg instanceof LastHttpContent && !informational) {
            promise = promise.unvoid();
            promise.addListener(f -> {
                if (f.isSuccess()) {
                    // Later, not inside the write: the next request must not start inside this response's stack.
                    ctx.executor().execute(() -> responseEnded(ctx));
                } else {
                    // The response did not get out whole; those behind it cannot follow it in order.
                    ctx.close();
                }
            });
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseWaiting();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseWaiting();
    }

    /** Hands a part on; a request head starts the answer to it. */
    private void forward(ChannelHandlerContext ctx, HttpObject part) {
        if (part instanceof HttpRequest) {
            answering = true;
            forwardingBody = true;
        }
        if (part instanceof LastHttpContent) {
            forwardingBody = false;
        }
        ctx.fireChannelRead(part);
    }

    private void hold(ChannelHandlerContext ctx, HttpObject part) {
        if (part instanceof HttpRequest && waitingRequests == MAX_WAITING_REQUESTS) {
            overTheLimit(part);
            return;
        }
        long bytes = part instanceof HttpContent c ? c.content().readableBytes() : 0;
        if (waitingBytes + bytes > maxWaitingBytes) {
            // Content of the newest waiting request, which is still arriving: that request is the one over.
            dropNewestRequest();
            overTheLimit(part);
            return;
        }
        if (part instanceof HttpRequest) {
            waitingRequests++;
        }
        waitingBytes += bytes;
        boolean plainContent = part instanceof HttpContent && !(part instanceof LastHttpContent)
                && part.decoderResult().isSuccess();
        if (!plainContent) {
            filling = null;
            waiting.add(part);
            return;
        }
        HttpContent content = (HttpContent) part;
        if (filling == null) {
            filling = new DefaultHttpContent(ctx.alloc().buffer((int) bytes));
            waiting.add(filling);
        }
        filling.content().writeBytes(content.content());
        content.release();
    }

    private void overTheLimit(HttpObject part) {
        ReferenceCountUtil.release(part);
        overLimit = true;
        waiting.add(OVER_THE_LIMIT);
    }

    /** Removes the newest waiting request, which is still arriving (only its content can cross the byte bound). */
    private void dropNewestRequest() {
        filling = null;
        while (!waiting.isEmpty()) {
            Object part = waiting.pollLast();
            release(part);
            if (part instanceof HttpRequest) {
                waitingRequests--;
                return;
            }
        }
    }

    private void responseEnded(ChannelHandlerContext ctx) {
        answering = false;
        if (!ctx.channel().isActive() || waiting.isEmpty()) {
            return;
        }
        Object next = waiting.poll();
        if (next == OVER_THE_LIMIT) {
            rejectTheRest(ctx);
            return;
        }
        waitingRequests--;
        handOn(ctx, next);
        while (forwardingBody && !waiting.isEmpty() && waiting.peek() != OVER_THE_LIMIT) {
            handOn(ctx, waiting.poll());
        }
    }

    private void handOn(ChannelHandlerContext ctx, Object part) {
        if (part == filling) {
            filling = null; // the rest of that body goes straight on
        }
        if (part instanceof HttpContent c) {
            waitingBytes -= c.content().readableBytes();
        }
        forward(ctx, (HttpObject) part);
    }

    private void rejectTheRest(ChannelHandlerContext ctx) {
        releaseWaiting();
        FullHttpResponse response = AwsResponses.error(AwsResponses.newRequestId(),
                BedrockErrorType.THROTTLING.httpStatus(), BedrockErrorType.THROTTLING.shapeName(),
                "Too many pipelined requests: at most " + MAX_WAITING_REQUESTS + " requests and " + maxWaitingBytes
                        + " body bytes may wait behind the one being answered on an HTTP/1.1 connection; this "
                        + "request and those after it were not processed");
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private void releaseWaiting() {
        filling = null;
        while (!waiting.isEmpty()) {
            release(waiting.poll());
        }
        waitingRequests = 0;
        waitingBytes = 0;
    }

    private static void release(Object part) {
        if (part != OVER_THE_LIMIT) {
            ReferenceCountUtil.release(part);
        }
    }
}
