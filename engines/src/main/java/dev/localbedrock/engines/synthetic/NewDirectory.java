package dev.localbedrock.engines.synthetic;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Writes a generated model directory all at once: its files go into a temporary sibling, which is renamed onto the
 * target only when complete, so a crash or a concurrent writer never leaves a half-written model under the target
 * name (a reader checks only that the directory exists).
 */
public final class NewDirectory {

    /** Fills a directory. */
    @FunctionalInterface
    public interface Contents {
        void writeInto(Path dir) throws IOException;
    }

    private NewDirectory() {
    }

    /**
     * Writes {@code contents} to {@code dir}, which must not exist or be an empty directory, and returns it.
     *
     * @param what what the directory holds, for the refusal ("model", "pipeline")
     * @throws FileAlreadyExistsException when {@code dir} exists and is not empty, or another writer won the race
     */
    public static Path write(Path dir, String what, Contents contents) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        if (Files.exists(target) && !isEmptyDirectory(target)) {
            throw new FileAlreadyExistsException(target.toString(), null, "will not overwrite an existing " + what);
        }
        Path parent = target.getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
        Files.createDirectory(tmp);
        try {
            contents.writeInto(tmp);
            if (Files.exists(target)) {
                Files.delete(target); // the empty directory checked above
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (DirectoryNotEmptyException e) {
            deleteRecursively(tmp);
            throw new FileAlreadyExistsException(target.toString(), null, "another writer created it first");
        } catch (IOException | RuntimeException e) {
            deleteRecursively(tmp);
            throw e;
        }
    }

    static boolean isEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /** Deletes {@code dir} and everything under it, as far as it can (a leftover never shadows a target name). */
    public static void deleteRecursively(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // nothing to clean
        }
    }
}
