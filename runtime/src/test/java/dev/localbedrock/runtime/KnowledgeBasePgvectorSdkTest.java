package dev.localbedrock.runtime;

import dev.localbedrock.knowledge.vector.PgliteServer;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.bedrockagent.BedrockAgentClient;
import software.amazon.awssdk.services.bedrockagent.model.IngestionJob;
import software.amazon.awssdk.services.bedrockagent.model.IngestionJobStatus;
import software.amazon.awssdk.services.bedrockagentruntime.BedrockAgentRuntimeClient;
import software.amazon.awssdk.services.bedrockagentruntime.model.KnowledgeBaseRetrievalResult;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Knowledge bases on the PostgreSQL store ({@code vector_store: kind: postgres}), through the real SDK clients: a
 * knowledge base created with an OpenSearch Serverless storage configuration and its own field names lands in a
 * pgvector table with exactly those column names, ingestion fills it, and Retrieve finds the planted fact first. The
 * database is PGlite (real PostgreSQL with the real pgvector extension, in WASM; Debian has no pgvector package).
 */
class KnowledgeBasePgvectorSdkTest {
    private static final String FACT = "The Zorblat reactor in Oslo was commissioned in 1987.";

    @TempDir
    static Path workDir;
    static PgliteServer postgres;
    static BedrockService service;
    static BedrockAgentClient agent;
    static BedrockAgentRuntimeClient runtime;

    @BeforeAll
    static void start() throws Exception {
        postgres = PgliteServer.start();
        String yaml = """
                server:
                  host: 127.0.0.1
                  port: 0
                storage:
                  local_dir: objects
                vector_store:
                  kind: postgres
                  url: "%s"
                  user: %s
                  password: %s
                models:
                %s
                """.formatted(postgres.jdbcUrl(), PgliteServer.USER, PgliteServer.PASSWORD,
                TestServers.miniLmAsTitan("").indent(2));
        Files.writeString(workDir.resolve("models.yaml"), yaml);
        service = BedrockService.start(CatalogLoader.load(workDir.resolve("models.yaml")));
        agent = TestServers.agentClient(service);
        runtime = BedrockAgentRuntimeClient.builder()
                .endpointOverride(java.net.URI.create("http://127.0.0.1:" + service.address().getPort()))
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("AKIDEXAMPLE", "x")))
                .build();
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
        if (agent != null) {
            agent.close();
        }
        if (service != null) {
            service.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void anOpenSearchServerlessKnowledgeBaseLandsInPgvectorUnderItsOwnFieldNames() throws Exception {
        String kb = agent.createKnowledgeBase(KnowledgeBaseSdkTest.kb("reactors", b -> b.storageConfiguration(s -> s
                .type("OPENSEARCH_SERVERLESS").opensearchServerlessConfiguration(o -> o
                        .collectionArn("arn:aws:aoss:us-east-1:000000000000:collection/abcdefghij0123456789")
                        .vectorIndexName("reactor-index")
                        .fieldMapping(f -> f.vectorField("embedding_v").textField("chunk_text")
                                .metadataField("chunk_meta")))))).knowledgeBase().knowledgeBaseId();
        KnowledgeBaseSdkTest.untilBuilt(agent, kb);
        KnowledgeFixtures.put(workDir, "plants", "oslo.txt", FACT.getBytes(StandardCharsets.UTF_8));
        KnowledgeFixtures.put(workDir, "plants", "tea.txt",
                "Green tea is brewed at a lower temperature than black tea.".getBytes(StandardCharsets.UTF_8));
        KnowledgeFixtures.put(workDir, "plants", "rivers.md",
                "# Rivers\n\nThe Danube flows through ten countries.".getBytes(StandardCharsets.UTF_8));
        String ds = KnowledgeFixtures.dataSource(agent, kb, "plants", "plants");
        IngestionJob job = KnowledgeFixtures.sync(agent, kb, ds);
        assertEquals(IngestionJobStatus.COMPLETE, job.status(), String.valueOf(job.failureReasons()));
        assertEquals(3, job.statistics().numberOfNewDocumentsIndexed());

        List<KnowledgeBaseRetrievalResult> hits = runtime.retrieve(b -> b.knowledgeBaseId(kb)
                .retrievalQuery(q -> q.text("When did the Norwegian Zorblat plant start operating?"))
                .retrievalConfiguration(c -> c.vectorSearchConfiguration(v -> v.numberOfResults(3))))
                .retrievalResults();
        assertEquals(3, hits.size());
        assertEquals(FACT, hits.get(0).content().text());
        assertEquals("s3://plants/oslo.txt", hits.get(0).location().s3Location().uri());
        assertTrue(hits.get(0).score() > hits.get(1).score());

        // The table holds the knowledge base's field names as its columns, with the vector typed by pgvector.
        Map<String, String> columns = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), PgliteServer.USER, PgliteServer.PASSWORD);
             ResultSet rs = c.createStatement().executeQuery("SELECT table_name, column_name, udt_name FROM "
                     + "information_schema.columns WHERE column_name IN ('embedding_v', 'chunk_text', 'chunk_meta')")) {
            TreeSet<String> tables = new TreeSet<>();
            while (rs.next()) {
                tables.add(rs.getString(1));
                columns.put(rs.getString(2), rs.getString(3));
            }
            assertEquals(1, tables.size(), "one table: " + tables);
            assertTrue(tables.first().contains(kb) && tables.first().contains("reactor-index"), tables.first());
        }
        assertEquals(Map.of("chunk_meta", "jsonb", "chunk_text", "text", "embedding_v", "vector"), columns);
    }
}
