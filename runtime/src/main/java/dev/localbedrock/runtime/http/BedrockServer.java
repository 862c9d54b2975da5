package dev.localbedrock.runtime.http;

import dev.localbedrock.runtime.catalog.ServerSettings;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The Netty server: HTTP/1.1 and HTTP/2 cleartext on one port (see {@link HttpProtocolInitializer}), routing to the
 * Bedrock runtime API.
 */
public final class BedrockServer implements AutoCloseable {
    private static final long QUIET_PERIOD_MILLIS = 250;
    private final ServerSettings settings;
    private final RuntimeApi api;
    private final ServerObservers observers;
    private final EventLoopGroup boss = new NioEventLoopGroup(1);
    private final EventLoopGroup workers = new NioEventLoopGroup();
    /** Body decoding and prompt tokenization, off the event loops (see RuntimeApiHandler). */
    private final DecodeExecutor decoders = DecodeExecutor.forThisMachine();
    /** Request bodies held at once, being received or waiting for a decode thread (see BodyBudget). */
    private final BodyBudget bodies = BodyBudget.forThisJvm();
    private Channel serverChannel;

    public BedrockServer(ServerSettings settings, RuntimeApi api) {
        this(settings, api, ServerObservers.NONE);
    }

    /** A server that hands every completed call to {@code observers} and serves their metrics on /metrics. */
    public BedrockServer(ServerSettings settings, RuntimeApi api, ServerObservers observers) {
        this.settings = settings;
        this.api = api;
        this.observers = observers;
    }

    /** Binds and returns the bound address (the real port when 0 was asked for). */
    public InetSocketAddress start() throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // Netty's defaults, stated: above 64 KiB unsent a channel turns unwritable, which starts the
                // write stall timer (WriteStallGuard); below 32 KiB it is writable again.
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new HttpProtocolInitializer(settings, api, decoders, bodies, observers));
        serverChannel = bootstrap.bind(settings.host(), settings.port()).sync().channel();
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /**
     * At the start of a shutdown, after new requests are refused: waits up to {@code timeoutMillis} until the requests
     * already accepted have been decoded and handed to their models, so the models can be stopped safely.
     */
    public void finishDecoding(long timeoutMillis) {
        decoders.drain(timeoutMillis);
    }

    /** Stops accepting connections; open connections are closed by {@link #close()}. */
    public void stopAccepting() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
    }

    @Override
    public void close() {
        stopAccepting();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        // A quiet period lets a request read just before the port closed still get its answer (503 while the
        // service drains) instead of a dropped connection; responses already queued are written first.
        workers.shutdownGracefully(QUIET_PERIOD_MILLIS, 5_000, TimeUnit.MILLISECONDS).syncUninterruptibly();
        decoders.close();
    }
}
