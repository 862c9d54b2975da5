package dev.localbedrock.runtime.http;

import dev.localbedrock.runtime.catalog.ServerSettings;
import dev.localbedrock.runtime.catalog.ServerSettings.ConnectionLimits;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.Executor;

/**
 * One port, three ways in: HTTP/1.1 (sync Java SDK, boto3, curl), HTTP/2 with prior knowledge (async Java SDK since
 * 2.31.35 and the JavaScript SDK v3 open h2c directly) and the HTTP/1.1 Upgrade to h2c. Every HTTP/2 stream becomes a
 * child channel that speaks HTTP/1-style objects, so one {@link RequestPipeline} serves both protocols.
 * <p>
 * Every connection starts with its guards: the write stall guard (a client that stops reading) and the HTTP/1.1
 * read deadlines (idle, slow headers), which hand over to {@link Http2ConnectionGuard} if the connection turns to
 * HTTP/2. Sizes are capped by the codecs: headers by {@code max_header_bytes}, bodies by {@code max_body_bytes}.
 */
final class HttpProtocolInitializer extends ChannelInitializer<SocketChannel> {
    private static final int MAX_CHUNK_BYTES = 8192;
    private final ServerSettings settings;
    private final ConnectionLimits limits;
    private final RequestPipeline requests;

    HttpProtocolInitializer(ServerSettings settings, RuntimeApi api, Executor decoders, BodyBudget bodies,
                            ServerObservers observers) {
        this.settings = settings;
        this.limits = settings.connections();
        this.requests = new RequestPipeline(settings, api, decoders, bodies, observers);
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        Http1Deadlines http1Deadlines = http1Deadlines();
        HttpServerCodec http1 = new HttpServerCodec(RequestPipeline.MAX_REQUEST_LINE_BYTES, limits.maxHeaderBytes(),
                MAX_CHUNK_BYTES);
        HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(http1, protocol ->
                AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                        ? new Http2ServerUpgradeCodec(Http2Limits.serverCodec(limits), http2Multiplexer(),
                        connectionGuard(http1Deadlines))
                        : null, settings.maxBodyBytes());
        ChannelInitializer<Channel> priorKnowledge = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel c) {
                c.pipeline().addLast(Http2Limits.serverCodec(limits), http2Multiplexer(),
                        connectionGuard(http1Deadlines));
            }
        };
        ch.pipeline().addLast("write-stall", writeStallGuard());
        ch.pipeline().addLast("read-bytes", http1Deadlines.bytes());
        ch.pipeline().addLast(new CleartextHttp2ServerUpgradeHandler(http1, upgrade, priorKnowledge));
        ch.pipeline().addLast("http1-deadlines", http1Deadlines.messages());
        ch.pipeline().addLast(new PlainHttp1Setup());
    }

    /** The read deadlines of a new connection, which start as HTTP/1.1's (see {@link Http1Deadlines}). */
    Http1Deadlines http1Deadlines() {
        return new Http1Deadlines(limits.idleTimeout(), limits.requestHeaderTimeout());
    }

    WriteStallGuard writeStallGuard() {
        return new WriteStallGuard(limits.writeStallTimeout().toNanos());
    }

    /**
     * Appends an HTTP/2 connection (TLS, ALPN h2): the frame codec and stream multiplexer exactly as h2c prior
     * knowledge installs them, and the connection guard, which takes over from the HTTP/1.1 deadlines.
     */
    void addHttp2(ChannelPipeline p, Http1Deadlines http1Deadlines) {
        p.addLast(Http2Limits.serverCodec(limits), http2Multiplexer(), connectionGuard(http1Deadlines));
    }

    /** Appends an HTTP/1.1 connection (TLS, ALPN http/1.1 or none): the codec, its deadlines, then the requests. */
    void addHttp1(ChannelPipeline p, Http1Deadlines http1Deadlines) {
        p.addLast("http1", new HttpServerCodec(RequestPipeline.MAX_REQUEST_LINE_BYTES, limits.maxHeaderBytes(),
                MAX_CHUNK_BYTES));
        p.addLast("http1-deadlines", http1Deadlines.messages());
        p.addLast(new PlainHttp1Setup());
    }

    private Http2ConnectionGuard connectionGuard(Http1Deadlines http1Deadlines) {
        return new Http2ConnectionGuard(limits.idleTimeout(), limits.requestHeaderTimeout(), http1Deadlines);
    }

    private Http2MultiplexHandler http2Multiplexer() {
        return new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel stream) {
                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true));
                requests.addHttp2Stream(stream.pipeline());
            }
        });
    }

    /**
     * Reached only by plain HTTP/1.1 connections: installs the HTTP/1.1 request handlers, then gets out of the way.
     * The h2c Upgrade is honoured on a connection's first request only (a server may ignore Upgrade, RFC 9110
     * §7.8): the Upgrade handler sits in front of the request line-up, and switching protocols on a pipelined
     * request would write its 101 into the middle of the response before it.
     */
    private final class PlainHttp1Setup extends SimpleChannelInboundHandler<HttpMessage> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpMessage msg) {
            requests.addHttp1(ctx.pipeline(), ctx.name());
            if (ctx.pipeline().get(HttpServerUpgradeHandler.class) != null) {
                ctx.pipeline().remove(HttpServerUpgradeHandler.class);
            }
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(ReferenceCountUtil.retain(msg));
        }
    }
}
