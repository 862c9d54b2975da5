package dev.localbedrock.runtime.catalog;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Network settings of the server.
 *
 * @param host             address to bind
 * @param port             port to bind; 0 picks a free one
 * @param maxBodyBytes     largest accepted request body (the Bedrock API allows 25,000,000 bytes)
 * @param shutdownGrace    how long in-flight requests may finish after a shutdown signal
 * @param connections      how long and how much a client may take on one connection (slow or abusive clients)
 * @param tls              HTTPS on a port of its own, beside {@code port} (off by default)
 * @param auth             whether signatures are verified and policies enforced (open by default)
 */
public record ServerSettings(String host, int port, int maxBodyBytes, Duration shutdownGrace,
                             ConnectionLimits connections, TlsSettings tls, AuthMode auth) {
    public static final int BEDROCK_MAX_BODY_BYTES = 25_000_000;

    public ServerSettings(String host, int port, int maxBodyBytes, Duration shutdownGrace,
                          ConnectionLimits connections, TlsSettings tls) {
        this(host, port, maxBodyBytes, shutdownGrace, connections, tls, AuthMode.OPEN);
    }

    public ServerSettings(String host, int port, int maxBodyBytes, Duration shutdownGrace,
                          ConnectionLimits connections) {
        this(host, port, maxBodyBytes, shutdownGrace, connections,
                TlsSettings.off(Path.of(CatalogLoader.DEFAULT_CACHE_DIR)));
    }

    public ServerSettings(String host, int port, int maxBodyBytes, Duration shutdownGrace) {
        this(host, port, maxBodyBytes, shutdownGrace, ConnectionLimits.defaults());
    }

    public static ServerSettings defaults() {
        return new ServerSettings("127.0.0.1", 8080, BEDROCK_MAX_BODY_BYTES, Duration.ofSeconds(30));
    }

    public ServerSettings withHost(String newHost) {
        return new ServerSettings(newHost, port, maxBodyBytes, shutdownGrace, connections, tls, auth);
    }

    public ServerSettings withPort(int newPort) {
        return new ServerSettings(host, newPort, maxBodyBytes, shutdownGrace, connections, tls, auth);
    }

    public ServerSettings withTls(TlsSettings newTls) {
        return new ServerSettings(host, port, maxBodyBytes, shutdownGrace, connections, newTls, auth);
    }

    /** TLS on {@code newTlsPort} (the command line's {@code --tls-port}), with the configured certificate if any. */
    public ServerSettings withTlsPort(int newTlsPort) {
        return new ServerSettings(host, port, maxBodyBytes, shutdownGrace, connections, tls.withPort(newTlsPort),
                auth);
    }

    public ServerSettings withAuth(AuthMode newAuth) {
        return new ServerSettings(host, port, maxBodyBytes, shutdownGrace, connections, tls, newAuth);
    }

    /**
     * Bounds on what one connection may hold: every wait on a client is timed, every size is capped, so a slow,
     * silent or hostile client cannot keep a connection (or the batch slot behind it) forever.
     *
     * @param idleTimeout          a connection with no request in progress is closed after this (HTTP/2: GOAWAY)
     * @param requestHeaderTimeout HTTP/1.1: from a request's first byte to the end of its headers
     * @param requestBodyTimeout   from a request's headers to the end of its body (HTTP/1.1 and each HTTP/2 stream)
     * @param writeStallTimeout    how long a response may sit above the send buffer's high-water mark (the client
     *                             stopped reading) before it is abandoned and its generation cancelled
     * @param maxHeaderBytes       largest request header block (HTTP/1.1 headers, HTTP/2 header list)
     * @param maxConcurrentStreams HTTP/2 streams one connection may have open at once
     */
    public record ConnectionLimits(Duration idleTimeout, Duration requestHeaderTimeout, Duration requestBodyTimeout,
                                   Duration writeStallTimeout, int maxHeaderBytes, int maxConcurrentStreams) {
        public static ConnectionLimits defaults() {
            return new ConnectionLimits(Duration.ofSeconds(120), Duration.ofSeconds(20), Duration.ofSeconds(60),
                    Duration.ofSeconds(30), 16_384, 100);
        }
    }
}
