package dev.localbedrock.runtime;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.document.Document;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockagent.BedrockAgentClient;
import software.amazon.awssdk.services.bedrockagent.model.IngestionJobStatus;
import software.amazon.awssdk.services.bedrockagentruntime.BedrockAgentRuntimeClient;
import software.amazon.awssdk.services.bedrockagentruntime.model.KnowledgeBaseRetrievalResult;
import software.amazon.awssdk.services.bedrockagentruntime.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrockagentruntime.model.RetrievalFilter;
import software.amazon.awssdk.services.bedrockagentruntime.model.RetrievalResultLocationType;
import software.amazon.awssdk.services.bedrockagentruntime.model.ValidationException;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retrieve through the real {@code BedrockAgentRuntimeClient} on documents ingested with the real MiniLM model: a
 * planted fact is found by a paraphrase, results come nearest first, filters narrow them.
 */
class RetrieveSdkTest {
    private static final String FACT = "The Zorblat reactor in Oslo was commissioned in 1987.";
    private static final Map<String, String> FILLER = Map.of(
            "weather.txt", "Heavy rain is expected across the coast this weekend, with strong winds on Sunday.",
            "cooking.txt", "Simmer the tomatoes with garlic and basil for twenty minutes before adding pasta.",
            "football.txt", "The home team scored twice in the second half and won the cup final.",
            "programming.txt", "A hash map gives constant-time lookups on average when its keys hash well.",
            "gardening.txt", "Prune the roses in late winter and water the seedlings every morning.",
            "trains.txt", "The night train from Vienna to Rome leaves at nine and has sleeping cars.",
            "music.txt", "The orchestra rehearsed the symphony's slow movement until the violins were in tune.",
            "astronomy.txt", "Jupiter's largest moon, Ganymede, is bigger than the planet Mercury.");
    @TempDir
    static Path workDir;
    static BedrockService service;
    static BedrockAgentClient agent;
    static BedrockAgentRuntimeClient runtime;
    static String kb;
    static String ds;

