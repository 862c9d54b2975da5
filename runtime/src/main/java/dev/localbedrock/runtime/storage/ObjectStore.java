package dev.localbedrock.runtime.storage;

import java.util.List;
import java.util.Optional;

/**
 * Objects by bucket and key, as S3 keeps them: the server's one storage mechanism (invocation logs, customization
 * data, knowledge-base sources). Every method may block on the network or the disk: never call one on an event loop
 * or an inference thread. Failures are {@link StorageException}s.
 */
public interface ObjectStore extends AutoCloseable {

    /** Writes the whole object, replacing one already there; a reader sees the old object or the new, never a part. */
    void put(String bucket, String key, byte[] content);

    /** The object's content, or empty when there is none. */
    Optional<byte[]> get(String bucket, String key);

    /** The keys in the bucket that start with {@code prefix} (all of them, in lexicographic order). */
    List<String> list(String bucket, String prefix);

    /**
     * An object as a listing describes it. {@code fingerprint} changes whenever the content does (S3's ETag; a local
     * file's size and modification time), so a sync can skip what it has already read without reading it again.
     */
    record ObjectInfo(String key, long size, String fingerprint) {
    }

    /**
     * The objects in the bucket whose keys start with {@code prefix}, in key order, with their sizes and
     * fingerprints. This default reads every object to fingerprint it; the stores override it with what their
     * listing already tells.
     */
    default List<ObjectInfo> listObjects(String bucket, String prefix) {
        List<ObjectInfo> out = new java.util.ArrayList<>();
        for (String key : list(bucket, prefix)) {
            get(bucket, key).ifPresent(bytes -> out.add(new ObjectInfo(key, bytes.length, sha256(bytes))));
        }
        return out;
    }

    private static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Removes the object; removing one that is not there is not an error. */
    void delete(String bucket, String key);

    /** The {@code s3://bucket/key} address clients and log records name an object by. */
    static String uri(String bucket, String key) {
        return "s3://" + bucket + "/" + key;
    }

    @Override
    default void close() {
    }
}
