package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static dev.localbedrock.runtime.catalog.YamlValues.checkKeys;
import static dev.localbedrock.runtime.catalog.YamlValues.integer;
import static dev.localbedrock.runtime.catalog.YamlValues.longInteger;
import static dev.localbedrock.runtime.catalog.YamlValues.required;
import static dev.localbedrock.runtime.catalog.YamlValues.seconds;

/** The {@code audit:} and {@code events:} sections of models.yaml. Relative paths resolve against the YAML file's
 * folder, as everywhere in models.yaml; the defaults lie under the cache folder. */
final class ObservabilitySectionParser {
    private static final Set<String> AUDIT_KEYS = Set.of("enabled", "dir", "max_file_bytes", "max_files",
            "queue_capacity");
    private static final Set<String> EVENT_KEYS = Set.of("file", "webhooks", "queue_capacity",
            "initial_backoff_seconds", "max_backoff_seconds", "max_attempts", "timeout_seconds",
            "shutdown_grace_seconds");
    private static final Set<String> WEBHOOK_KEYS = Set.of("url", "secret");

    private ObservabilitySectionParser() {
    }

    static AuditSettings audit(JsonNode node, Path base, Path cacheDir, String where) {
        AuditSettings d = AuditSettings.under(cacheDir);
        if (node == null || node.isNull()) {
            return d;
        }
        mapping(node, where);
        checkKeys(node, AUDIT_KEYS, where);
        JsonNode enabled = node.get("enabled");
        if (enabled != null && !enabled.isNull() && !enabled.isBoolean()) {
            throw new CatalogException(where + ": 'enabled' must be true or false, not '" + enabled.asText() + "'");
        }
        return new AuditSettings(enabled == null || enabled.isNull() || enabled.asBoolean(),
                path(node, "dir", d.dir(), base, where),
                longInteger(node, "max_file_bytes", d.maxFileBytes(), 1024, Long.MAX_VALUE, where),
                integer(node, "max_files", 0, 0, 1_000_000, where),
                integer(node, "queue_capacity", d.queueCapacity(), 1, 10_000_000, where));
    }

    static EventSettings events(JsonNode node, Path base, Path cacheDir, String where) {
        EventSettings d = EventSettings.under(cacheDir);
        if (node == null || node.isNull()) {
            return d;
        }
        mapping(node, where);
        checkKeys(node, EVENT_KEYS, where);
        // 'file: null' (or "") turns the file off; left out, it is the default file.
        Path file = node.has("file") && (node.get("file").isNull() || node.get("file").asText().isBlank()) ? null
                : path(node, "file", d.file(), base, where);
        List<EventSettings.Webhook> webhooks = new ArrayList<>();
        JsonNode list = node.get("webhooks");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                throw new CatalogException(where + ": 'webhooks' must be a list of {url, secret}");
            }
            for (int i = 0; i < list.size(); i++) {
                webhooks.add(webhook(list.get(i), where + ": webhooks[" + i + "]"));
            }
        }
        return new EventSettings(file, webhooks,
                integer(node, "queue_capacity", d.queueCapacity(), 1, 10_000_000, where),
                seconds(node, "initial_backoff_seconds", 0.5, where),
                seconds(node, "max_backoff_seconds", 60, where),
                integer(node, "max_attempts", d.maxAttempts(), 1, 1_000_000, where),
                seconds(node, "timeout_seconds", 10, where),
                seconds(node, "shutdown_grace_seconds", 10, where));
    }

    private static EventSettings.Webhook webhook(JsonNode node, String where) {
        mapping(node, where);
        checkKeys(node, WEBHOOK_KEYS, where);
        String url = required(node, "url", where);
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new CatalogException(where + ": 'url' is not a URL: " + url);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new CatalogException(where + ": 'url' must be an absolute http:// or https:// URL, not " + url);
        }
        return new EventSettings.Webhook(uri, required(node, "secret", where));
    }

    private static Path path(JsonNode node, String key, Path dflt, Path base, String where) {
        String text = YamlValues.text(node, key, null, where);
        return text == null || text.isEmpty() ? dflt : base.resolve(text).toAbsolutePath().normalize();
    }

    private static void mapping(JsonNode node, String where) {
        if (!node.isObject()) {
            throw new CatalogException(where + ": expected a mapping");
        }
    }
}
