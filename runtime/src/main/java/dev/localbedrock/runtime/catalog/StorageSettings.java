package dev.localbedrock.runtime.catalog;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the server keeps objects (models.yaml {@code storage:}): the one S3 mechanism that invocation logging,
 * customization data and knowledge bases go through.
 *
 * @param s3Endpoint      an S3-compatible endpoint (MinIO, Ceph, a cloud region's S3), or null: objects then live
 *                        under {@code localDir}, {@code s3://BUCKET/KEY} being the file {@code localDir/BUCKET/KEY}
 * @param localDir        the local object folder; also where file-based log destinations (CloudWatch Logs layout) go
 * @param region          the signing region for the endpoint
 * @param pathStyle       path-style addressing ({@code endpoint/bucket/key}), which most self-hosted servers need
 * @param accessKeyId     a static access key, or null for the SDK's default credentials chain
 * @param secretAccessKey its secret, given exactly when {@code accessKeyId} is
 */
public record StorageSettings(URI s3Endpoint, Path localDir, String region, boolean pathStyle, String accessKeyId,
                              String secretAccessKey) {
    /** The default local object folder, relative to the cache folder. */
    static final String DEFAULT_DIR = "s3";
    public static final String DEFAULT_REGION = "us-east-1";

    public StorageSettings {
        Objects.requireNonNull(localDir, "localDir");
        Objects.requireNonNull(region, "region");
        if ((accessKeyId == null) != (secretAccessKey == null)) {
            throw new IllegalArgumentException("give both access_key_id and secret_access_key, or neither");
        }
    }

    /** Objects in a folder under {@code cacheDir}, no endpoint. */
    public static StorageSettings under(Path cacheDir) {
        return local(cacheDir.resolve(DEFAULT_DIR));
    }

    /** Objects as files under {@code localDir}. */
    public static StorageSettings local(Path localDir) {
        return new StorageSettings(null, localDir.toAbsolutePath().normalize(), DEFAULT_REGION, true, null, null);
    }

    @Override
    public String toString() { // never print the secret
        return "StorageSettings[s3Endpoint=" + s3Endpoint + ", localDir=" + localDir + ", region=" + region
                + ", pathStyle=" + pathStyle + ", accessKeyId=" + accessKeyId + "]";
    }
}
