package dev.localbedrock.knowledge.vector;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * One vector index of one knowledge base: chunks with their embeddings, searched by nearness. The embedded store
 * ({@link LuceneVectorStore}) and external ones implement it, so ingestion and Retrieve do not care which holds the
 * index. Writes are visible to searches as soon as the call returns; {@link #commit()} makes them durable.
 *
 * <p>Implementations are safe for concurrent searches alongside writes from other threads.
 */
public interface VectorStore extends Closeable {

    IndexSpec spec();

    /**
     * Adds the chunks, each replacing any chunk with its {@code chunkId} (a later record in the list replaces an
     * earlier one with the same id). The whole list is checked first (vector length {@link IndexSpec#dimensions()},
     * finite values, sizes), so a bad record writes nothing.
     *
     * @throws IllegalArgumentException naming the first bad record and what is wrong with it
     */
    void upsert(List<ChunkRecord> chunks) throws IOException;

    /** Removes every chunk of one source document; returns how many were removed. */
    long deleteBySource(String dataSourceId, String sourceUri) throws IOException;

    /** Removes every chunk of one data source; returns how many were removed. */
    long deleteByDataSource(String dataSourceId) throws IOException;

    /**
     * The {@code k} chunks nearest the query among those the filter passes, nearest first.
     *
     * @param filter {@code null} for none
     * @throws IllegalArgumentException if the query's length is not the index's dimension or {@code k < 1}
     */
    List<Hit> search(float[] query, int k, Filter filter) throws IOException;

    /** The number of chunks searches see now. */
    long count() throws IOException;

    /** Makes every write so far durable: it survives a crash and a reopen. */
    void commit() throws IOException;

    /** Closes the index and deletes everything it stored. The store cannot be used afterwards. */
    void drop() throws IOException;

    /** Commits and releases the index; it can be opened again with the same spec. */
    @Override
    void close() throws IOException;
}
