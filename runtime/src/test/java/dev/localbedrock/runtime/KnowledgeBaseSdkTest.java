package dev.localbedrock.runtime;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.bedrockagent.BedrockAgentClient;
import software.amazon.awssdk.services.bedrockagent.model.ConflictException;
import software.amazon.awssdk.services.bedrockagent.model.CreateKnowledgeBaseRequest;
import software.amazon.awssdk.services.bedrockagent.model.KnowledgeBase;
import software.amazon.awssdk.services.bedrockagent.model.KnowledgeBaseStatus;
import software.amazon.awssdk.services.bedrockagent.model.KnowledgeBaseSummary;
import software.amazon.awssdk.services.bedrockagent.model.ListKnowledgeBasesResponse;
import software.amazon.awssdk.services.bedrockagent.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrockagent.model.ValidationException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Knowledge-base CRUD through the real AWS SDK for Java v2 {@code BedrockAgentClient} (2.29.29), on the server's one
 * port, over MiniLM served as Titan Embeddings (384 dimensions).
 */
class KnowledgeBaseSdkTest {
    static final String ROLE = "arn:aws:iam::123456789012:role/kb-role";
    static final String TITAN_ARN = "arn:aws:bedrock:us-east-1::foundation-model/" + TestServers.TITAN_EMBED_ID;
    @TempDir
    static Path workDir;
    static BedrockService service;
    static BedrockAgentClient agent;

    @BeforeAll
    static void start() throws Exception {
        service = TestServers.startTinyLlamaAndMiniLm(workDir, "");
        agent = TestServers.agentClient(service);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.closeAll(agent, service);
    }

    /** A valid VECTOR knowledge base over the served Titan model, with {@code more} applied. */
    static Consumer<CreateKnowledgeBaseRequest.Builder> kb(String name,
                                                           Consumer<CreateKnowledgeBaseRequest.Builder> more) {
        return b -> {
            b.name(name).roleArn(ROLE).knowledgeBaseConfiguration(k -> k.type("VECTOR")
                    .vectorKnowledgeBaseConfiguration(v -> v.embeddingModelArn(TITAN_ARN)));
            more.accept(b);
        };
    }

    /** Reads the knowledge base until it leaves CREATING (its index is made off the request thread). */
    static KnowledgeBase untilBuilt(BedrockAgentClient client, String id) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            KnowledgeBase kb = client.getKnowledgeBase(r -> r.knowledgeBaseId(id)).knowledgeBase();
            if (kb.status() != KnowledgeBaseStatus.CREATING) {
                return kb;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("knowledge base " + id + " stayed CREATING");
    }

    @Test
    void createThenGetUntilActiveEchoingTheDefinition() throws Exception {
        KnowledgeBase created = agent.createKnowledgeBase(kb("docs", b -> b.description("product manuals")
                .knowledgeBaseConfiguration(k -> k.type("VECTOR").vectorKnowledgeBaseConfiguration(v -> v
                        .embeddingModelArn(TITAN_ARN).embeddingModelConfiguration(e -> e
                                .bedrockEmbeddingModelConfiguration(d -> d.dimensions(384)))))
                .storageConfiguration(s -> s.type("OPENSEARCH_SERVERLESS").opensearchServerlessConfiguration(o -> o
                        .collectionArn("arn:aws:aoss:us-east-1:123456789012:collection/abc")
                        .vectorIndexName("my-index").fieldMapping(f -> f.vectorField("vec").textField("text")
                                .metadataField("meta")))))).knowledgeBase();
        assertEquals(KnowledgeBaseStatus.CREATING, created.status());
        assertTrue(created.knowledgeBaseId().matches("[0-9A-Z]{10}"), created.knowledgeBaseId());
        assertEquals("arn:aws:bedrock:us-east-1:000000000000:knowledge-base/" + created.knowledgeBaseId(),
                created.knowledgeBaseArn());

        KnowledgeBase got = untilBuilt(agent, created.knowledgeBaseId());
        assertEquals(KnowledgeBaseStatus.ACTIVE, got.status());
        assertEquals("docs", got.name());
        assertEquals("product manuals", got.description());
        assertEquals(ROLE, got.roleArn());
        assertEquals(TITAN_ARN, got.knowledgeBaseConfiguration().vectorKnowledgeBaseConfiguration()
                .embeddingModelArn());
        assertEquals(384, got.knowledgeBaseConfiguration().vectorKnowledgeBaseConfiguration()
                .embeddingModelConfiguration().bedrockEmbeddingModelConfiguration().dimensions());
        assertEquals("my-index", got.storageConfiguration().opensearchServerlessConfiguration().vectorIndexName());
        assertEquals("meta", got.storageConfiguration().opensearchServerlessConfiguration().fieldMapping()
                .metadataField());
        assertEquals(created.createdAt(), got.createdAt());
        assertTrue(!got.updatedAt().isBefore(got.createdAt()));
    }

