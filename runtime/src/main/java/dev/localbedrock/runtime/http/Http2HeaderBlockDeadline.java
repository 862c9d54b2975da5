package dev.localbedrock.runtime.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameTypes;

import java.time.Duration;

/**
 * The HTTP/2 counterpart of the HTTP/1.1 header deadline: a header block (a HEADERS frame and its CONTINUATION
 * frames) must arrive whole within {@code request_header_timeout_seconds} of its first frame. While a block is
 * open the client may send no other frame (RFC 9113 §6.2), so a block never finished stalls the whole connection;
 * and the HPACK state cannot go on without the rest of it, so neither the stream nor the connection can be saved:
 * past the deadline the connection ends with GOAWAY ENHANCE_YOUR_CALM. The stream of the block was never opened,
 * so the GOAWAY's last stream id tells the client it was not processed; streams already open may finish (each
 * bounded by its own deadlines and the codec's graceful-shutdown timeout), then the connection closes.
 * <p>
 * Netty's codec gives no sign of a block until it is complete, so this handler, in front of the codec, follows the
 * frame boundaries of the raw bytes itself: the 24-byte client preface, then 9-byte frame headers (length, type,
 * flags, stream) and payloads it skips. It only reads; the codec still decodes and checks every byte.
 */
final class Http2HeaderBlockDeadline extends ChannelInboundHandlerAdapter {
    private static final int FRAME_HEADER_BYTES = Http2CodecUtil.FRAME_HEADER_LENGTH;
    private static final int END_HEADERS = 0x4;

    private final Duration timeout;
    private final Http2FrameCodec codec;
    private int prefaceLeft = Http2CodecUtil.connectionPrefaceBuf().readableBytes();
    private final byte[] frameHeader = new byte[FRAME_HEADER_BYTES];
    private int frameHeaderFill;
    private long payloadLeft;
    /** The frame being read ends the header block (HEADERS or CONTINUATION with END_HEADERS). */
    private boolean endsBlock;
    private boolean blockOpen;
    /** A block began in the bytes just followed: its deadline starts now (an earlier block's timer is stale). */
    private boolean blockBegan;
    /** The deadline has ended the connection: nothing more to watch. */
    private boolean expired;
    private final ChannelTimeout timer = new ChannelTimeout();

    Http2HeaderBlockDeadline(Duration timeout, Http2FrameCodec codec) {
        this.timeout = timeout;
        this.codec = codec;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes && !expired) {
            follow(bytes);
            if (!blockOpen || blockBegan) {
                timer.cancel();
            }
            if (blockOpen && !timer.pending()) {
                start(ctx);
            }
            blockBegan = false;
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

    /** Moves along the frames in {@code bytes}, without consuming them. */
    private void follow(ByteBuf bytes) {
        int at = bytes.readerIndex();
        int end = bytes.writerIndex();
        while (at < end) {
            if (prefaceLeft > 0) {
                int n = Math.min(prefaceLeft, end - at);
                prefaceLeft -= n;
                at += n;
            } else if (payloadLeft > 0) {
                int n = (int) Math.min(payloadLeft, end - at);
                payloadLeft -= n;
                at += n;
                if (payloadLeft == 0) {
                    frameEnded();
                }
            } else {
                frameHeader[frameHeaderFill++] = bytes.getByte(at++);
                if (frameHeaderFill == FRAME_HEADER_BYTES) {
                    frameHeaderFill = 0;
                    frameBegan();
                }
            }
        }
    }

    private void frameBegan() {
        payloadLeft = (frameHeader[0] & 0xffL) << 16 | (frameHeader[1] & 0xffL) << 8 | (frameHeader[2] & 0xffL);
        byte type = frameHeader[3];
        boolean endHeaders = (frameHeader[4] & END_HEADERS) != 0;
        if (type == Http2FrameTypes.HEADERS || type == Http2FrameTypes.PUSH_PROMISE) {
            blockOpen = true;
            blockBegan = true;
        }
        endsBlock = blockOpen && endHeaders
                && (type == Http2FrameTypes.HEADERS || type == Http2FrameTypes.CONTINUATION
                || type == Http2FrameTypes.PUSH_PROMISE);
        if (payloadLeft == 0) {
            frameEnded();
        }
    }

    private void frameEnded() {
        if (endsBlock) {
            blockOpen = false;
            endsBlock = false;
        }
    }

    private void start(ChannelHandlerContext ctx) {
        timer.start(ctx, timeout, () -> {
            if (blockOpen && ctx.channel().isActive()) {
                expired = true;
                // Graceful: the GOAWAY names the last stream opened (not the block's), so the client knows its
                // request was not processed; streams already open may still finish, within their own limits.
                codec.onError(ctx.pipeline().context(codec), false, new Http2Exception(Http2Error.ENHANCE_YOUR_CALM,
                        "header block not complete within " + RequestTimeouts.seconds(timeout) + " seconds",
                        Http2Exception.ShutdownHint.GRACEFUL_SHUTDOWN));
            }
        });
    }
}
