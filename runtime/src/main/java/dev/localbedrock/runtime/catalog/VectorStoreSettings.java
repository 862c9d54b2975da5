package dev.localbedrock.runtime.catalog;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where knowledge bases keep their vectors (models.yaml {@code vector_store:}).
 *
 * @param kind     which store: {@code embedded} (Lucene HNSW indexes on disk, one folder per knowledge base, the
 *                 default) or {@code postgres} (one pgvector table per knowledge base in a PostgreSQL database)
 * @param dir      the embedded store's folder
 * @param url      the PostgreSQL store's JDBC URL ({@code jdbc:postgresql://host:5432/db}); null for embedded
 * @param user     the PostgreSQL role; null for embedded
 * @param password its password (from {@code password}, or the environment variable {@code password_env} names);
 *                 null for embedded or none
 */
public record VectorStoreSettings(String kind, Path dir, String url, String user, String password) {
    public static final String EMBEDDED = "embedded";
    public static final String POSTGRES = "postgres";
    /** The embedded store's default folder, relative to the cache folder. */
    static final String DEFAULT_DIR = "vector-store";

    public VectorStoreSettings {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(dir, "dir");
        if (kind.equals(POSTGRES)) {
            Objects.requireNonNull(url, "url");
        }
    }

    /** The embedded store under {@code cacheDir}. */
    public static VectorStoreSettings under(Path cacheDir) {
        return embedded(cacheDir.resolve(DEFAULT_DIR));
    }

    /** The embedded store in {@code dir}. */
    public static VectorStoreSettings embedded(Path dir) {
        return new VectorStoreSettings(EMBEDDED, dir.toAbsolutePath().normalize(), null, null, null);
    }

    /** Whether knowledge bases go to PostgreSQL with pgvector. */
    public boolean postgres() {
        return kind.equals(POSTGRES);
    }

    @Override
    public String toString() { // never the password
        return "VectorStoreSettings[kind=" + kind + ", dir=" + dir + ", url=" + url + ", user=" + user + "]";
    }
}
