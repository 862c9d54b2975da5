package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.localbedrock.runtime.agents.ForcedActions;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import dev.localbedrock.runtime.generation.WorkerHooks;
import dev.localbedrock.runtime.state.StoredDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.bedrockagent.BedrockAgentClient;
import software.amazon.awssdk.services.bedrockagent.model.CreationMode;
import software.amazon.awssdk.services.bedrockagent.model.IngestionJob;
import software.amazon.awssdk.services.bedrockagent.model.IngestionJobStatus;
import software.amazon.awssdk.services.bedrockagent.model.PromptConfiguration;
import software.amazon.awssdk.services.bedrockagent.model.PromptType;
import software.amazon.awssdk.services.bedrockagentruntime.BedrockAgentRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockagentruntime.model.DependencyFailedException;
import software.amazon.awssdk.services.bedrockagentruntime.model.FailureTrace;
import software.amazon.awssdk.services.bedrockagentruntime.model.InvokeAgentResponseHandler;
import software.amazon.awssdk.services.bedrockagentruntime.model.KnowledgeBaseRetrievalResult;
import software.amazon.awssdk.services.bedrockagentruntime.model.Observation;
import software.amazon.awssdk.services.bedrockagentruntime.model.OrchestrationTrace;
import software.amazon.awssdk.services.bedrockagentruntime.model.PayloadPart;
import software.amazon.awssdk.services.bedrockagentruntime.model.TracePart;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 22's acceptance, run once per vector store (a subclass names the store): through the real
 * {@code BedrockAgentClient} and {@code BedrockAgentRuntimeAsyncClient},
 * <ul>
 *   <li>a knowledge base over a folder of txt, md, html, pdf and docx ingests, Retrieve puts the chunk holding a
 *       planted fact first for a paraphrase, and a resync after one file changes re-indexes that file only;</li>
 *   <li>an agent with one action group (an OpenAPI schema run by an HTTP function here) and that knowledge base,
 *       on the random-weight Llama, answers 100 sampled turns (fewer on the external store, see {@link #agentTurns}): every call the function gets is valid against the schema,
 *       every response comes back as that call's observation, and a failing function is the guide's failure
 *       trace.</li>
 * </ul>
 * The random model picks its actions at random, so over many sampled turns it calls, searches and answers; the
 * constrained decoding is what keeps every call valid.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class KnowledgeStoreContract {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String REFUNDS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:refunds";
    static final String BROKEN_ARN = "arn:aws:lambda:us-east-1:123456789012:function:refunds-broken";
    static final String FACT = "The Zorblat reactor in Oslo was commissioned in 1987.";
    static final Set<String> REASONS = Set.of("damaged", "late");
    static final String REFUNDS = """
            {"openapi":"3.0.0","info":{"title":"refunds","version":"1"},
             "paths":{"/refund/{order}":{"post":{"description":"Refunds an order","parameters":[
                 {"name":"order","in":"path","required":true,"schema":{"type":"string","maxLength":10}},
                 {"name":"why","in":"query","required":true,"schema":{"type":"string","enum":["damaged","late"]}}],
               "requestBody":{"required":true,"content":{"application/json":{"schema":{"type":"object",
                 "required":["note","fast"],"properties":{"note":{"type":"string","maxLength":20},
                 "fast":{"type":"boolean"}}}}}}}}}}
            """;

    Path workDir;
    BedrockService service;
    BedrockAgentClient agents;
    BedrockAgentRuntimeAsyncClient runtime;
    HttpServer functions;
    final List<JsonNode> calls = Collections.synchronizedList(new ArrayList<>());

    /** The {@code vector_store:} section of models.yaml (unindented), starting whatever it needs first. */
    abstract String vectorStoreYaml() throws Exception;

    /**
     * How many sampled agent turns to run: the done-when count of 100 on the embedded store. The store takes part in
     * a turn only through its searches, so the external store's run may be shorter (each turn costs seconds here).
     */
    abstract int agentTurns();

    /** Stops what {@link #vectorStoreYaml} started. */
    abstract void stopVectorStore() throws Exception;

    /** The server: the Llama and MiniLM as Titan, objects under {@code objects/}, the subclass's vector store. */
    private void startServer() throws Exception {
        functions = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        functions.createContext("/refunds", exchange -> {
            JsonNode event = JSON.readTree(exchange.getRequestBody().readAllBytes());
            calls.add(event);
            respond(exchange, 200, lambdaResponse(event, refundBody(event)));
        });
        // A Lambda function error: the function ran and failed, as Lambda reports it.
        functions.createContext("/refunds-broken", exchange -> {
            exchange.getRequestBody().readAllBytes();
            respond(exchange, 200, "{\"errorMessage\":\"Refund ledger unavailable\",\"errorType\":\"LedgerDown\"}");
        });
        functions.start();
        String base = "http://127.0.0.1:" + functions.getAddress().getPort();
        Path file = TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", "max_context_tokens: 2048\n",
                TestServers.miniLmAsTitan(""));
        Files.writeString(file, Files.readString(file) + "storage:\n  local_dir: objects\n" + vectorStoreYaml()
                + "functions:\n  " + REFUNDS_ARN + ": " + base + "/refunds\n  " + BROKEN_ARN + ": " + base
                + "/refunds-broken\n");
        service = BedrockService.start(CatalogLoader.load(file), entry -> WorkerHooks.defaults());
        agents = TestServers.agentClient(service);
        runtime = TestServers.agentRuntimeClient(service);
    }

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        workDir = dir;
        startServer();
    }

    @AfterAll
    void stop() throws Exception {
        TestServers.closeAll(runtime, agents, service);
        if (functions != null) {
            functions.stop(0);
        }
        stopVectorStore();
    }

    /** What the function answers a call: it names the call's order, so each observation can be traced to it. */
    static String refundBody(JsonNode event) {
        String order = "";
        for (JsonNode p : event.path("parameters")) {
            if (p.path("name").asText().equals("order")) {
                order = p.path("value").asText();
            }
        }
        return JSON.createObjectNode().put("refunded", order).toString();
    }

    static String lambdaResponse(JsonNode event, String body) {
        return JSON.createObjectNode().put("messageVersion", "1.0").set("response", JSON.createObjectNode()
                .put("actionGroup", event.path("actionGroup").asText())
                .put("apiPath", event.path("apiPath").asText())
                .put("httpMethod", event.path("httpMethod").asText()).put("httpStatusCode", 200)
                .set("responseBody", JSON.createObjectNode().set("application/json",
                        JSON.createObjectNode().put("body", body)))).toString();
    }

    static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private void put(String bucket, String key, byte[] content) throws IOException {
        KnowledgeFixtures.put(workDir, bucket, key, content);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Retrieve through the async runtime client. */
    List<KnowledgeBaseRetrievalResult> retrieve(String kb, String query, int n) {
        return runtime.retrieve(b -> b.knowledgeBaseId(kb).retrievalQuery(q -> q.text(query))
                .retrievalConfiguration(c -> c.vectorSearchConfiguration(v -> v.numberOfResults(n))))
                .join().retrievalResults();
    }

    private Map<String, List<String>> chunkIds(String ds) {
        return service.state().ingestionJobs().documents(ds).stream()
                .collect(Collectors.toMap(StoredDocument::key, StoredDocument::chunkIds));
    }

    /** The mixed folder, ingested; the fact is planted in the PDF. */
    private String[] ingestedMixedFolder(String bucket, String name) throws Exception {
        put(bucket, "notes.txt", utf8("The warranty covers the battery for one year and the charger for two."));
        put(bucket, "setup.md", utf8("# Setup\n\nPlug the charger into the wall and hold the power button."));
        put(bucket, "faq/returns.html", KnowledgeFixtures.html("Returns",
                "Returns are accepted within thirty days of delivery."));
        put(bucket, "history.pdf", KnowledgeFixtures.pdf(FACT));
        put(bucket, "policy.docx", KnowledgeFixtures.docx("Repairs", "Repairs take five working days."));
        String kb = KnowledgeFixtures.knowledgeBase(agents, name);
        String ds = KnowledgeFixtures.dataSource(agents, kb, name, bucket);
        IngestionJob job = KnowledgeFixtures.sync(agents, kb, ds);
        assertEquals(IngestionJobStatus.COMPLETE, job.status(), String.valueOf(job.failureReasons()));
        assertEquals(5, job.statistics().numberOfNewDocumentsIndexed(), String.valueOf(job.failureReasons()));
        assertEquals(0, job.statistics().numberOfDocumentsFailed(), String.valueOf(job.failureReasons()));
        return new String[]{kb, ds};
    }

    @Test
    void mixedDocumentsIngestTheFactIsRetrievedFirstAndAResyncReindexesOnlyTheChangedFile() throws Exception {
        String bucket = "mixed";
        String[] ids = ingestedMixedFolder(bucket, "mixed");
        String kb = ids[0];
        String ds = ids[1];

        List<KnowledgeBaseRetrievalResult> hits = retrieve(kb, "When did the Norwegian Zorblat plant start"
                + " operating?", 5);
        assertEquals(5, hits.size(), "one chunk per document");
        assertEquals(FACT, hits.get(0).content().text());
        assertEquals("s3://" + bucket + "/history.pdf", hits.get(0).location().s3Location().uri());
        assertTrue(hits.get(0).score() > hits.get(1).score(), "nearest first");
        Map<String, List<String>> before = chunkIds(ds);
        assertEquals(5, before.size());

        String moved = "Returns are now accepted within ninety days, and the shop pays for the postage.";
        put(bucket, "faq/returns.html", KnowledgeFixtures.html("Returns", moved));
        IngestionJob resync = KnowledgeFixtures.sync(agents, kb, ds);
        assertEquals(IngestionJobStatus.COMPLETE, resync.status());
        assertEquals(5, resync.statistics().numberOfDocumentsScanned());
        assertEquals(1, resync.statistics().numberOfModifiedDocumentsIndexed());
        assertEquals(0, resync.statistics().numberOfNewDocumentsIndexed());
        assertEquals(0, resync.statistics().numberOfDocumentsDeleted());
        Map<String, List<String>> after = chunkIds(ds);
        for (String key : List.of("notes.txt", "setup.md", "history.pdf", "policy.docx")) {
            assertEquals(before.get(key), after.get(key), key + " kept its chunks");
        }

        List<KnowledgeBaseRetrievalResult> changed = retrieve(kb, "How long do I have to send an item back?", 5);
        assertEquals(5, changed.size(), "the old chunk is gone, not kept beside the new one");
        assertEquals("s3://" + bucket + "/faq/returns.html", changed.get(0).location().s3Location().uri());
        assertTrue(changed.get(0).content().text().contains("ninety days"), changed.get(0).content().text());
        assertTrue(changed.stream().noneMatch(h -> h.content().text().contains("thirty days")));
    }

    /** An agent on the Llama, sampled, with the refunds group run by {@code functionArn} and the knowledge base. */
    String agent(String name, String functionArn, String kb) {
        String id = agents.createAgent(b -> b.agentName(name).foundationModel(TestServers.LLAMA_ID)
                .instruction("You refund orders when asked, and look up facts about reactors first.")
                .promptOverrideConfiguration(p -> p.promptConfigurations(PromptConfiguration.builder()
                        .promptType(PromptType.ORCHESTRATION).promptCreationMode(CreationMode.DEFAULT)
                        .inferenceConfiguration(i -> i.maximumLength(300).temperature(1f).topP(1f).topK(250))
                        .build()))).agent().agentId();
        agents.createAgentActionGroup(b -> b.agentId(id).agentVersion("DRAFT").actionGroupName("refunds")
                .actionGroupExecutor(e -> e.lambda(functionArn)).apiSchema(s -> s.payload(REFUNDS)));
        agents.associateAgentKnowledgeBase(b -> b.agentId(id).agentVersion("DRAFT").knowledgeBaseId(kb)
                .knowledgeBaseState("ENABLED").description("Facts about reactors and their commissioning dates."));
        agents.prepareAgent(r -> r.agentId(id));
        return id;
    }

    record Turn(String text, List<PayloadPart> chunks, List<TracePart> traces) {
        List<OrchestrationTrace> orchestration() {
            return traces.stream().map(t -> t.trace().orchestrationTrace()).filter(Objects::nonNull).toList();
        }

        List<Observation> observations(String type) {
            return orchestration().stream().map(OrchestrationTrace::observation)
                    .filter(o -> o != null && type.equals(o.typeAsString())).toList();
        }
    }

    Turn invoke(String agentId, String sessionId, String input) {
        StringBuilder text = new StringBuilder();
        List<PayloadPart> chunks = Collections.synchronizedList(new ArrayList<>());
        List<TracePart> traces = Collections.synchronizedList(new ArrayList<>());
        InvokeAgentResponseHandler handler = InvokeAgentResponseHandler.builder()
                .subscriber(InvokeAgentResponseHandler.Visitor.builder()
                        .onChunk(c -> {
                            chunks.add(c);
                            text.append(c.bytes().asUtf8String());
                        })
                        .onTrace(traces::add).build()).build();
        try {
            runtime.invokeAgent(r -> r.agentId(agentId).agentAliasId("TSTALIASID").sessionId(sessionId)
                    .inputText(input).enableTrace(true), handler).get(300, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw e.getCause() instanceof RuntimeException re ? re : new CompletionException(e);
        }
        return new Turn(text.toString(), chunks, traces);
    }

    /** The Lambda event's call, checked against {@link #REFUNDS} member by member. */
    static void assertValidRefundCall(JsonNode e, String agentId, String sessionId) {
        assertEquals("1.0", e.path("messageVersion").asText());
        assertEquals(agentId, e.path("agent").path("id").asText());
        assertEquals(sessionId, e.path("sessionId").asText());
        assertEquals("refunds", e.path("actionGroup").asText());
        assertEquals("/refund/{order}", e.path("apiPath").asText());
        assertEquals("POST", e.path("httpMethod").asText());
        Map<String, JsonNode> params = new HashMap<>();
        e.path("parameters").forEach(p -> params.put(p.path("name").asText(), p));
        assertEquals(Set.of("order", "why"), params.keySet(), e.toString());
        assertEquals("string", params.get("order").path("type").asText());
        assertTrue(codePoints(params.get("order")) <= 10, e.toString());
        assertTrue(REASONS.contains(params.get("why").path("value").asText()), e.toString());
        Map<String, JsonNode> body = new HashMap<>();
        e.path("requestBody").path("content").path("application/json").path("properties")
                .forEach(p -> body.put(p.path("name").asText(), p));
        assertEquals(Set.of("note", "fast"), body.keySet(), e.toString());
        assertTrue(codePoints(body.get("note")) <= 20, e.toString());
        assertEquals("boolean", body.get("fast").path("type").asText(), e.toString());
        assertTrue(Set.of("true", "false").contains(body.get("fast").path("value").asText()), e.toString());
    }

    /** JSON Schema's maxLength counts code points, not UTF-16 units. */
    private static int codePoints(JsonNode parameter) {
        String value = parameter.path("value").asText();
        return value.codePointCount(0, value.length());
    }

    @Test
    void sampledTurnsCallTheFunctionValidlyAndObserveItsAnswers() throws Exception {
        String[] ids = ingestedMixedFolder("agentdocs", "agentdocs");
        String id = agent("refunder", REFUNDS_ARN, ids[0]);
        int runs = agentTurns();
        // Eight turns at a time, so the scheduler batches their steps; each turn's checks are its own.
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Turn>> turns = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            String session = "refund-" + i;
            String input = "Please refund order R" + i + "; it arrived damaged.";
            turns.add(pool.submit(() -> invoke(id, session, input)));
        }
        pool.shutdown();
        int called = 0;
        int searched = 0;
        for (int i = 0; i < runs; i++) {
            // Every sampled turn answers: a long one that would fill the small model's 2048-token context gets
            // shortened observations and then may only answer; model text is never rendered as template syntax, and
            // the eight turns at a time render their prompts without sharing template state. A failed turn fails.
            Turn t = turns.get(i).get(600, TimeUnit.SECONDS);
            String session = "refund-" + i;
            assertFalse(t.text().isEmpty(), "turn " + i + " streamed its answer");
            assertFalse(t.chunks().isEmpty());
            Observation finish = t.observations("FINISH").get(0);
            assertEquals(t.text(), finish.finalResponse().text());
            for (TracePart p : t.traces()) {
                assertEquals(id, p.agentId());
                assertEquals(session, p.sessionId());
            }
            List<JsonNode> mine = List.copyOf(calls).stream()
                    .filter(c -> c.path("sessionId").asText().equals(session)).toList();
            for (JsonNode call : mine) {
                assertValidRefundCall(call, id, session);
            }
            // Each call's answer is the observation that follows its invocation input, in order.
            List<Observation> observed = t.observations("ACTION_GROUP");
            assertEquals(mine.size(), observed.size(), "one observation per call in turn " + i);
            for (int c = 0; c < mine.size(); c++) {
                assertEquals(refundBody(mine.get(c)), observed.get(c).actionGroupInvocationOutput().text());
            }
            List<Observation> lookups = t.observations("KNOWLEDGE_BASE");
            for (Observation o : lookups) {
                assertFalse(o.knowledgeBaseLookupOutput().retrievedReferences().isEmpty());
            }
            called += mine.size();
            searched += lookups.size();
        }
        assertTrue(called >= runs / 10, "over " + runs + " sampled turns the agent called its function " + called
                + " times");
        assertTrue(searched > 0, "over " + runs + " sampled turns the agent searched its knowledge base");
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }

    @Test
    void aLambdaFunctionErrorIsAFailureTraceThenDependencyFailed() throws Exception {
        String[] ids = ingestedMixedFolder("brokendocs", "brokendocs");
        String id = agent("brokenrefunder", BROKEN_ARN, ids[0]);
        ForcedActions.force(id, "{\"thought\":\"Refund it.\",\"action\":\"call\",\"actionGroup\":\"refunds\","
                + "\"apiPath\":\"/refund/{order}\",\"verb\":\"POST\",\"parameters\":{\"order\":\"R7\","
                + "\"why\":\"late\"},\"requestBody\":{\"note\":\"sorry\",\"fast\":true}}");
        List<TracePart> traces = Collections.synchronizedList(new ArrayList<>());
        CompletionException failed = assertThrows(CompletionException.class, () -> runtime.invokeAgent(r -> r
                        .agentId(id).agentAliasId("TSTALIASID").sessionId("broken-1").inputText("Refund R7.")
                        .enableTrace(true), InvokeAgentResponseHandler.builder().subscriber(
                        InvokeAgentResponseHandler.Visitor.builder().onTrace(traces::add).build()).build())
                .join());
        DependencyFailedException dependency = assertInstanceOf(DependencyFailedException.class, failed.getCause());
        assertTrue(dependency.getMessage().contains("Refund ledger unavailable"), dependency.getMessage());
        FailureTrace failure = traces.stream().map(t -> t.trace().failureTrace()).filter(Objects::nonNull)
                .findFirst().orElseThrow(() -> new AssertionError("no failureTrace in " + traces));
        assertNotNull(failure.traceId());
        assertTrue(failure.failureReason().contains("Refund ledger unavailable"), failure.failureReason());
        String invocationTrace = traces.stream().map(t -> t.trace().orchestrationTrace()).filter(Objects::nonNull)
                .map(OrchestrationTrace::invocationInput).filter(Objects::nonNull).findFirst().orElseThrow()
                .traceId();
        assertEquals(invocationTrace, failure.traceId(), "the failure belongs to the call's step");
        assertTrue(traces.stream().noneMatch(t -> t.trace().orchestrationTrace() != null
                && t.trace().orchestrationTrace().observation() != null), "a failed call is observed by no one");
    }
}
