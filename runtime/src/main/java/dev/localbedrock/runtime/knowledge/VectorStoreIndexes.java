package dev.localbedrock.runtime.knowledge;

import dev.localbedrock.codecs.agent.KnowledgeBaseDefinition;
import dev.localbedrock.knowledge.vector.FieldNames;
import dev.localbedrock.knowledge.vector.IndexSpec;
import dev.localbedrock.knowledge.vector.Metric;
import dev.localbedrock.knowledge.vector.VectorStore;
import dev.localbedrock.knowledge.vector.VectorStoreFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Knowledge-base indexes in a {@link VectorStoreFactory} (the embedded Lucene store, or PostgreSQL with pgvector:
 * models.yaml {@code vector_store:}): one index per knowledge base,
 * opened once and kept open, so ingestion's writes and Retrieve's searches share one writer and one searcher. The
 * spec comes from the knowledge base: its index name and field mapping (the storage configuration's, or the
 * console's defaults), the embedding model's dimensions, and cosine (the metric Bedrock's vector stores use).
 */
public final class VectorStoreIndexes implements KnowledgeBaseIndexes {
    private static final Logger log = LoggerFactory.getLogger(VectorStoreIndexes.class);
    private static final int MAX_NAME = 128;
    private final VectorStoreFactory factory;
    private final Map<String, VectorStore> open = new ConcurrentHashMap<>();

    public VectorStoreIndexes(VectorStoreFactory factory) {
        this.factory = factory;
    }

    /**
     * The index's spec. Its name starts with the knowledge base's id, since two knowledge bases may name the same
     * index (every quick-created one is {@code bedrock-knowledge-base-default-index}); characters a folder name
     * cannot hold become {@code _}.
     */
    static IndexSpec spec(String knowledgeBaseId, KnowledgeBaseDefinition definition, int dimensions) {
        KnowledgeBaseDefinition.FieldMapping f = definition.fieldMapping();
        String name = knowledgeBaseId + "-" + f.indexName().replaceAll("[^A-Za-z0-9_.-]", "_");
        if (name.length() > MAX_NAME) {
            name = name.substring(0, MAX_NAME);
        }
        return new IndexSpec(name, dimensions, Metric.COSINE,
                new FieldNames(f.vectorField(), f.textField(), f.metadataField()));
    }

    @Override
    public void create(String knowledgeBaseId, KnowledgeBaseDefinition definition, String embeddingModelId,
                       int dimensions) {
        try {
            open(knowledgeBaseId, definition, dimensions).commit();
        } catch (IOException e) {
            throw new UncheckedIOException("the vector index cannot be made: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the vector index cannot be made: " + e.getMessage(), e);
        }
    }

    @Override
    public VectorStore open(String knowledgeBaseId, KnowledgeBaseDefinition definition, int dimensions)
            throws IOException {
        try {
            return open.computeIfAbsent(knowledgeBaseId, id -> {
                try {
                    return factory.open(spec(id, definition, dimensions));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public void delete(String knowledgeBaseId, KnowledgeBaseDefinition definition) {
        VectorStore store = open.remove(knowledgeBaseId);
        try {
            if (store != null) {
                store.drop();
            } else {
                // Not opened since the server started: drop it by name. The dimensions do not matter to the name.
                factory.drop(spec(knowledgeBaseId, definition, 1).indexName());
            }
        } catch (IOException e) {
            log.warn("knowledge base {}: its vector index could not be deleted", knowledgeBaseId, e);
        }
    }

    @Override
    public void close() {
        for (var e : open.entrySet()) {
            try {
                e.getValue().close();
            } catch (IOException ex) {
                log.warn("knowledge base {}: its vector index could not be closed", e.getKey(), ex);
            }
        }
        open.clear();
        if (factory instanceof AutoCloseable closeable) { // the PostgreSQL store's connection pool
            try {
                closeable.close();
            } catch (Exception ex) {
                log.warn("the vector store could not be closed", ex);
            }
        }
    }
}
