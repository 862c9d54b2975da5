package dev.localbedrock.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Set;

import static dev.localbedrock.runtime.catalog.YamlValues.checkKeys;

/**
 * The {@code storage:} section of models.yaml: {@code s3_endpoint} (null: a local folder), {@code local_dir},
 * {@code region}, {@code path_style}, and optional static {@code access_key_id}/{@code secret_access_key}.
 */
final class StorageSectionParser {
    private static final Set<String> KEYS = Set.of("s3_endpoint", "local_dir", "region", "path_style",
            "access_key_id", "secret_access_key");

    private StorageSectionParser() {
    }

    /** An absent or empty section means objects as files under {@code <cacheDir>/s3}. */
    static StorageSettings parse(JsonNode node, Path base, Path cacheDir, String where) {
        if (node == null || node.isNull()) {
            return StorageSettings.under(cacheDir);
        }
        if (!node.isObject()) {
            throw new CatalogException(where + ": expected a mapping");
        }
        checkKeys(node, KEYS, where);
        URI endpoint = endpoint(optionalText(node, "s3_endpoint", where), where);
        String dir = optionalText(node, "local_dir", where);
        Path localDir = dir == null ? cacheDir.resolve(StorageSettings.DEFAULT_DIR) : base.resolve(dir);
        String region = optionalText(node, "region", where);
        JsonNode pathStyle = node.get("path_style");
        if (pathStyle != null && !pathStyle.isNull() && !pathStyle.isBoolean()) {
            throw new CatalogException(where + ": 'path_style' must be true or false, got " + pathStyle);
        }
        String keyId = optionalText(node, "access_key_id", where);
        String secret = optionalText(node, "secret_access_key", where);
        if ((keyId == null) != (secret == null)) {
            throw new CatalogException(where + ": give both 'access_key_id' and 'secret_access_key', or neither "
                    + "(neither: the AWS SDK's default credentials chain)");
        }
        return new StorageSettings(endpoint, localDir.toAbsolutePath().normalize(),
                region == null ? StorageSettings.DEFAULT_REGION : region,
                pathStyle == null || pathStyle.isNull() || pathStyle.booleanValue(), keyId, secret);
    }

    private static String optionalText(JsonNode node, String key, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || v.textValue().isBlank()) {
            throw new CatalogException(where + ": '" + key + "' must be a non-empty string, got " + v);
        }
        return v.textValue();
    }

    private static URI endpoint(String text, String where) {
        if (text == null) {
            return null;
        }
        try {
            URI uri = new URI(text);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new CatalogException(where + ": 's3_endpoint' must be an http(s) URL such as "
                        + "http://127.0.0.1:9000, got '" + text + "'");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new CatalogException(where + ": 's3_endpoint' is not a URL: '" + text + "'");
        }
    }
}
