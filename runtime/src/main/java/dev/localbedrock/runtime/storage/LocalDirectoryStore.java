package dev.localbedrock.runtime.storage;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Objects as files: {@code s3://BUCKET/KEY} is {@code root/BUCKET/KEY}, so the tree reads like the bucket in any S3
 * browser and can be synced to a real bucket as it is. Writes go to a temporary file beside the target and are moved
 * over it atomically, so a reader (or a crash) never sees half an object. Keys with {@code .} or {@code ..}
 * segments, or empty ones, are refused: they would name a different file than the key says.
 */
public final class LocalDirectoryStore implements ObjectStore {
    /** S3's bucket naming rules (3..63 lowercase letters, digits, dots and hyphens). */
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final String TEMP_SUFFIX = ".partial";
    private final Path root;

    public LocalDirectoryStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** The file that holds {@code s3://bucket/key}. */
    public Path file(String bucket, String key) {
        return bucketDir(bucket).resolve(checkKey(key));
    }

    @Override
    public void put(String bucket, String key, byte[] content) {
        Path target = file(bucket, key);
        try {
            Files.createDirectories(target.getParent());
            Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), TEMP_SUFFIX);
            try {
                Files.write(temp, content);
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new StorageException("cannot write " + ObjectStore.uri(bucket, key) + " to " + target + ": " + e, e);
        }
    }

    @Override
    public Optional<byte[]> get(String bucket, String key) {
        Path file = file(bucket, key);
        try {
            return Optional.of(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StorageException("cannot read " + ObjectStore.uri(bucket, key) + ": " + e, e);
        }
    }

    @Override
    public List<String> list(String bucket, String prefix) {
        Path dir = bucketDir(bucket);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().endsWith(TEMP_SUFFIX))
                    .map(f -> dir.relativize(f).toString().replace(f.getFileSystem().getSeparator(), "/"))
                    .filter(k -> k.startsWith(prefix == null ? "" : prefix))
                    .sorted()
                    .forEach(keys::add);
        } catch (IOException e) {
            throw new StorageException("cannot list s3://" + bucket + "/" + prefix + ": " + e, e);
        }
        return keys;
    }

    /** A file's fingerprint is its size and modification time (to the file system's resolution). */
    @Override
    public List<ObjectInfo> listObjects(String bucket, String prefix) {
        List<ObjectInfo> out = new ArrayList<>();
        for (String key : list(bucket, prefix)) {
            Path file = file(bucket, key);
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                out.add(new ObjectInfo(key, attributes.size(), attributes.size() + "@"
                        + attributes.lastModifiedTime().toInstant()));
            } catch (NoSuchFileException e) {
                // deleted between the listing and now: not there
            } catch (IOException e) {
                throw new StorageException("cannot read " + ObjectStore.uri(bucket, key) + ": " + e, e);
            }
        }
        return out;
    }

    @Override
    public void delete(String bucket, String key) {
        try {
            Files.deleteIfExists(file(bucket, key));
        } catch (IOException e) {
            throw new StorageException("cannot delete " + ObjectStore.uri(bucket, key) + ": " + e, e);
        }
    }

    private Path bucketDir(String bucket) {
        if (bucket == null || !BUCKET.matcher(bucket).matches()) {
            throw new StorageException("not a valid bucket name: '" + bucket + "'");
        }
        return root.resolve(bucket);
    }

    private static String checkKey(String key) {
        if (key == null || key.isEmpty() || key.startsWith("/") || key.endsWith("/")) {
            throw new StorageException("not a valid object key for a local folder: '" + key + "'");
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || segment.contains("\\")) {
                throw new StorageException("not a valid object key for a local folder: '" + key + "'");
            }
        }
        return key;
    }
}
