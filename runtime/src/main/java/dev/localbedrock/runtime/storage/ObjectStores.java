package dev.localbedrock.runtime.storage;

import dev.localbedrock.runtime.catalog.StorageSettings;

/** The object store models.yaml's {@code storage:} section names. */
public final class ObjectStores {
    private ObjectStores() {
    }

    /** An S3 client for a configured endpoint, else the local folder. */
    public static ObjectStore open(StorageSettings settings) {
        return settings.s3Endpoint() == null ? new LocalDirectoryStore(settings.localDir())
                : new S3ObjectStore(settings);
    }
}
