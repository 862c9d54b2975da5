package dev.localbedrock.runtime;

import dev.localbedrock.knowledge.vector.PgliteServer;

/**
 * {@link KnowledgeStoreContract} on the external store: PostgreSQL with pgvector, one table per index. The database
 * is PGlite on loopback (real PostgreSQL and the real pgvector extension, in WASM; Debian has no pgvector package).
 */
class PgvectorStoreKnowledgeSdkTest extends KnowledgeStoreContract {
    private PgliteServer postgres;

    @Override
    String vectorStoreYaml() throws Exception {
        postgres = PgliteServer.start();
        return """
                vector_store:
                  kind: postgres
                  url: "%s"
                  user: %s
                  password: %s
                """.formatted(postgres.jdbcUrl(), PgliteServer.USER, PgliteServer.PASSWORD);
    }

    @Override
    int agentTurns() {
        return 30;
    }

    @Override
    void stopVectorStore() {
        if (postgres != null) {
            postgres.close();
        }
    }
}
