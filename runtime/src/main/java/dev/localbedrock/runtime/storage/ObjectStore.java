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
