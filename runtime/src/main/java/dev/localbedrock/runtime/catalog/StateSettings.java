package dev.localbedrock.runtime.catalog;

import java.nio.file.Path;

/**
 * Where the control plane keeps its durable state (models.yaml {@code state:}).
 *
 * @param url the JDBC URL of the state database
 */
public record StateSettings(String url) {
    /** The default database file, relative to the cache folder. */
    static final String DEFAULT_FILE = "state/control-plane.db";

    public StateSettings {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("state url must not be blank");
        }
    }

    /** An SQLite file under {@code cacheDir}: state lives beside the generated sources unless configured. */
    public static StateSettings under(Path cacheDir) {
        return new StateSettings("jdbc:sqlite:" + cacheDir.resolve(DEFAULT_FILE).toAbsolutePath().normalize());
    }
}
