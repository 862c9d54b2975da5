package dev.localbedrock.runtime;

import dev.localbedrock.runtime.agents.ForcedActions;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import dev.localbedrock.runtime.generation.WorkerHooks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.bedrockagent.BedrockAgentClient;
import software.amazon.awssdk.services.bedrockagent.model.CreationMode;
import software.amazon.awssdk.services.bedrockagent.model.PromptConfiguration;
import software.amazon.awssdk.services.bedrockagent.model.PromptState;
import software.amazon.awssdk.services.bedrockagent.model.PromptType;
import software.amazon.awssdk.services.bedrockagentruntime.BedrockAgentRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockagentruntime.model.ApiInvocationInput;
import software.amazon.awssdk.services.bedrockagentruntime.model.ApiResult;
import software.amazon.awssdk.services.bedrockagentruntime.model.ContentBody;
import software.amazon.awssdk.services.bedrockagentruntime.model.InvocationResultMember;
import software.amazon.awssdk.services.bedrockagentruntime.model.InvokeAgentRequest;
import software.amazon.awssdk.services.bedrockagentruntime.model.InvokeAgentResponseHandler;
import software.amazon.awssdk.services.bedrockagentruntime.model.Observation;
import software.amazon.awssdk.services.bedrockagentruntime.model.OrchestrationTrace;
import software.amazon.awssdk.services.bedrockagentruntime.model.PayloadPart;
import software.amazon.awssdk.services.bedrockagentruntime.model.RetrievedReference;
import software.amazon.awssdk.services.bedrockagentruntime.model.ReturnControlPayload;
import software.amazon.awssdk.services.bedrockagentruntime.model.TracePart;
import software.amazon.awssdk.services.bedrockagentruntime.model.ValidationException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * InvokeAgent beyond Lambda action groups, through the real async {@code BedrockAgentRuntimeClient} on the
 * random-weight Llama: knowledge-base lookups (on MiniLM-ingested documents) and their citations, questions back to
 * the user, RETURN_CONTROL round trips, and the pre- and post-processing steps. The random model chooses actions at
 * random, so each test forces the first action it is about ({@link ForcedActions}); what follows is sampled.
 */
class InvokeAgentKnowledgeAndControlSdkTest {
    static final String FACT = "The Zorblat reactor in Oslo was commissioned in 1987.";
    static final String FACT_URI = "s3://facts/zorblat.txt";
    @TempDir
    static Path workDir;
    static BedrockService service;
    static BedrockAgentClient agents;
    static BedrockAgentRuntimeAsyncClient runtime;
    static String knowledgeBaseId;

