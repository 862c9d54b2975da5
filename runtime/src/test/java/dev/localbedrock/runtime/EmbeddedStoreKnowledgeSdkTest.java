package dev.localbedrock.runtime;

/** {@link KnowledgeStoreContract} on the embedded store: Lucene HNSW indexes on disk under the work folder. */
class EmbeddedStoreKnowledgeSdkTest extends KnowledgeStoreContract {
    @Override
    String vectorStoreYaml() {
        return """
                vector_store:
                  kind: embedded
                  dir: vectors
                """;
    }

    @Override
    int agentTurns() {
        return 100;
    }

    @Override
    void stopVectorStore() {
    }
}
