package dev.localbedrock.runtime.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

import javax.net.ssl.SSLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The TLS port: a TLS handshake, then by ALPN the same HTTP/2 or HTTP/1.1 pipeline the plain port builds (see
 * {@link HttpProtocolInitializer}), with the same guards. The handshake has a deadline of its own; a client that
 * speaks plain HTTP here fails it on its first bytes and is closed.
 * <p>
 * Order, socket side first: the write stall guard (it sees the encrypted bytes leave, which is what a client that
 * stops reading holds up), the TLS handler, then the HTTP/1.1 read deadlines on the decrypted bytes (so a handshake
 * is not mistaken for a slow request; it has its own deadline) and the protocol negotiation, which installs the rest.
 */
final class TlsProtocolInitializer extends ChannelInitializer<SocketChannel> {
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

    /** Installs the pipeline of the protocol the handshake agreed on, h2 or http/1.1 (also: no ALPN at all). */
    private final class Negotiation extends ApplicationProtocolNegotiationHandler {
        private final Http1Deadlines http1Deadlines;

        Negotiation(Http1Deadlines http1Deadlines) {
            super(ApplicationProtocolNames.HTTP_1_1);
            this.http1Deadlines = http1Deadlines;
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                http.addHttp2(ctx.pipeline(), http1Deadlines);
            } else if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
                http.addHttp1(ctx.pipeline(), http1Deadlines);
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
