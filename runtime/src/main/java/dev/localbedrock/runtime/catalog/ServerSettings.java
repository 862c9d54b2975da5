package dev.localbedrock.runtime.catalog;

import java.time.Duration;

/**
 * Network settings of the server.
 *
 * @param host             address to bind
 * @param port             port to bind; 0 picks a free one
 * @param maxBodyBytes     largest accepted request body (the Bedrock API allows 25,000,000 bytes)
 * @param shutdownGrace    how long in-flight requests may finish after a shutdown signal
 */
public record ServerSettings(String host, int port, int maxBodyBytes, Duration shutdownGrace) {
    public static final int BEDROCK_MAX_BODY_BYTES = 25_000_000;

    public static ServerSettings defaults() {
        return new ServerSettings("127.0.0.1", 8080, BEDROCK_MAX_BODY_BYTES, Duration.ofSeconds(30));
    }

    public ServerSettings withHost(String newHost) {
        return new ServerSettings(newHost, port, maxBodyBytes, shutdownGrace);
    }

    public ServerSettings withPort(int newPort) {
        return new ServerSettings(host, newPort, maxBodyBytes, shutdownGrace);
    }
}
