package dev.localbedrock.runtime.knowledge;

import dev.localbedrock.codecs.agent.KnowledgeBaseDefinition;
import dev.localbedrock.knowledge.vector.VectorStore;

import java.io.IOException;

/**
 * Where a knowledge base's vectors live. Creating a knowledge base answers CREATING at once and calls
 * {@link #create} off the request thread; the knowledge base turns ACTIVE when it returns, FAILED (with the
 * exception's message as its failure reason) when it throws. Ingestion and Retrieve reach the index through
 * {@link #open}.
 */
public interface KnowledgeBaseIndexes extends AutoCloseable {
    /** Makes an empty index for a knowledge base whose vectors have {@code dimensions} components. */
    void create(String knowledgeBaseId, KnowledgeBaseDefinition definition, String embeddingModelId,
                int dimensions);

    /** Removes a knowledge base's index and everything in it; nothing happens when it has none. */
    void delete(String knowledgeBaseId, KnowledgeBaseDefinition definition);

    /** The knowledge base's index, open (it stays open until {@link #delete} or {@link #close}). */
    VectorStore open(String knowledgeBaseId, KnowledgeBaseDefinition definition, int dimensions) throws IOException;

    /** Commits and closes every open index. */
    @Override
    void close();

    /** No index at all: a knowledge base is ACTIVE as soon as it is defined, and nothing can be ingested. */
    KnowledgeBaseIndexes NONE = new KnowledgeBaseIndexes() {
        @Override
        public void create(String knowledgeBaseId, KnowledgeBaseDefinition definition, String embeddingModelId,
                           int dimensions) {
        }

        @Override
        public void delete(String knowledgeBaseId, KnowledgeBaseDefinition definition) {
        }

        @Override
        public VectorStore open(String knowledgeBaseId, KnowledgeBaseDefinition definition, int dimensions)
                throws IOException {
            throw new IOException("this server keeps no vector store");
        }

        @Override
        public void close() {
        }
    };
}
