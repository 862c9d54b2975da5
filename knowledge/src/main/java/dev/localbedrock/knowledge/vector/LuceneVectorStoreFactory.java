package dev.localbedrock.knowledge.vector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.Lock;
import org.apache.lucene.store.LockObtainFailedException;

/** Embedded vector indexes, each in its own directory under one root. */
public final class LuceneVectorStoreFactory implements VectorStoreFactory {

    private final Path root;

    public LuceneVectorStoreFactory(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    @Override
    public LuceneVectorStore open(IndexSpec spec) throws IOException {
        return LuceneVectorStore.open(root, spec);
    }

    @Override
    public void drop(String indexName) throws IOException {
        Path dir = root.resolve(IndexSpec.checkIndexName(indexName));
        if (!Files.isDirectory(dir)) {
            return;
        }
        // Holding Lucene's write lock proves no writer has the index open, here or in another process.
        try (FSDirectory directory = FSDirectory.open(dir);
             Lock lock = directory.obtainLock(IndexWriter.WRITE_LOCK_NAME)) {
            lock.ensureValid();
        } catch (LockObtainFailedException e) {
            throw new IOException("vector index '" + indexName + "' is open; close it before dropping it", e);
        }
        deleteIndexDirectory(dir);
    }

    /** Deletes an index directory that nothing has open: its files (the lock file last), then the directory. */
    static void deleteIndexDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.sorted((a, b) -> Boolean.compare(isLock(a), isLock(b))).toList();
        }
        for (Path file : files) {
            Files.deleteIfExists(file); // Lucene writes no subdirectories
        }
        Files.deleteIfExists(dir);
    }

    private static boolean isLock(Path file) {
        return file.getFileName().toString().equals(IndexWriter.WRITE_LOCK_NAME);
    }
}
