package dev.localbedrock.runtime.catalog;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where knowledge bases keep their vectors (models.yaml {@code vector_store:}).
 *
 * @param kind which store: {@code embedded} (Lucene HNSW indexes on disk, one folder per knowledge base) is the only
 *             one today
 * @param dir  the embedded store's folder
 */
public record VectorStoreSettings(String kind, Path dir) {
    public static final String EMBEDDED = "embedded";
    /** The embedded store's default folder, relative to the cache folder. */
    static final String DEFAULT_DIR = "vector-store";

    public VectorStoreSettings {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(dir, "dir");
    }

    /** The embedded store under {@code cacheDir}. */
    public static VectorStoreSettings under(Path cacheDir) {
        return embedded(cacheDir.resolve(DEFAULT_DIR));
    }

    /** The embedded store in {@code dir}. */
    public static VectorStoreSettings embedded(Path dir) {
        return new VectorStoreSettings(EMBEDDED, dir.toAbsolutePath().normalize());
    }
}
