package dev.localbedrock.runtime.customization;

import dev.localbedrock.runtime.storage.ObjectStore;
import dev.localbedrock.runtime.storage.StorageException;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A customization job's data through the server's one object store (S3 or its local directory): the datasets read
 * and the output location probed before training, with the guide's messages for each failure. A dataset that cannot
 * be read (absent, or the store refused) is "Could not validate GetObject permissions to access Amazon S3 bucket: B
 * at key K"; an output location that cannot be written is found up front by writing
 * {@code <prefix>/.write_access_check_file.tmp}, as Bedrock does.
 */
public final class JobStorage {
    /** The probe object Bedrock writes (and this server removes again) under the output prefix. */
    public static final String WRITE_CHECK_FILE = ".write_access_check_file.tmp";

    /** An {@code s3://bucket/key} address. */
    public record S3Location(String bucket, String key) {
        /**
         * @throws IllegalArgumentException not an {@code s3://} URI with a bucket, naming the value
         */
        public static S3Location parse(String uri) {
            URI parsed;
            try {
                parsed = URI.create(uri);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + uri + "' is not an s3:// URI");
            }
            if (!"s3".equals(parsed.getScheme()) || parsed.getHost() == null || parsed.getHost().isEmpty()) {
                throw new IllegalArgumentException("'" + uri + "' is not an s3://bucket/key URI");
            }
            String path = parsed.getPath() == null ? "" : parsed.getPath();
            return new S3Location(parsed.getHost(), path.startsWith("/") ? path.substring(1) : path);
        }

        /** The key's last segment, as messages name a file. */
        public String fileName() {
            return key.substring(key.lastIndexOf('/') + 1);
        }
    }

    private final ObjectStore store;

    public JobStorage(ObjectStore store) {
        this.store = store;
    }

    /** The dataset object's bytes. */
    public byte[] readDataset(S3Location location) throws DatasetException {
        Optional<byte[]> content;
        try {
            content = store.get(location.bucket(), location.key());
        } catch (StorageException e) {
            content = Optional.empty();
        }
        return content.orElseThrow(() -> new DatasetException("Could not validate GetObject permissions to access"
                + " Amazon S3 bucket: " + location.bucket() + " at key " + location.key()));
    }

    /**
     * A job's metrics files as they are in its output location now: every step row and every validation row, and
     * the files' URIs. A file not written yet (a job that has not finished an epoch) reads as no rows.
     */
    public JobMetrics readMetrics(S3Location output, String jobId) {
        String steps = TrainingMetricsFiles.stepWiseKey(output.key(), jobId);
        String validation = TrainingMetricsFiles.validationKey(output.key(), jobId);
        String curve = TrainingMetricsFiles.lossCurveKey(output.key(), jobId);
        List<String> files = new ArrayList<>();
        for (String key : List.of(steps, validation, curve)) {
            if (readOptional(output.bucket(), key) != null) {
                files.add(ObjectStore.uri(output.bucket(), key));
            }
        }
        return new JobMetrics(ObjectStore.uri(output.bucket(), TrainingMetricsFiles.jobFolder(output.key(), jobId)),
                rows(output.bucket(), steps), rows(output.bucket(), validation), files);
    }

    private List<TrainingMetricsFiles.Row> rows(String bucket, String key) {
        byte[] content = readOptional(bucket, key);
        return content == null ? List.of()
                : TrainingMetricsFiles.parse(new String(content, java.nio.charset.StandardCharsets.UTF_8));
    }

    private byte[] readOptional(String bucket, String key) {
        try {
            return store.get(bucket, key).orElse(null);
        } catch (StorageException e) {
            return null;
        }
    }

    /** Writes and removes the probe object under the output location, or fails with the guide's message. */
    public void checkOutputWritable(S3Location output) throws DatasetException {
        String prefix = output.key().isEmpty() || output.key().endsWith("/") ? output.key() : output.key() + "/";
        String probe = prefix + WRITE_CHECK_FILE;
        try {
            store.put(output.bucket(), probe, new byte[0]);
            store.delete(output.bucket(), probe);
        } catch (StorageException e) {
            throw new DatasetException("Amazon S3 perms missing (PutObject): Could not validate PutObject"
                    + " permissions to access S3 bucket: " + output.bucket() + " at key " + probe);
        }
    }
}
