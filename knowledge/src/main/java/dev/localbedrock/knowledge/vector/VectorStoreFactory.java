package dev.localbedrock.knowledge.vector;

import java.io.IOException;

/** Opens a vector index by its spec, creating it when it does not exist. */
public interface VectorStoreFactory {

    /**
     * @throws IndexSpecMismatchException if the index exists with another dimension, metric or field names
     */
    VectorStore open(IndexSpec spec) throws IOException;

    /**
     * Deletes an index that is not open, whatever its spec (for a knowledge base whose spec is lost or changed);
     * nothing happens if it does not exist.
     *
     * @throws IOException if the index is open
     */
    void drop(String indexName) throws IOException;
}
