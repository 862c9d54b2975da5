package dev.localbedrock.runtime.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;

import java.time.Duration;

/**
 * Read deadlines of one HTTP/1.1 connection, against clients that hold a connection without finishing a request
 * (slowloris). While no request is in progress the connection may sit idle for the idle timeout, then it is closed
 * without a word (as a keep-alive connection is). Once a request's first byte arrives its headers must be complete
 * within the header timeout, or the client gets a 408 RequestTimeoutException and the connection closes. The body
 * has its own deadline ({@link RequestBodyDeadline}); the response, none here (the write stall guard watches it).
 * <p>
 * Two handlers share this state: {@link #bytes()} sits before the HTTP codec and sees the first byte of a request,
 * {@link #messages()} sits after it and sees where requests and responses begin and end. When the connection turns
 * to HTTP/2 (prior knowledge or Upgrade) {@link #stop()} hands it over to {@link Http2ConnectionGuard}.
 */
final class Http1Deadlines {
    private enum Phase { AWAITING_REQUEST, READING_HEADERS, IN_PROGRESS, STOPPED }

    private final Duration idleTimeout;
    private final Duration headerTimeout;
    private Phase phase = Phase.AWAITING_REQUEST;
    /** Requests whose heads arrived and whose responses have not ended (more than one only when pipelined). */
    private int inProgress;
    private ChannelHandlerContext bytesCtx;
    private ChannelHandlerContext messagesCtx;
    private final ChannelTimeout timer = new ChannelTimeout();

    Http1Deadlines(Duration idleTimeout, Duration headerTimeout) {
        this.idleTimeout = idleTimeout;
        this.headerTimeout = headerTimeout;
    }

    ChannelHandler bytes() {
        return new Bytes();
    }

    ChannelHandler messages() {
        return new Messages();
    }

    /** The connection now speaks HTTP/2: these deadlines no longer apply. */
    void stop() {
        phase = Phase.STOPPED;
        timer.cancel();
    }

    private void awaitRequest() {
        if (phase == Phase.STOPPED) {
            return;
        }
        phase = Phase.AWAITING_REQUEST;
        schedule(idleTimeout, () -> bytesCtx.close());
    }

    private void firstByte() {
        if (phase == Phase.AWAITING_REQUEST) {
            phase = Phase.READING_HEADERS;
            schedule(headerTimeout, () -> RequestTimeouts.respond(messagesCtx, "headers", headerTimeout));
        }
    }

    private void headersRead() {
        if (phase == Phase.STOPPED) {
            return;
        }
        inProgress++;
        phase = Phase.IN_PROGRESS;
        timer.cancel();
    }

    private void responseEnded() {
        if (phase != Phase.STOPPED && inProgress > 0 && --inProgress == 0) {
            awaitRequest();
        }
    }

    private void schedule(Duration delay, Runnable expiry) {
        timer.cancel();
        ChannelHandlerContext ctx = bytesCtx;
        if (ctx != null && ctx.channel().isActive()) {
            timer.start(ctx, delay, () -> {
                if (ctx.channel().isActive()) {
                    expiry.run();
                }
            });
        }
    }

    /** First in the pipeline: sees raw bytes before the HTTP/1.1 or HTTP/2 codec. */
    private final class Bytes extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            bytesCtx = ctx;
            if (ctx.channel().isActive()) {
                awaitRequest();
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (!timer.pending() && phase == Phase.AWAITING_REQUEST) {
                awaitRequest();
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            firstByte();
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            timer.cancel();
            ctx.fireChannelInactive();
        }
    }

    /** After the HTTP/1.1 codec and the Upgrade handler: request heads in, responses out. */
    private final class Messages extends ChannelDuplexHandler {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            messagesCtx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest) {
                headersRead();
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            // A 100 Continue is not the end of the response, though it is a full message.
            boolean informational = msg instanceof HttpResponse r && r.status().codeClass() == HttpStatusClass.INFORMATIONAL;
            if (msg instanceof LastHttpContent && !informational) {
                promise = promise.unvoid();
                promise.addListener(f -> responseEnded());
            }
            ctx.write(msg, promise);
        }
    }
}
