package dev.localbedrock.runtime.http;

import dev.localbedrock.runtime.catalog.ServerSettings;
import dev.localbedrock.runtime.catalog.TlsSettings;
import dev.localbedrock.runtime.tls.TlsCertificate;
import dev.localbedrock.runtime.tls.TlsConfigurationException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLException;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The Netty server: HTTP/1.1 and HTTP/2 cleartext on one port (see {@link HttpProtocolInitializer}), routing to the
 * Bedrock runtime API; with TLS configured, HTTPS (HTTP/2 or HTTP/1.1 by ALPN) on a second port to the same routes
 * (see {@link TlsProtocolInitializer}).
 */
public final class BedrockServer implements AutoCloseable {
    private static final long QUIET_PERIOD_MILLIS = 250;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(BedrockServer.class);
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
    private Channel tlsChannel;
    private TlsCertificate tlsCertificate;

    public BedrockServer(ServerSettings settings, RuntimeApi api) {
        this(settings, api, ServerObservers.NONE);
    }

    /** A server that hands every completed call to {@code observers} and serves their metrics on /metrics. */
    public BedrockServer(ServerSettings settings, RuntimeApi api, ServerObservers observers) {
        this.settings = settings;
        this.api = api;
        this.observers = observers;
    }

    /**
     * Binds and returns the bound address (the real port when 0 was asked for); with TLS on, binds its port too
     * (see {@link #tlsAddress()}). The certificate is loaded (or generated) first, so a bad PEM file fails the start
     * before any port is open.
     *
     * @throws dev.localbedrock.runtime.tls.TlsConfigurationException naming the PEM file that cannot be used
     */
    public InetSocketAddress start() throws InterruptedException {
        TlsSettings tls = settings.tls();
        SslContext tlsContext = null;
        if (tls.enabled()) {
            tlsCertificate = TlsCertificate.forSettings(tls);
            try {
                tlsContext = TlsServerContext.build(tlsCertificate);
            } catch (SSLException | RuntimeException e) {
                throw new TlsConfigurationException("the TLS certificate " + (tls.operatorCertificate()
                        ? tls.certificate() : tls.generatedDir()) + " cannot be used: " + e.getMessage(), e);
            }
        }
        HttpProtocolInitializer http = new HttpProtocolInitializer(settings, api, decoders, bodies, observers);
        serverChannel = bootstrap(http).bind(settings.host(), settings.port()).sync().channel();
        if (tlsContext != null) {
            tlsChannel = bootstrap(new TlsProtocolInitializer(tlsContext, tls.handshakeTimeout(), http))
                    .bind(settings.host(), tls.port()).sync().channel();
            log.info("TLS on port {} ({}), certificate SHA-256 {}", tlsAddress().getPort(),
                    TlsServerContext.provider() == SslProvider.OPENSSL ? "OpenSSL " + OpenSsl.versionString() : "JDK",
                    tlsCertificate.sha256Fingerprint());
        }
        return (InetSocketAddress) serverChannel.localAddress();
    }

    private ServerBootstrap bootstrap(ChannelInitializer<SocketChannel> initializer) {
        return new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // Netty's defaults, stated: above 64 KiB unsent a channel turns unwritable, which starts the
                // write stall timer (WriteStallGuard); below 32 KiB it is writable again.
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(initializer);
    }

    /** The bound TLS address, or null when TLS is off (or the server has not started). */
    public InetSocketAddress tlsAddress() {
        return tlsChannel == null ? null : (InetSocketAddress) tlsChannel.localAddress();
    }

    /** The certificate the TLS port presents, or null when TLS is off. */
    public TlsCertificate tlsCertificate() {
        return tlsCertificate;
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
        if (tlsChannel != null) {
            tlsChannel.close().syncUninterruptibly();
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
