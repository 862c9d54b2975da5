package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.Set;

import static dev.localbedrock.runtime.catalog.YamlValues.checkKeys;
import static dev.localbedrock.runtime.catalog.YamlValues.text;

/**
 * The {@code vector_store:} section of models.yaml: {@code kind} ({@code embedded}, the default) and {@code dir}
 * (default {@code <cache_dir>/vector-store}, relative to the YAML file's folder).
 */
final class VectorStoreSectionParser {
    private static final Set<String> KEYS = Set.of("kind", "dir");
    private static final Set<String> KINDS = Set.of(VectorStoreSettings.EMBEDDED);

    private VectorStoreSectionParser() {
    }

    /** An absent or empty section means the embedded store under {@code <cacheDir>/vector-store}. */
    static VectorStoreSettings parse(JsonNode node, Path base, Path cacheDir, String where) {
        if (node == null || node.isNull()) {
            return VectorStoreSettings.under(cacheDir);
        }
        if (!node.isObject()) {
            throw new CatalogException(where + ": expected a mapping");
        }
        checkKeys(node, KEYS, where);
        String kind = text(node, "kind", VectorStoreSettings.EMBEDDED, where);
        if (!KINDS.contains(kind)) {
            throw new CatalogException(where + ": 'kind' must be one of " + KINDS + ", got '" + kind + "'");
        }
        JsonNode dir = node.get("dir");
        if (dir != null && !dir.isNull() && (!dir.isTextual() || dir.textValue().isBlank())) {
            throw new CatalogException(where + ": 'dir' must be a non-empty string, got " + dir);
        }
        Path folder = dir == null || dir.isNull() ? cacheDir.resolve(VectorStoreSettings.DEFAULT_DIR)
                : base.resolve(dir.textValue());
        return new VectorStoreSettings(kind, folder.toAbsolutePath().normalize());
    }
}
