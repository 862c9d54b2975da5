package dev.localbedrock.runtime.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Abandons a response whose client has stopped reading. Generation does not wait for the client (its batch slot
 * would be held hostage), so the channel's send buffer grows past the high-water mark and the channel turns
 * unwritable; if it stays unwritable for the stall timeout, the channel is closed, which cancels the generation
 * behind it (its batch slot and KV are freed at the scheduler's next step). What is buffered meanwhile is bounded by
 * the generation rate times the timeout, on top of the high-water mark.
 * <p>
 * Installed first on each connection, where closing skips the HTTP/2 codec's graceful GOAWAY wait (a client that
 * reads nothing would never see it), and on each HTTP/2 stream, whose writability follows the stream's flow-control
 * window: there closing resets just that stream.
 */
final class WriteStallGuard extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(WriteStallGuard.class);
    private final Duration timeout;
    private final ChannelTimeout timer = new ChannelTimeout();

    WriteStallGuard(long timeoutNanos) {
        this.timeout = Duration.ofNanos(timeoutNanos);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        check(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        check(ctx);
        ctx.fireChannelWritabilityChanged();
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

    private void check(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            timer.cancel();
        } else if (!timer.pending() && ctx.channel().isOpen()) {
            timer.start(ctx, timeout, () -> expire(ctx));
        }
    }

    private void expire(ChannelHandlerContext ctx) {
        if (!ctx.channel().isWritable() && ctx.channel().isOpen()) {
            log.debug("{}: client read nothing for {} ms with {} bytes waiting; closing", ctx.channel(),
                    timeout.toMillis(), ctx.channel().bytesBeforeWritable());
            ctx.close();
        }
    }
}
