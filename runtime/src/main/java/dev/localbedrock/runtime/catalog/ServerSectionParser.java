package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Set;

import static dev.localbedrock.runtime.catalog.YamlValues.checkKeys;
import static dev.localbedrock.runtime.catalog.YamlValues.integer;
import static dev.localbedrock.runtime.catalog.YamlValues.seconds;
import static dev.localbedrock.runtime.catalog.YamlValues.text;

/** The {@code server:} section of models.yaml: listen address, body limit, shutdown grace, connection limits. */
final class ServerSectionParser {
    private static final Set<String> KEYS = Set.of("host", "port", "max_body_bytes", "shutdown_grace_seconds",
            "idle_timeout_seconds", "request_header_timeout_seconds", "request_body_timeout_seconds",
            "write_stall_timeout_seconds", "max_header_bytes", "max_concurrent_streams");

    private ServerSectionParser() {
    }

    /** An absent or empty section means every default. */
    static ServerSettings parse(JsonNode node, String where) {
        ServerSettings d = ServerSettings.defaults();
        if (node == null || node.isNull()) {
            return d;
        }
        if (!node.isObject()) {
            throw new CatalogException(where + ": expected a mapping");
        }
        checkKeys(node, KEYS, where);
        return new ServerSettings(
                text(node, "host", d.host(), where),
                integer(node, "port", d.port(), 0, 65535, where),
                integer(node, "max_body_bytes", d.maxBodyBytes(), 1, Integer.MAX_VALUE, where),
                Duration.ofSeconds(integer(node, "shutdown_grace_seconds", (int) d.shutdownGrace().toSeconds(), 0,
                        3600, where)),
                connectionLimits(node, where));
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
