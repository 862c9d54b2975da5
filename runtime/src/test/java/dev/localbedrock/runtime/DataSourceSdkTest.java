package dev.localbedrock.runtime;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.bedrockagent.BedrockAgentClient;
import software.amazon.awssdk.services.bedrockagent.model.ChunkingStrategy;
import software.amazon.awssdk.services.bedrockagent.model.ConflictException;
import software.amazon.awssdk.services.bedrockagent.model.CreateDataSourceRequest;
import software.amazon.awssdk.services.bedrockagent.model.DataDeletionPolicy;
import software.amazon.awssdk.services.bedrockagent.model.DataSource;
import software.amazon.awssdk.services.bedrockagent.model.DataSourceStatus;
import software.amazon.awssdk.services.bedrockagent.model.DataSourceSummary;
import software.amazon.awssdk.services.bedrockagent.model.ListDataSourcesResponse;
import software.amazon.awssdk.services.bedrockagent.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrockagent.model.ValidationException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Data-source CRUD through the real {@code BedrockAgentClient} (2.29.29), and that it all survives a restart. */
class DataSourceSdkTest {
    @TempDir
    static Path workDir;
    static BedrockService service;
    static BedrockAgentClient agent;
    static String kbId;

    @BeforeAll
    static void start() throws Exception {
        service = TestServers.startTinyLlamaAndMiniLm(workDir, "");
        agent = TestServers.agentClient(service);
        kbId = agent.createKnowledgeBase(KnowledgeBaseSdkTest.kb("sources", b -> { })).knowledgeBase()
                .knowledgeBaseId();
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.closeAll(agent, service);
    }

    static Consumer<CreateDataSourceRequest.Builder> s3(String name, Consumer<CreateDataSourceRequest.Builder> more) {
        return b -> {
            b.knowledgeBaseId(kbId).name(name).dataSourceConfiguration(d -> d.type("S3")
                    .s3Configuration(s -> s.bucketArn("arn:aws:s3:::manuals")));
            more.accept(b);
        };
    }

    @Test
    void createGetUpdateDeleteWithChunkingAndDefaults() {
        DataSource created = agent.createDataSource(s3("pdfs", b -> b.description("the PDFs")
                .dataSourceConfiguration(d -> d.type("S3").s3Configuration(s -> s.bucketArn("arn:aws:s3:::manuals")
                        .inclusionPrefixes("guides/")))
                .vectorIngestionConfiguration(v -> v.chunkingConfiguration(c -> c.chunkingStrategy("FIXED_SIZE")
                        .fixedSizeChunkingConfiguration(f -> f.maxTokens(300).overlapPercentage(20))))))
                .dataSource();
        assertEquals(DataSourceStatus.AVAILABLE, created.status());
        assertEquals(kbId, created.knowledgeBaseId());
        assertTrue(created.dataSourceId().matches("[0-9A-Z]{10}"), created.dataSourceId());
        assertEquals(DataDeletionPolicy.DELETE, created.dataDeletionPolicy(), "the default policy");

        DataSource got = agent.getDataSource(r -> r.knowledgeBaseId(kbId).dataSourceId(created.dataSourceId()))
                .dataSource();
        assertEquals("pdfs", got.name());
        assertEquals("the PDFs", got.description());
        assertEquals("arn:aws:s3:::manuals", got.dataSourceConfiguration().s3Configuration().bucketArn());
        assertEquals(List.of("guides/"), got.dataSourceConfiguration().s3Configuration().inclusionPrefixes());
        assertEquals(ChunkingStrategy.FIXED_SIZE, got.vectorIngestionConfiguration().chunkingConfiguration()
                .chunkingStrategy());
        assertEquals(20, got.vectorIngestionConfiguration().chunkingConfiguration().fixedSizeChunkingConfiguration()
                .overlapPercentage());
        assertEquals(created.createdAt(), got.createdAt());

        DataSource updated = agent.updateDataSource(r -> r.knowledgeBaseId(kbId).dataSourceId(created.dataSourceId())
                .name("pdfs-2").dataDeletionPolicy("RETAIN").dataSourceConfiguration(d -> d.type("S3")
                        .s3Configuration(s -> s.bucketArn("arn:aws:s3:::manuals-v2")))
                .vectorIngestionConfiguration(v -> v.chunkingConfiguration(c -> c.chunkingStrategy("FIXED_SIZE")
                        .fixedSizeChunkingConfiguration(f -> f.maxTokens(300).overlapPercentage(20))))).dataSource();
        assertEquals("pdfs-2", updated.name());
        assertEquals(DataDeletionPolicy.RETAIN, updated.dataDeletionPolicy());
        assertEquals("arn:aws:s3:::manuals-v2", agent.getDataSource(r -> r.knowledgeBaseId(kbId)
                .dataSourceId(created.dataSourceId())).dataSource().dataSourceConfiguration().s3Configuration()
                .bucketArn());
        ValidationException rechunk = assertThrows(ValidationException.class, () -> agent.updateDataSource(r -> r
                .knowledgeBaseId(kbId).dataSourceId(created.dataSourceId()).name("pdfs-2")
                .dataSourceConfiguration(d -> d.type("S3").s3Configuration(s -> s.bucketArn("arn:aws:s3:::manuals")))
                .vectorIngestionConfiguration(v -> v.chunkingConfiguration(c -> c.chunkingStrategy("NONE")))));
        assertTrue(rechunk.getMessage().contains("chunkingConfiguration"), rechunk.getMessage());

        var deleted = agent.deleteDataSource(r -> r.knowledgeBaseId(kbId).dataSourceId(created.dataSourceId()));
        assertEquals(DataSourceStatus.DELETING, deleted.status());
        assertEquals(created.dataSourceId(), deleted.dataSourceId());
        assertThrows(ResourceNotFoundException.class, () -> agent.getDataSource(r -> r.knowledgeBaseId(kbId)
                .dataSourceId(created.dataSourceId())));
    }

