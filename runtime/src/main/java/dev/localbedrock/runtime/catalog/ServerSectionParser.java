package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

import static dev.localbedrock.runtime.catalog.YamlValues.checkKeys;
import static dev.localbedrock.runtime.catalog.YamlValues.integer;
import static dev.localbedrock.runtime.catalog.YamlValues.seconds;
import static dev.localbedrock.runtime.catalog.YamlValues.text;

/** The {@code server:} section of models.yaml: listen address, body limit, shutdown grace, connection limits, TLS. */
final class ServerSectionParser {
    private static final Set<String> KEYS = Set.of("host", "port", "max_body_bytes", "shutdown_grace_seconds",
            "idle_timeout_seconds", "request_header_timeout_seconds", "request_body_timeout_seconds",
            "write_stall_timeout_seconds", "max_header_bytes", "max_concurrent_streams", "tls", "auth");

    private ServerSectionParser() {
    }

    /**
     * An absent or empty section means every default. {@code base} resolves relative PEM paths; the self-signed
     * certificate goes under {@code cacheDir}.
     */
    static ServerSettings parse(JsonNode node, Path base, Path cacheDir, String where) {
        ServerSettings d = ServerSettings.defaults();
        if (node == null || node.isNull()) {
            return d.withTls(TlsSettings.off(cacheDir));
        }
        if (!node.isObject()) {
            throw new CatalogException(where + ": expected a mapping");
        }
        checkKeys(node, KEYS, where);
        int port = integer(node, "port", d.port(), 0, 65535, where);
        TlsSettings tls = TlsSectionParser.parse(node.get("tls"), base, cacheDir, where + ": tls");
        if (tls.enabled() && tls.port() == port && port != 0) {
            throw new CatalogException(where + ": tls: 'port' must differ from the server's plain 'port' (" + port
                    + "); TLS listens beside it");
        }
        return new ServerSettings(
                text(node, "host", d.host(), where),
                port,
                integer(node, "max_body_bytes", d.maxBodyBytes(), 1, Integer.MAX_VALUE, where),
                Duration.ofSeconds(integer(node, "shutdown_grace_seconds", (int) d.shutdownGrace().toSeconds(), 0,
                        3600, where)),
                connectionLimits(node, where),
                tls,
                AuthMode.parse(text(node, "auth", AuthMode.OPEN.yaml(), where), where));
    }

    private static ServerSettings.ConnectionLimits connectionLimits(JsonNode node, String where) {
        ServerSettings.ConnectionLimits d = ServerSettings.ConnectionLimits.defaults();
        return new ServerSettings.ConnectionLimits(
                seconds(node, "idle_timeout_seconds", d.idleTimeout().toMillis() / 1e3, where),
                seconds(node, "request_header_timeout_seconds", d.requestHeaderTimeout().toMillis() / 1e3, where),
                seconds(node, "request_body_timeout_seconds", d.requestBodyTimeout().toMillis() / 1e3, where),
                seconds(node, "write_stall_timeout_seconds", d.writeStallTimeout().toMillis() / 1e3, where),
                // Below 1 KiB not even an SDK request's signed headers fit; HTTP/2 caps a header list at 2^31-1.
                integer(node, "max_header_bytes", d.maxHeaderBytes(), 1024, 1 << 24, where),
                integer(node, "max_concurrent_streams", d.maxConcurrentStreams(), 1, 1_000_000, where));
    }
}
