package dev.localbedrock.runtime.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

import javax.net.ssl.SSLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The TLS port: a TLS handshake, then by ALPN the same HTTP/2 or HTTP/1.1 pipeline the plain port builds (see
 * {@link HttpProtocolInitializer}), with the same guards. The handshake has a deadline of its own; a client that
 * speaks plain HTTP here fails it on its first bytes and is closed. A client that offers no ALPN gets HTTP/2 if it
 * opens with the HTTP/2 preface (as the Java SDK's Netty client does by default), else HTTP/1.1.
 * <p>
 * Order, socket side first: the write stall guard (it sees the encrypted bytes leave, which is what a client that
 * stops reading holds up), the TLS handler, then the HTTP/1.1 read deadlines on the decrypted bytes (so a handshake
 * is not mistaken for a slow request; it has its own deadline) and the protocol negotiation, which installs the rest.
 */
final class TlsProtocolInitializer extends ChannelInitializer<SocketChannel> {
    /** The negotiation's answer when the client offered no ALPN at all. */
    private static final String NO_ALPN = "";
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TlsProtocolInitializer.class);
    private final SslContext context;
    private final Duration handshakeTimeout;
    private final HttpProtocolInitializer http;

    TlsProtocolInitializer(SslContext context, Duration handshakeTimeout, HttpProtocolInitializer http) {
        this.context = context;
        this.handshakeTimeout = handshakeTimeout;
        this.http = http;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        Http1Deadlines http1Deadlines = http.http1Deadlines();
        SslHandler tls = context.newHandler(ch.alloc());
        tls.setHandshakeTimeout(handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        ch.pipeline().addLast("write-stall", http.writeStallGuard());
        ch.pipeline().addLast("tls", tls);
        ch.pipeline().addLast("read-bytes", http1Deadlines.bytes());
        ch.pipeline().addLast("alpn", new Negotiation(http1Deadlines));
    }

    /**
     * On a connection without ALPN: HTTP/2 if its first bytes are the HTTP/2 connection preface (RFC 9113 §3.4),
     * HTTP/1.1 as soon as they are not. Holds at most the preface's 24 bytes, and only until they differ.
     */
    private final class PrefaceDetector extends ByteToMessageDecoder {
        private final Http1Deadlines http1Deadlines;

        PrefaceDetector(Http1Deadlines http1Deadlines) {
            this.http1Deadlines = http1Deadlines;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
            try {
                int n = Math.min(in.readableBytes(), preface.readableBytes());
                boolean h2 = ByteBufUtil.equals(in, in.readerIndex(), preface, preface.readerIndex(), n);
                if (h2 && n < preface.readableBytes()) {
                    return;
                }
                if (h2) {
                    http.addHttp2(ctx.pipeline(), http1Deadlines);
                } else {
                    http.addHttp1(ctx.pipeline(), http1Deadlines);
                }
                // Removing a decoder passes what it holds on to the handlers just installed.
                ctx.pipeline().remove(this);
            } finally {
                preface.release();
            }
        }
    }

    /** Installs the pipeline of the protocol the handshake agreed on: h2, http/1.1, or (no ALPN) what is sent. */
    private final class Negotiation extends ApplicationProtocolNegotiationHandler {
        private final Http1Deadlines http1Deadlines;

        Negotiation(Http1Deadlines http1Deadlines) {
            super(NO_ALPN);
            this.http1Deadlines = http1Deadlines;
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                http.addHttp2(ctx.pipeline(), http1Deadlines);
            } else if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
                http.addHttp1(ctx.pipeline(), http1Deadlines);
            } else if (NO_ALPN.equals(protocol)) {
                // The Java SDK's Netty client on HTTP/2 sends no ALPN by default (it assumes h2): tell the two
                // apart by the first bytes, as h2c prior knowledge is told apart on the plain port.
                ctx.pipeline().addLast(new PrefaceDetector(http1Deadlines));
            } else {
                ctx.close();
            }
        }

        /**
         * Failed handshakes (scanners, plain HTTP on this port, an old TLS version, no suite in common, a client
         * that does not trust the certificate) are the client's business: one debug line, not a warning each.
         */
        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
            if (cause instanceof DecoderException && cause.getCause() instanceof SSLException
                    || cause instanceof SSLException) {
                log.debug("TLS error on {}: {}", ctx.channel().remoteAddress(), cause.toString());
                ctx.close();
                return;
            }
            super.exceptionCaught(ctx, cause);
        }
    }
}