    @BeforeAll
    static void start() throws Exception {
        Path file = TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", "max_context_tokens: 2048\n",
                TestServers.miniLmAsTitan(""));
        Files.writeString(file, Files.readString(file) + """
                storage:
                  local_dir: objects
                vector_store:
                  kind: embedded
                  dir: vectors
                """);
        service = BedrockService.start(CatalogLoader.load(file), entry -> WorkerHooks.defaults());
        agents = TestServers.agentClient(service);
        runtime = TestServers.agentRuntimeClient(service);
        KnowledgeFixtures.put(workDir, "facts", "zorblat.txt", FACT.getBytes(StandardCharsets.UTF_8));
        KnowledgeFixtures.put(workDir, "facts", "weather.txt",
                "Bergen has rain on most days of the year.".getBytes(StandardCharsets.UTF_8));
        knowledgeBaseId = KnowledgeFixtures.knowledgeBase(agents, "facts");
        String ds = KnowledgeFixtures.dataSource(agents, knowledgeBaseId, "facts-bucket", "facts");
        assertEquals(2, KnowledgeFixtures.sync(agents, knowledgeBaseId, ds).statistics()
                .numberOfNewDocumentsIndexed());
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.closeAll(runtime, agents, service);
    }

    static PromptConfiguration prompt(PromptType type, PromptState state) {
        return PromptConfiguration.builder().promptType(type).promptCreationMode(CreationMode.DEFAULT)
                .promptState(state)
                .inferenceConfiguration(i -> i.maximumLength(120).temperature(1f).topP(1f).topK(250)).build();
    }

    /** An agent on the Llama, sampled, with {@code parts} (action groups, associations) added, then prepared. */
    static String agent(String name, List<PromptConfiguration> prompts, Consumer<String> parts) {
        List<PromptConfiguration> all = new ArrayList<>(prompts);
        all.add(prompt(PromptType.ORCHESTRATION, PromptState.ENABLED));
        String id = agents.createAgent(b -> b.agentName(name).foundationModel(TestServers.LLAMA_ID)
                .instruction("You answer questions about reactors, looking facts up first.")
                .promptOverrideConfiguration(p -> p.promptConfigurations(all))).agent().agentId();
        parts.accept(id);
        agents.prepareAgent(r -> r.agentId(id));
        return id;
    }

    record Result(String text, List<PayloadPart> chunks, List<TracePart> traces, ReturnControlPayload control) {
        List<OrchestrationTrace> orchestration() {
            return traces.stream().map(t -> t.trace().orchestrationTrace()).filter(Objects::nonNull).toList();
        }

        List<Observation> observations(String type) {
            return orchestration().stream().map(OrchestrationTrace::observation)
                    .filter(o -> o != null && type.equals(o.typeAsString())).toList();
        }
    }

    static Result invoke(Consumer<InvokeAgentRequest.Builder> request) {
        StringBuilder text = new StringBuilder();
        List<PayloadPart> chunks = Collections.synchronizedList(new ArrayList<>());
        List<TracePart> traces = Collections.synchronizedList(new ArrayList<>());
        ReturnControlPayload[] control = new ReturnControlPayload[1];
        InvokeAgentResponseHandler handler = InvokeAgentResponseHandler.builder()
                .subscriber(InvokeAgentResponseHandler.Visitor.builder()
                        .onChunk(c -> {
                            chunks.add(c);
                            text.append(c.bytes().asUtf8String());
                        })
                        .onTrace(traces::add)
                        .onReturnControl(r -> control[0] = r).build()).build();
        try {
            runtime.invokeAgent(request, handler).get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw e.getCause() instanceof RuntimeException re ? re : new CompletionException(e);
        }
        return new Result(text.toString(), chunks, traces, control[0]);
    }

    static Result ask(String agentId, String sessionId, String input) {
        return invoke(r -> r.agentId(agentId).agentAliasId("TSTALIASID").sessionId(sessionId).inputText(input)
                .enableTrace(true));
    }

    static String knowledgeAgent(String name) {
        return agent(name, List.of(), id -> agents.associateAgentKnowledgeBase(b -> b.agentId(id)
                .agentVersion("DRAFT").knowledgeBaseId(knowledgeBaseId).knowledgeBaseState("ENABLED")
                .description("Facts about reactors and their commissioning dates.")));
    }

    @Test
    void aSearchObservesThePlantedChunkAndTheAnswerCitesIt() {
        String id = knowledgeAgent("librarian");
        ForcedActions.force(id, "{\"thought\":\"Look it up.\",\"action\":\"search\",\"knowledgeBaseId\":\""
                + knowledgeBaseId + "\",\"query\":\"When was the Zorblat reactor commissioned?\"}");
        Result r = ask(id, "kb-1", "When was the Zorblat reactor commissioned?");
        var lookup = r.orchestration().stream().map(OrchestrationTrace::invocationInput)
                .filter(Objects::nonNull).findFirst().orElseThrow();
        assertEquals("KNOWLEDGE_BASE", lookup.invocationTypeAsString());
        assertEquals(knowledgeBaseId, lookup.knowledgeBaseLookupInput().knowledgeBaseId());
        assertEquals("When was the Zorblat reactor commissioned?", lookup.knowledgeBaseLookupInput().text());
        Observation searched = r.observations("KNOWLEDGE_BASE").get(0);
        assertEquals(lookup.traceId(), searched.traceId());
        List<RetrievedReference> refs = searched.knowledgeBaseLookupOutput().retrievedReferences();
        assertEquals(2, refs.size(), "both documents are one chunk each; the top 5 hold both");
        RetrievedReference nearest = refs.get(0);
        assertEquals(FACT, nearest.content().text());
        assertEquals("S3", nearest.location().typeAsString());
        assertEquals(FACT_URI, nearest.location().s3Location().uri());
        assertEquals(FACT_URI, nearest.metadata().get("x-amz-bedrock-kb-source-uri").asString());

        assertTrue(r.traces().stream().allMatch(t -> t.trace().preProcessingTrace() == null
                && t.trace().postProcessingTrace() == null), "neither step is enabled");
        Observation finish = r.observations("FINISH").get(0);
        assertEquals(r.text(), finish.finalResponse().text());
        PayloadPart chunk = r.chunks().get(r.chunks().size() - 1);
        assertEquals(1, chunk.attribution().citations().size());
        var citation = chunk.attribution().citations().get(0);
        assertEquals(r.text(), citation.generatedResponsePart().textResponsePart().text());
        assertEquals(0, citation.generatedResponsePart().textResponsePart().span().start());
        assertEquals(r.text().length() - 1, citation.generatedResponsePart().textResponsePart().span().end());
        assertTrue(citation.retrievedReferences().stream()
                .anyMatch(ref -> FACT_URI.equals(ref.location().s3Location().uri())
                        && FACT.equals(ref.content().text())), citation.toString());
    }

    @Test
    void aTurnThatSearchesNothingCitesNothingAndAnAbsentActionIsRefused() {
        String id = knowledgeAgent("terse");
        // ask_user is no branch of this agent's schema: the forced output is refused and the step sampled again.
        ForcedActions.force(id, "{\"thought\":\"\",\"action\":\"ask_user\",\"question\":\"Which reactor?\"}",
                "{\"thought\":\"\",\"action\":\"answer\",\"text\":\"I know nothing.\"}");
        Result r = ask(id, "kb-2", "Hello.");
        assertTrue(r.observations("ASK_USER").isEmpty());
        long firstStepOutputs = r.orchestration().stream().filter(o -> o.modelInvocationOutput() != null
                && o.modelInvocationOutput().traceId().equals(r.orchestration().get(0).modelInvocationInput()
                .traceId())).count();
        assertTrue(firstStepOutputs >= 2, "the refused output and its resample");
        ForcedActions.clear(id);
        ForcedActions.force(id, "{\"thought\":\"\",\"action\":\"answer\",\"text\":\"I know nothing.\"}");
        Result plain = ask(id, "kb-3", "Hello.");
        assertEquals("I know nothing.", plain.text());
        assertTrue(plain.chunks().get(0).attribution().citations().isEmpty());
    }

    @Test
    void askUserEndsTheTurnWithTheQuestion() {
        String id = agent("asker", List.of(), a -> agents.createAgentActionGroup(b -> b.agentId(a)
                .agentVersion("DRAFT").actionGroupName("UserInputAction")
                .parentActionGroupSignature("AMAZON.UserInput")));
        ForcedActions.force(id, "{\"thought\":\"I need the name.\",\"action\":\"ask_user\","
                + "\"question\":\"Which reactor do you mean?\"}");
        Result r = ask(id, "ask-1", "When was it commissioned?");
        assertEquals("Which reactor do you mean?", r.text());
        Observation asked = r.observations("ASK_USER").get(0);
        assertEquals("Which reactor do you mean?", asked.finalResponse().text());
        assertTrue(r.observations("FINISH").isEmpty());
        assertTrue(r.chunks().get(0).attribution().citations().isEmpty());
        assertNull(r.control());
    }

    static final String ORDERS = """
            {"openapi":"3.0.0","info":{"title":"orders","version":"1"},
             "paths":{"/orders/{orderId}/ship":{"post":{"description":"Ships an order","parameters":[
                 {"name":"orderId","in":"path","required":true,"schema":{"type":"string","maxLength":8}}],
               "requestBody":{"required":true,"content":{"application/json":{"schema":{"type":"object",
                 "required":["carrier"],"properties":{"carrier":{"type":"string","maxLength":12}}}}}}}}}}
            """;
    static final String SHIP = "{\"thought\":\"Ship it.\",\"action\":\"call\",\"actionGroup\":\"orders\","
            + "\"apiPath\":\"/orders/{orderId}/ship\",\"verb\":\"POST\",\"parameters\":{\"orderId\":\"A1\"},"
            + "\"requestBody\":{\"carrier\":\"ups\"}}";

    static InvocationResultMember shipped(String body) {
        return InvocationResultMember.builder().apiResult(ApiResult.builder().actionGroup("orders")
                .apiPath("/orders/{orderId}/ship").httpMethod("POST").httpStatusCode(200)
                .responseBody(Map.of("application/json", ContentBody.builder().body(body).build())).build()).build();
    }

    @Test
    void returnControlHandsTheCallToTheCallerAndItsResultContinuesTheTurn() {
        String id = agent("shipper", List.of(), a -> agents.createAgentActionGroup(b -> b.agentId(a)
                .agentVersion("DRAFT").actionGroupName("orders")
                .actionGroupExecutor(e -> e.customControl("RETURN_CONTROL")).apiSchema(x -> x.payload(ORDERS))));
        ForcedActions.force(id, SHIP);
        Result first = ask(id, "rc-1", "Ship order A1 with UPS.");
        ReturnControlPayload control = first.control();
        assertNotNull(control, "the stream ends with returnControl");
        assertTrue(first.chunks().isEmpty());
        assertEquals(1, control.invocationInputs().size());
        ApiInvocationInput call = control.invocationInputs().get(0).apiInvocationInput();
        assertEquals("orders", call.actionGroup());
        assertEquals("/orders/{orderId}/ship", call.apiPath());
        assertEquals("POST", call.httpMethod());
        assertEquals("RESULT", call.actionInvocationTypeAsString());
        assertEquals("orderId", call.parameters().get(0).name());
        assertEquals("A1", call.parameters().get(0).value());
        var body = call.requestBody().content().get("application/json").properties();
        assertEquals("carrier", body.get(0).name());
        assertEquals("ups", body.get(0).value());
        var traced = first.orchestration().stream().map(OrchestrationTrace::invocationInput).filter(Objects::nonNull)
                .findFirst().orElseThrow().actionGroupInvocationInput();
        assertEquals("RETURN_CONTROL", traced.executionTypeAsString());
        assertEquals(control.invocationId(), traced.invocationId());
        String stepTrace = first.orchestration().stream().filter(o -> o.invocationInput() != null).findFirst()
                .orElseThrow().invocationInput().traceId();

        assertInstanceOf(ValidationException.class, assertThrows(RuntimeException.class, () -> invoke(r -> r
                .agentId(id).agentAliasId("TSTALIASID").sessionId("rc-1").enableTrace(true)
                .sessionState(st -> st.invocationId("not-the-one").returnControlInvocationResults(
                        shipped("{}"))))));

        ForcedActions.force(id, "{\"thought\":\"Done.\",\"action\":\"answer\",\"text\":\"Order A1 shipped.\"}");
        Result second = invoke(r -> r.agentId(id).agentAliasId("TSTALIASID").sessionId("rc-1").enableTrace(true)
                .inputText("this text is ignored").sessionState(st -> st.invocationId(control.invocationId())
                        .returnControlInvocationResults(shipped("{\"tracking\":\"1Z999\"}"))));
        assertNull(second.control());
        Observation observed = second.observations("ACTION_GROUP").get(0);
        assertEquals("{\"tracking\":\"1Z999\"}", observed.actionGroupInvocationOutput().text());
        assertEquals(stepTrace, observed.traceId(), "the result continues the step that returned control");
        String nextPrompt = second.orchestration().stream().filter(o -> o.modelInvocationInput() != null)
                .findFirst().orElseThrow().modelInvocationInput().text();
        assertTrue(nextPrompt.contains("1Z999"), "the next step sees the result");
        assertTrue(nextPrompt.contains("Ship order A1 with UPS."), "the turn still answers its question");
        assertFalse(nextPrompt.contains("this text is ignored"));
        assertEquals("Order A1 shipped.", second.text());

        assertInstanceOf(ValidationException.class, assertThrows(RuntimeException.class, () -> invoke(r -> r
                .agentId(id).agentAliasId("TSTALIASID").sessionId("rc-1")
                .sessionState(st -> st.invocationId(control.invocationId()).returnControlInvocationResults(
                        shipped("{}"))))), "an invocation answered once waits no more");
    }

    @Test
    void preAndPostProcessingRunOnlyWhenEnabled() {
        String plain = agent("unprocessed", List.of(prompt(PromptType.PRE_PROCESSING, PromptState.DISABLED)),
                a -> { });
        ForcedActions.force(plain, "{\"thought\":\"\",\"action\":\"answer\",\"text\":\"Plainly.\"}");
        Result r0 = ask(plain, "pp-0", "Hello.");
        assertEquals("Plainly.", r0.text());
        assertTrue(r0.traces().stream().allMatch(t -> t.trace().preProcessingTrace() == null
                && t.trace().postProcessingTrace() == null));

        String id = agent("processed", List.of(prompt(PromptType.PRE_PROCESSING, PromptState.ENABLED),
                prompt(PromptType.POST_PROCESSING, PromptState.ENABLED)), a -> { });
        for (int i = 0; i < 4; i++) {
            ForcedActions.clear(id);
            ForcedActions.force(id, "{\"thought\":\"\",\"action\":\"answer\",\"text\":\"Draft answer.\"}");
            Result r = ask(id, "pp-" + (i + 1), "When was the Zorblat reactor commissioned?");
            var pre = r.traces().stream().map(t -> t.trace().preProcessingTrace()).filter(Objects::nonNull).toList();
            assertEquals("PRE_PROCESSING", pre.get(0).modelInvocationInput().typeAsString());
            assertTrue(pre.get(0).modelInvocationInput().text().contains("Zorblat"));
            var verdict = pre.get(pre.size() - 1).modelInvocationOutput().parsedResponse();
            assertNotNull(verdict.isValid());
            assertNotNull(verdict.rationale());
            var post = r.traces().stream().map(t -> t.trace().postProcessingTrace()).filter(Objects::nonNull)
                    .toList();
            if (!verdict.isValid()) {
                assertEquals("Sorry, I cannot help with that request.", r.text());
                assertTrue(r.orchestration().isEmpty() && post.isEmpty());
                continue;
            }
            assertEquals("Draft answer.", r.observations("FINISH").get(0).finalResponse().text());
            assertEquals("POST_PROCESSING", post.get(0).modelInvocationInput().typeAsString());
            assertTrue(post.get(0).modelInvocationInput().text().contains("Draft answer."));
            assertEquals(r.text(), post.get(post.size() - 1).modelInvocationOutput().parsedResponse().text(),
                    "the chunk is the rewritten answer");
        }
    }
}