    @Test
    void aRetriedCreateWithTheSameClientTokenAnswersTheSameKnowledgeBase() {
        String token = UUID.randomUUID().toString();
        KnowledgeBase first = agent.createKnowledgeBase(kb("retried", b -> b.clientToken(token))).knowledgeBase();
        KnowledgeBase again = agent.createKnowledgeBase(kb("retried", b -> b.clientToken(token))).knowledgeBase();
        assertEquals(first.knowledgeBaseId(), again.knowledgeBaseId());
        // A fresh token (the SDK makes one per call) with a taken name is a conflict.
        ConflictException e = assertThrows(ConflictException.class,
                () -> agent.createKnowledgeBase(kb("retried", b -> { })));
        assertEquals(409, e.statusCode());
        assertTrue(e.getMessage().contains("retried"), e.getMessage());
    }

    @Test
    void listPagesWithMaxResultsAndNextToken() {
        for (String name : List.of("page-a", "page-b", "page-c")) {
            agent.createKnowledgeBase(kb(name, b -> { }));
        }
        List<String> names = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            String next = token;
            ListKnowledgeBasesResponse page = agent.listKnowledgeBases(r -> r.maxResults(1).nextToken(next));
            assertTrue(page.knowledgeBaseSummaries().size() <= 1);
            page.knowledgeBaseSummaries().stream().map(KnowledgeBaseSummary::name).forEach(names::add);
            token = page.nextToken();
            pages++;
        } while (token != null);
        assertEquals(names.size(), pages);
        assertTrue(names.containsAll(List.of("page-a", "page-b", "page-c")), names.toString());
        List<String> whole = agent.listKnowledgeBases(r -> { }).knowledgeBaseSummaries().stream()
                .map(KnowledgeBaseSummary::name).toList();
        assertEquals(names, whole, "pages are the whole list in order");
        assertThrows(ValidationException.class, () -> agent.listKnowledgeBases(r -> r.maxResults(1001)));
        assertThrows(ValidationException.class, () -> agent.listKnowledgeBases(r -> r.nextToken("not-ours")));
    }

    @Test
    void updateChangesNameAndDescriptionButNotTheConfiguration() throws Exception {
        String id = agent.createKnowledgeBase(kb("before", b -> { })).knowledgeBase().knowledgeBaseId();
        untilBuilt(agent, id);
        KnowledgeBase updated = agent.updateKnowledgeBase(r -> r.knowledgeBaseId(id).name("after")
                .description("renamed").roleArn(ROLE).knowledgeBaseConfiguration(k -> k.type("VECTOR")
                        .vectorKnowledgeBaseConfiguration(v -> v.embeddingModelArn(TITAN_ARN)))).knowledgeBase();
        assertEquals("after", updated.name());
        assertEquals("renamed", agent.getKnowledgeBase(r -> r.knowledgeBaseId(id)).knowledgeBase().description());
        ValidationException e = assertThrows(ValidationException.class, () -> agent.updateKnowledgeBase(r -> r
                .knowledgeBaseId(id).name("after").roleArn(ROLE).knowledgeBaseConfiguration(k -> k.type("VECTOR")
                        .vectorKnowledgeBaseConfiguration(v -> v.embeddingModelArn(TITAN_ARN)
                                .embeddingModelConfiguration(c -> c.bedrockEmbeddingModelConfiguration(d -> d
                                        .dimensions(384)))))));
        assertTrue(e.getMessage().contains("knowledgeBaseConfiguration"), e.getMessage());
        assertThrows(ResourceNotFoundException.class, () -> agent.updateKnowledgeBase(r -> r
                .knowledgeBaseId("NOSUCHKB00").name("x").roleArn(ROLE).knowledgeBaseConfiguration(k -> k
                        .type("VECTOR").vectorKnowledgeBaseConfiguration(v -> v.embeddingModelArn(TITAN_ARN)))));
    }

    @Test
    void deleteAnswersDeletingThenGetIsNotFound() {
        String id = agent.createKnowledgeBase(kb("doomed", b -> { })).knowledgeBase().knowledgeBaseId();
        var deleted = agent.deleteKnowledgeBase(r -> r.knowledgeBaseId(id));
        assertEquals(id, deleted.knowledgeBaseId());
        assertEquals(KnowledgeBaseStatus.DELETING, deleted.status());
        ResourceNotFoundException e = assertThrows(ResourceNotFoundException.class,
                () -> agent.getKnowledgeBase(r -> r.knowledgeBaseId(id)));
        assertEquals(404, e.statusCode());
        assertTrue(e.getMessage().contains(id), e.getMessage());
        assertThrows(ResourceNotFoundException.class, () -> agent.deleteKnowledgeBase(r -> r.knowledgeBaseId(id)));
        // The name is free again.
        agent.createKnowledgeBase(kb("doomed", b -> { }));
    }

    @Test
    void tagsAreAMapOnTheKnowledgeBaseArn() {
        KnowledgeBase kb = agent.createKnowledgeBase(kb("tagged", b -> b.tags(java.util.Map.of("team", "search"))))
                .knowledgeBase();
        String arn = kb.knowledgeBaseArn();
        assertEquals(java.util.Map.of("team", "search"), agent.listTagsForResource(r -> r.resourceArn(arn)).tags());
        agent.tagResource(r -> r.resourceArn(arn).tags(java.util.Map.of("env", "prod", "team", "docs")));
        assertEquals(java.util.Map.of("env", "prod", "team", "docs"),
                agent.listTagsForResource(r -> r.resourceArn(arn)).tags());
        agent.untagResource(r -> r.resourceArn(arn).tagKeys("team", "absent"));
        assertEquals(java.util.Map.of("env", "prod"), agent.listTagsForResource(r -> r.resourceArn(arn)).tags());

        java.util.Map<String, String> many = new java.util.HashMap<>();
        for (int i = 0; i < 50; i++) {
            many.put("k" + i, "v");
        }
        var quota = assertThrows(software.amazon.awssdk.services.bedrockagent.model.ServiceQuotaExceededException.class,
                () -> agent.tagResource(r -> r.resourceArn(arn).tags(many)));
        assertEquals(402, quota.statusCode());
        assertEquals(1, agent.listTagsForResource(r -> r.resourceArn(arn)).tags().size(), "nothing was added");
        String missing = arn.substring(0, arn.lastIndexOf('/') + 1) + "NOSUCHKB00";
        assertThrows(ResourceNotFoundException.class, () -> agent.listTagsForResource(r -> r.resourceArn(missing)));
        agent.deleteKnowledgeBase(r -> r.knowledgeBaseId(kb.knowledgeBaseId()));
        assertThrows(ResourceNotFoundException.class, () -> agent.listTagsForResource(r -> r.resourceArn(arn)));
    }

    @Test
    void anEmbeddingModelThisServerDoesNotServeOrTheWrongDimensionsAreValidationErrors() {
        ValidationException text = assertThrows(ValidationException.class, () -> agent.createKnowledgeBase(kb(
                "on-llama", b -> b.knowledgeBaseConfiguration(k -> k.type("VECTOR").vectorKnowledgeBaseConfiguration(
                        v -> v.embeddingModelArn("arn:aws:bedrock:us-east-1::foundation-model/"
                                + TestServers.LLAMA_ID))))));
        assertTrue(text.getMessage().contains("not an embedding model"), text.getMessage());
        ValidationException unknown = assertThrows(ValidationException.class, () -> agent.createKnowledgeBase(kb(
                "on-nothing", b -> b.knowledgeBaseConfiguration(k -> k.type("VECTOR")
                        .vectorKnowledgeBaseConfiguration(v -> v.embeddingModelArn(
                                "arn:aws:bedrock:us-east-1::foundation-model/cohere.embed-english-v3"))))));
        assertTrue(unknown.getMessage().contains("embeddingModelArn"), unknown.getMessage());
        ValidationException dims = assertThrows(ValidationException.class, () -> agent.createKnowledgeBase(kb(
                "wrong-dims", b -> b.knowledgeBaseConfiguration(k -> k.type("VECTOR")
                        .vectorKnowledgeBaseConfiguration(v -> v.embeddingModelArn(TITAN_ARN)
                                .embeddingModelConfiguration(e -> e.bedrockEmbeddingModelConfiguration(d -> d
                                        .dimensions(1024))))))));
        assertTrue(dims.getMessage().contains("dimensions") && dims.getMessage().contains("384"),
                dims.getMessage());
        ValidationException kendra = assertThrows(ValidationException.class, () -> agent.createKnowledgeBase(kb(
                "kendra", b -> b.knowledgeBaseConfiguration(k -> k.type("KENDRA")))));
        assertTrue(kendra.getMessage().contains("knowledgeBaseConfiguration.type"), kendra.getMessage());
        ValidationException name = assertThrows(ValidationException.class, () -> agent.createKnowledgeBase(kb(
                "bad name!", b -> { })));
        assertTrue(name.getMessage().contains("'name'"), name.getMessage());
        assertEquals(400, name.statusCode());
        assertNull(agent.listKnowledgeBases(r -> { }).knowledgeBaseSummaries().stream()
                .filter(s -> s.name().equals("wrong-dims")).findAny().orElse(null), "nothing was created");
        SdkServiceException badId = assertThrows(ValidationException.class,
                () -> agent.getKnowledgeBase(r -> r.knowledgeBaseId("short")));
        assertTrue(badId.getMessage().contains("knowledgeBaseId"), badId.getMessage());
    }
}
