package dev.localbedrock.runtime.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;

/**
 * One port, three ways in: HTTP/1.1 (sync Java SDK, boto3, curl), HTTP/2 with prior knowledge (async Java SDK since
 * 2.31.35 and the JavaScript SDK v3 open h2c directly) and the HTTP/1.1 Upgrade to h2c. Every HTTP/2 stream becomes a
 * child channel that speaks HTTP/1-style objects, so one {@link RuntimeApiHandler} serves both protocols.
 */
final class HttpProtocolInitializer extends ChannelInitializer<SocketChannel> {
    private final int maxBodyBytes;
    private final RuntimeApi api;

    HttpProtocolInitializer(int maxBodyBytes, RuntimeApi api) {
        this.maxBodyBytes = maxBodyBytes;
        this.api = api;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        HttpServerCodec http1 = new HttpServerCodec();
        HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(http1, protocol ->
                AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                        ? new Http2ServerUpgradeCodec(Http2FrameCodecBuilder.forServer().build(), http2Multiplexer())
                        : null, maxBodyBytes);
        ChannelInitializer<Channel> priorKnowledge = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel c) {
                c.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(), http2Multiplexer());
            }
        };
        ch.pipeline().addLast(new CleartextHttp2ServerUpgradeHandler(http1, upgrade, priorKnowledge));
        ch.pipeline().addLast(new PlainHttp1Setup());
    }

    private Http2MultiplexHandler http2Multiplexer() {
        return new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel stream) {
                stream.pipeline().addLast(
                        new Http2StreamFrameToHttpObjectCodec(true),
                        new BodyAggregator(maxBodyBytes),
                        new RuntimeApiHandler(api));
            }
        });
    }

    /** Reached only by plain HTTP/1.1 connections: installs the HTTP/1.1 request handlers, then gets out of the way. */
    private final class PlainHttp1Setup extends SimpleChannelInboundHandler<HttpMessage> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpMessage msg) {
            ChannelPipeline p = ctx.pipeline();
            String self = ctx.name();
            p.addAfter(self, "keep-alive", new HttpServerKeepAliveHandler());
            p.addAfter("keep-alive", "aggregator", new BodyAggregator(maxBodyBytes));
            p.addAfter("aggregator", "api", new RuntimeApiHandler(api));
            p.remove(this);
            ctx.fireChannelRead(ReferenceCountUtil.retain(msg));
        }
    }
}
