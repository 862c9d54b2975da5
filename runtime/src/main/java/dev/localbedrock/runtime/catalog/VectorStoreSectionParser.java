package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import static dev.localbedrock.runtime.catalog.YamlValues.checkKeys;
import static dev.localbedrock.runtime.catalog.YamlValues.text;

/**
 * The {@code vector_store:} section of models.yaml: {@code kind} ({@code embedded}, the default, or {@code postgres});
 * for embedded, {@code dir} (default {@code <cache_dir>/vector-store}, relative to the YAML file's folder); for
 * postgres, {@code url} (a {@code jdbc:postgresql:} URL, required), {@code user}, and {@code password} or
 * {@code password_env} (the environment variable holding it, so the file need not).
 */
final class VectorStoreSectionParser {
    private static final Set<String> KEYS = Set.of("kind", "dir", "url", "user", "password", "password_env");
    private static final Set<String> KINDS = Set.of(VectorStoreSettings.EMBEDDED, VectorStoreSettings.POSTGRES);
    private static final Set<String> POSTGRES_ONLY = Set.of("url", "user", "password", "password_env");

    private VectorStoreSectionParser() {
    }

    /** An absent or empty section means the embedded store under {@code <cacheDir>/vector-store}. */
    static VectorStoreSettings parse(JsonNode node, Path base, Path cacheDir, String where) {
        return parse(node, base, cacheDir, where, System::getenv);
    }

    static VectorStoreSettings parse(JsonNode node, Path base, Path cacheDir, String where,
                                     Function<String, String> environment) {
        if (node == null || node.isNull()) {
            return VectorStoreSettings.under(cacheDir);
        }
        if (!node.isObject()) {
            throw new CatalogException(where + ": expected a mapping");
        }
        checkKeys(node, KEYS, where);
        String kind = text(node, "kind", VectorStoreSettings.EMBEDDED, where);
        if (!KINDS.contains(kind)) {
            throw new CatalogException(where + ": 'kind' must be one of " + new TreeSet<>(KINDS) + ", got '" + kind
                    + "'");
        }
        JsonNode dir = node.get("dir");
        if (dir != null && !dir.isNull() && (!dir.isTextual() || dir.textValue().isBlank())) {
            throw new CatalogException(where + ": 'dir' must be a non-empty string, got " + dir);
        }
        Path folder = (dir == null || dir.isNull() ? cacheDir.resolve(VectorStoreSettings.DEFAULT_DIR)
                : base.resolve(dir.textValue())).toAbsolutePath().normalize();
        if (kind.equals(VectorStoreSettings.EMBEDDED)) {
            for (String key : POSTGRES_ONLY) {
                if (node.has(key)) {
                    throw new CatalogException(where + ": '" + key + "' applies to kind: postgres only");
                }
            }
            return new VectorStoreSettings(kind, folder, null, null, null);
        }
        String url = text(node, "url", null, where);
        if (url == null || !url.startsWith("jdbc:postgresql:")) {
            throw new CatalogException(where + ": kind postgres needs 'url', a jdbc:postgresql://HOST:PORT/DATABASE"
                    + " URL" + (url == null ? "" : ", got '" + url + "'"));
        }
        if (node.has("password") && node.has("password_env")) {
            throw new CatalogException(where + ": give 'password' or 'password_env', not both");
        }
        String password = text(node, "password", null, where);
        String variable = text(node, "password_env", null, where);
        if (variable != null) {
            password = environment.apply(variable);
            if (password == null) {
                throw new CatalogException(where + ": password_env names " + variable + ", which is not set");
            }
        }
        return new VectorStoreSettings(kind, folder, url, text(node, "user", null, where), password);
    }
}