    @Test
    void aDuplicateNameIsAConflictAndAnUnknownKnowledgeBaseIsNotFound() {
        agent.createDataSource(s3("twice", b -> { }));
        ConflictException e = assertThrows(ConflictException.class, () -> agent.createDataSource(s3("twice",
                b -> { })));
        assertEquals(409, e.statusCode());
        ResourceNotFoundException missing = assertThrows(ResourceNotFoundException.class,
                () -> agent.createDataSource(s3("orphan", b -> b.knowledgeBaseId("NOSUCHKB00"))));
        assertTrue(missing.getMessage().contains("NOSUCHKB00"), missing.getMessage());
        assertThrows(ResourceNotFoundException.class, () -> agent.listDataSources(r -> r
                .knowledgeBaseId("NOSUCHKB00")));
    }

    @Test
    void whatThisServerCannotIngestIsRefusedNamingTheMember() {
        ValidationException bucket = assertThrows(ValidationException.class, () -> agent.createDataSource(s3("bad",
                b -> b.dataSourceConfiguration(d -> d.type("S3").s3Configuration(s -> s
                        .bucketArn("arn:aws:s3:us-east-1::manuals"))))));
        assertTrue(bucket.getMessage().contains("dataSourceConfiguration.s3Configuration.bucketArn"),
                bucket.getMessage());
        ValidationException web = assertThrows(ValidationException.class, () -> agent.createDataSource(s3("web",
                b -> b.dataSourceConfiguration(d -> d.type("WEB")))));
        assertTrue(web.getMessage().contains("dataSourceConfiguration.type"), web.getMessage());
        for (String strategy : List.of("HIERARCHICAL", "SEMANTIC")) {
            ValidationException e = assertThrows(ValidationException.class, () -> agent.createDataSource(s3(
                    "chunky", b -> b.vectorIngestionConfiguration(v -> v.chunkingConfiguration(c -> c
                            .chunkingStrategy(strategy))))));
            assertTrue(e.getMessage().contains("vectorIngestionConfiguration.chunkingConfiguration.chunkingStrategy")
                    && e.getMessage().contains(strategy), e.getMessage());
        }
        ValidationException overlap = assertThrows(ValidationException.class, () -> agent.createDataSource(s3(
                "overlap", b -> b.vectorIngestionConfiguration(v -> v.chunkingConfiguration(c -> c
                        .chunkingStrategy("FIXED_SIZE").fixedSizeChunkingConfiguration(f -> f.maxTokens(100)
                                .overlapPercentage(100)))))));
        assertTrue(overlap.getMessage().contains("overlapPercentage") && overlap.getMessage().contains("99"),
                overlap.getMessage());
        ValidationException parsing = assertThrows(ValidationException.class, () -> agent.createDataSource(s3(
                "parsed", b -> b.vectorIngestionConfiguration(v -> v.parsingConfiguration(p -> p
                        .parsingStrategy("BEDROCK_FOUNDATION_MODEL"))))));
        assertTrue(parsing.getMessage().contains("parsingConfiguration"), parsing.getMessage());
        assertNull(agent.listDataSources(r -> r.knowledgeBaseId(kbId)).dataSourceSummaries().stream()
                .filter(s -> s.name().equals("bad")).findAny().orElse(null), "nothing was created");
    }

    @Test
    void listPagesAndEverythingSurvivesARestart() throws Exception {
        for (String name : List.of("p1", "p2", "p3")) {
            agent.createDataSource(s3(name, b -> b.vectorIngestionConfiguration(v -> v.chunkingConfiguration(c -> c
                    .chunkingStrategy("NONE")))));
        }
        List<String> before = names();
        assertTrue(before.containsAll(List.of("p1", "p2", "p3")), before.toString());

        agent.close();
        service.close();
        service = TestServers.startTinyLlamaAndMiniLm(workDir, "");
        agent = TestServers.agentClient(service);
        assertEquals(before, names(), "the state database kept every data source, in order");
        assertEquals("sources", agent.getKnowledgeBase(r -> r.knowledgeBaseId(kbId)).knowledgeBase().name());
    }

    /** Every data source's name, read a page of one at a time. */
    private static List<String> names() {
        List<String> names = new ArrayList<>();
        String token = null;
        do {
            String next = token;
            ListDataSourcesResponse page = agent.listDataSources(r -> r.knowledgeBaseId(kbId).maxResults(1)
                    .nextToken(next));
            assertTrue(page.dataSourceSummaries().size() <= 1);
            page.dataSourceSummaries().stream().map(DataSourceSummary::name).forEach(names::add);
            token = page.nextToken();
        } while (token != null);
        return names;
    }
}