    @BeforeAll
    static void start() throws Exception {
        for (var e : FILLER.entrySet()) {
            KnowledgeFixtures.put(workDir, "facts", e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8));
        }
        KnowledgeFixtures.put(workDir, "facts", "zorblat.txt", FACT.getBytes(StandardCharsets.UTF_8));
        service = KnowledgeFixtures.start(workDir);
        agent = TestServers.agentClient(service);
        runtime = BedrockAgentRuntimeClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + service.address().getPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE",
                        "not-a-secret"))).build();
        kb = KnowledgeFixtures.knowledgeBase(agent, "facts");
        ds = KnowledgeFixtures.dataSource(agent, kb, "facts", "facts");
        assertEquals(IngestionJobStatus.COMPLETE, KnowledgeFixtures.sync(agent, kb, ds).status());
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.closeAll(runtime, agent, service);
    }

    private static List<KnowledgeBaseRetrievalResult> retrieve(String knowledgeBase, String query, int n,
                                                               RetrievalFilter filter) {
        return runtime.retrieve(b -> b.knowledgeBaseId(knowledgeBase).retrievalQuery(q -> q.text(query))
                .retrievalConfiguration(c -> c.vectorSearchConfiguration(v -> v.numberOfResults(n).filter(filter))))
                .retrievalResults();
    }

    @Test
    void aParaphraseFindsThePlantedFactFirst() {
        List<KnowledgeBaseRetrievalResult> results = retrieve(kb,
                "When did the Norwegian Zorblat plant start operating?", 3, null);
        assertEquals(3, results.size());
        KnowledgeBaseRetrievalResult top = results.get(0);
        assertEquals(FACT, top.content().text());
        assertEquals(RetrievalResultLocationType.S3, top.location().type());
        assertEquals("s3://facts/zorblat.txt", top.location().s3Location().uri());
        assertTrue(top.score() > results.get(1).score(), "the fact scores above the next: " + results);
        assertTrue(results.get(1).score() >= results.get(2).score(), "nearest first");
        assertTrue(top.score() > 0.5 && top.score() <= 1.0, "a cosine score (1 + cos) / 2: " + top.score());
        assertEquals("s3://facts/zorblat.txt", top.metadata().get("x-amz-bedrock-kb-source-uri").asString());
        assertEquals(ds, top.metadata().get("x-amz-bedrock-kb-data-source-id").asString());
        assertEquals(64, top.metadata().get("x-amz-bedrock-kb-chunk-id").asString().length());
    }

    @Test
    void theDefaultIsFiveResultsAndTheArnNamesTheKnowledgeBaseToo() {
        String arn = "arn:aws:bedrock:us-east-1:000000000000:knowledge-base/" + kb;
        List<KnowledgeBaseRetrievalResult> results = runtime.retrieve(b -> b.knowledgeBaseId(arn)
                .retrievalQuery(q -> q.text("a moon bigger than a planet"))).retrievalResults();
        assertEquals(5, results.size());
        assertEquals("s3://facts/astronomy.txt", results.get(0).location().s3Location().uri());
    }

    @Test
    void filtersNarrowTheResults() {
        String query = "When did the Norwegian Zorblat plant start operating?";
        RetrievalFilter onlyTrains = RetrievalFilter.builder().equalsValue(f -> f.key("x-amz-bedrock-kb-source-uri")
                .value(Document.fromString("s3://facts/trains.txt"))).build();
        List<KnowledgeBaseRetrievalResult> trains = retrieve(kb, query, 5, onlyTrains);
        assertEquals(List.of("s3://facts/trains.txt"), uris(trains));

        RetrievalFilter notTheFact = RetrievalFilter.builder().notEquals(f -> f.key("x-amz-bedrock-kb-source-uri")
                .value(Document.fromString("s3://facts/zorblat.txt"))).build();
        assertTrue(!uris(retrieve(kb, query, 9, notTheFact)).contains("s3://facts/zorblat.txt"));

        RetrievalFilter either = RetrievalFilter.builder().orAll(
                RetrievalFilter.builder().startsWith(f -> f.key("x-amz-bedrock-kb-source-uri")
                        .value(Document.fromString("s3://facts/g"))).build(),
                RetrievalFilter.builder().in(f -> f.key("x-amz-bedrock-kb-source-uri").value(Document.fromList(
                        List.of(Document.fromString("s3://facts/music.txt"))))).build()).build();
        assertEquals(List.of("s3://facts/gardening.txt", "s3://facts/music.txt"),
                uris(retrieve(kb, query, 5, either)).stream().sorted().toList());

        RetrievalFilter otherSource = RetrievalFilter.builder().andAll(
                RetrievalFilter.builder().equalsValue(f -> f.key("x-amz-bedrock-kb-data-source-id")
                        .value(Document.fromString(ds))).build(),
                RetrievalFilter.builder().equalsValue(f -> f.key("x-amz-bedrock-kb-data-source-id")
                        .value(Document.fromString("NOSUCHDATA"))).build()).build();
        assertEquals(List.of(), retrieve(kb, query, 5, otherSource));
    }

    private static List<String> uris(List<KnowledgeBaseRetrievalResult> results) {
        return results.stream().map(r -> r.location().s3Location().uri()).toList();
    }

    @Test
    void aResyncShowsTheChangedText() throws Exception {
        KnowledgeFixtures.put(workDir, "facts", "cooking.txt", "Knead the bread dough for ten minutes, then let it"
                .concat(" rise overnight.").getBytes(StandardCharsets.UTF_8));
        assertEquals(1, KnowledgeFixtures.sync(agent, kb, ds).statistics().numberOfModifiedDocumentsIndexed());
        KnowledgeBaseRetrievalResult top = retrieve(kb, "how long to knead bread", 1, null).get(0);
        assertEquals("s3://facts/cooking.txt", top.location().s3Location().uri());
        assertTrue(top.content().text().contains("Knead the bread"), top.content().text());
        assertEquals(0, retrieve(kb, "tomatoes garlic basil pasta", 9, null).stream()
                .filter(r -> r.content().text().contains("tomatoes")).count(), "the old text is gone");
    }

    @Test
    void deletingADataSourceWithPolicyDeleteTakesItsChunks() throws Exception {
        KnowledgeFixtures.put(workDir, "extra", "lighthouse.txt", "The Quorvex lighthouse is painted purple."
                .getBytes(StandardCharsets.UTF_8));
        String extra = KnowledgeFixtures.dataSource(agent, kb, "extra", "extra");
        assertEquals(1, KnowledgeFixtures.sync(agent, kb, extra).statistics().numberOfNewDocumentsIndexed());
        String query = "What colour is the Quorvex lighthouse?";
        assertEquals("s3://extra/lighthouse.txt", retrieve(kb, query, 1, null).get(0).location().s3Location().uri());
        agent.deleteDataSource(b -> b.knowledgeBaseId(kb).dataSourceId(extra));
        assertTrue(!uris(retrieve(kb, query, 20, null)).contains("s3://extra/lighthouse.txt"),
                "the deleted data source's chunks are gone");
    }

    @Test
    void unknownKnowledgeBasesAndBadRequestsAreTypedErrors() {
        assertThrows(ResourceNotFoundException.class, () -> retrieve("NOSUCHKB00", "anything", 3, null));
        ValidationException tooMany = assertThrows(ValidationException.class, () -> retrieve(kb, "x", 101, null));
        assertTrue(tooMany.getMessage().contains("numberOfResults"), tooMany.getMessage());
        ValidationException hybrid = assertThrows(ValidationException.class, () -> runtime.retrieve(b -> b
                .knowledgeBaseId(kb).retrievalQuery(q -> q.text("x"))
                .retrievalConfiguration(c -> c.vectorSearchConfiguration(v -> v.overrideSearchType("HYBRID")))));
        assertTrue(hybrid.getMessage().contains("overrideSearchType"), hybrid.getMessage());
    }
}
