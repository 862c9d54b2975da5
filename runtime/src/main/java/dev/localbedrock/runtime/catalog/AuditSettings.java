package dev.localbedrock.runtime.catalog;

import java.nio.file.Path;

/**
 * The audit trail (models.yaml {@code audit:}): one CloudTrail-shaped record per API call, as JSON lines in files
 * under {@code dir} that roll over each UTC day and whenever one would pass {@code maxFileBytes}.
 *
 * @param enabled       whether calls are recorded at all
 * @param dir           the folder of the audit files
 * @param maxFileBytes  a file rolls over before it would pass this size
 * @param maxFiles      the most files kept (the oldest are deleted past it); 0 keeps them all
 * @param queueCapacity records waiting for the writer; past it new records are dropped and counted
 */
public record AuditSettings(boolean enabled, Path dir, long maxFileBytes, int maxFiles, int queueCapacity) {
    static final String DEFAULT_DIR = "audit";
    static final long DEFAULT_MAX_FILE_BYTES = 64L * 1024 * 1024;
    static final int DEFAULT_QUEUE_CAPACITY = 65_536;

    /** The defaults: on, under {@code cacheDir/audit}, 64 MiB files, all kept. */
    public static AuditSettings under(Path cacheDir) {
        return new AuditSettings(true, cacheDir.resolve(DEFAULT_DIR).toAbsolutePath().normalize(),
                DEFAULT_MAX_FILE_BYTES, 0, DEFAULT_QUEUE_CAPACITY);
    }

    /** No audit trail (a catalogue built in code, not read from models.yaml). */
    public static AuditSettings disabled() {
        return new AuditSettings(false, null, DEFAULT_MAX_FILE_BYTES, 0, DEFAULT_QUEUE_CAPACITY);
    }
}
