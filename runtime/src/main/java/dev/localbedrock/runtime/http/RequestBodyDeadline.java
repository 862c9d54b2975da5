package dev.localbedrock.runtime.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

import java.time.Duration;

/**
 * A request's whole body must arrive within the body timeout of its headers (a total, not a gap between reads, so
 * a client trickling one byte at a time is bounded too). Past it the client gets a 408 RequestTimeoutException and
 * the HTTP/1.1 connection, or the HTTP/2 stream, is closed. No generation has been submitted yet, so nothing else
 * needs freeing. Sits before the body aggregator, which would otherwise wait without limit.
 */
final class RequestBodyDeadline extends ChannelInboundHandlerAdapter {
    private final Duration timeout;
    private final ChannelTimeout timer = new ChannelTimeout();

    RequestBodyDeadline(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest && !(msg instanceof LastHttpContent)) {
            start(ctx);
        } else if (msg instanceof LastHttpContent) {
            timer.cancel();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        timer.cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        timer.cancel();
    }

    private void start(ChannelHandlerContext ctx) {
        timer.start(ctx, timeout, () -> {
            if (ctx.channel().isActive()) {
                RequestTimeouts.respond(ctx, "body", timeout);
            }
        });
    }
}
