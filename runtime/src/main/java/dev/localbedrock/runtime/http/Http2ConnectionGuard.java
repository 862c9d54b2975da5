package dev.localbedrock.runtime.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.ReferenceCountUtil;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Connection-level limits of an HTTP/2 connection that Netty's codec does not enforce itself (its own: see
 * {@link Http2Limits}). Installed after the stream multiplexer the moment a connection turns to HTTP/2, which is
 * when it takes over from the HTTP/1.1 deadlines:
 * <ul>
 *   <li><b>Idle:</b> with no stream open for the idle timeout the connection is closed with GOAWAY.</li>
 *   <li><b>Slow header blocks:</b> a HEADERS frame whose CONTINUATION frames do not complete the block within the
 *       header timeout ends the connection ({@link Http2HeaderBlockDeadline}, installed here in front of the
 *       codec).</li>
 *   <li><b>SETTINGS and PING floods:</b> each costs the server a frame in reply; more than
 *       {@value #MAX_CONTROL_FRAMES_PER_WINDOW} in {@value #WINDOW_SECONDS} s end the connection with GOAWAY
 *       ENHANCE_YOUR_CALM. (A client that floods and does not read is stopped earlier by the codec's cap on
 *       queued control frames.)</li>
 * </ul>
 */
final class Http2ConnectionGuard extends ChannelInboundHandlerAdapter {
    /** Well-behaved clients send one SETTINGS frame and, at most, a keep-alive PING every few seconds. */
    static final int MAX_CONTROL_FRAMES_PER_WINDOW = 200;
    static final int WINDOW_SECONDS = 10;

    private final Duration idleTimeout;
    private final Duration headerTimeout;
    private final Http1Deadlines http1;
    private ChannelHandlerContext ctx;
    private Http2FrameCodec codec;
    private final ChannelTimeout idleTimer = new ChannelTimeout();
    private long windowStartNanos;
    private int controlFramesInWindow;
    /** Set once the flood limit has ended the connection: what is still in the read buffer is dropped. */
    private boolean flooded;

    Http2ConnectionGuard(Duration idleTimeout, Duration headerTimeout, Http1Deadlines http1) {
        this.idleTimeout = idleTimeout;
        this.headerTimeout = headerTimeout;
        this.http1 = http1;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        http1.stop();
        codec = ctx.pipeline().get(Http2FrameCodec.class);
        ctx.pipeline().addBefore(ctx.pipeline().context(codec).name(), "h2-header-block",
                new Http2HeaderBlockDeadline(headerTimeout, codec));
        Http2Connection connection = codec.connection();
        connection.addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamActive(Http2Stream stream) {
                idleTimer.cancel();
            }

            @Override
            public void onStreamClosed(Http2Stream stream) {
                if (connection.numActiveStreams() == 0) {
                    scheduleIdle();
                }
            }
        });
        windowStartNanos = System.nanoTime();
        if (connection.numActiveStreams() == 0) {
            scheduleIdle();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        boolean control = msg instanceof Http2SettingsFrame || msg instanceof Http2PingFrame p && !p.ack();
        if (flooded) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (control && overRate()) {
            ReferenceCountUtil.release(msg);
            flooded = true;
            codec.onError(ctx.pipeline().context(codec), false, Http2Exception.connectionError(
                    Http2Error.ENHANCE_YOUR_CALM, "more than %d SETTINGS and PING frames in %d s",
                    MAX_CONTROL_FRAMES_PER_WINDOW, WINDOW_SECONDS));
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private boolean overRate() {
        long now = System.nanoTime();
        if (now - windowStartNanos > TimeUnit.SECONDS.toNanos(WINDOW_SECONDS)) {
            windowStartNanos = now;
            controlFramesInWindow = 0;
        }
        return ++controlFramesInWindow > MAX_CONTROL_FRAMES_PER_WINDOW;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        idleTimer.cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        idleTimer.cancel();
    }

    private void scheduleIdle() {
        if (!idleTimer.pending() && ctx.channel().isActive()) {
            idleTimer.start(ctx, idleTimeout, () -> {
                if (codec.connection().numActiveStreams() == 0) {
                    // Through the codec, so the client gets a GOAWAY before the close.
                    ctx.channel().close();
                }
            });
        }
    }
}
