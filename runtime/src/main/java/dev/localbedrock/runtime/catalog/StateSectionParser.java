package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.Set;

import static dev.localbedrock.runtime.catalog.YamlValues.checkKeys;

/** The {@code state:} section of models.yaml: the JDBC URL of the control plane's database. */
final class StateSectionParser {
    private static final Set<String> KEYS = Set.of("url");

    private StateSectionParser() {
    }

    /** An absent or empty section means an SQLite file under the cache folder. */
    static StateSettings parse(JsonNode node, Path cacheDir, String where) {
        if (node == null || node.isNull()) {
            return StateSettings.under(cacheDir);
        }
        if (!node.isObject()) {
            throw new CatalogException(where + ": expected a mapping");
        }
        checkKeys(node, KEYS, where);
        JsonNode url = node.get("url");
        if (url == null || url.isNull()) {
            return StateSettings.under(cacheDir);
        }
        if (!url.isTextual() || !url.asText().startsWith("jdbc:") || url.asText().length() <= "jdbc:".length()) {
            throw new CatalogException(where + ": 'url' must be a JDBC URL (jdbc:...), got " + url);
        }
        return new StateSettings(url.asText());
    }
}
