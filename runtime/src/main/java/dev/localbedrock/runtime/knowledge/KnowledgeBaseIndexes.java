package dev.localbedrock.runtime.knowledge;

/**
 * Where a knowledge base's vectors live. Creating a knowledge base answers CREATING at once and calls
 * {@link #create} off the request thread; the knowledge base turns ACTIVE when it returns, FAILED (with the
 * exception's message as its failure reason) when it throws.
 */
public interface KnowledgeBaseIndexes {
    /** Makes an empty index for a knowledge base whose vectors have {@code dimensions} components. */
    void create(String knowledgeBaseId, String embeddingModelId, int dimensions);

    /** Removes a knowledge base's index and everything in it; nothing happens for an unknown id. */
    void delete(String knowledgeBaseId);

    /** No index at all: a knowledge base is ACTIVE as soon as it is defined (until a vector store is configured). */
    KnowledgeBaseIndexes NONE = new KnowledgeBaseIndexes() {
        @Override
        public void create(String knowledgeBaseId, String embeddingModelId, int dimensions) {
        }

        @Override
        public void delete(String knowledgeBaseId) {
        }
    };
}
