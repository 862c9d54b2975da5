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
import software.amazon.awssdk.services.bedrockagent.model.PromptType;
import software.amazon.awssdk.services.bedrockagentruntime.BedrockAgentRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockagentruntime.model.DependencyFailedException;
import software.amazon.awssdk.services.bedrockagentruntime.model.FailureTrace;
import software.amazon.awssdk.services.bedrockagentruntime.model.InvokeAgentResponseHandler;
import software.amazon.awssdk.services.bedrockagentruntime.model.OrchestrationTrace;
import software.amazon.awssdk.services.bedrockagentruntime.model.TracePart;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * InvokeAgent when the orchestration prompt fills the model's context (1024 tokens here): a step the context cannot
 * give its whole maximumLength may only answer, and one with no room for an answer fails naming the context, instead
 * of an output cut mid-JSON and retried.
 */
class InvokeAgentContextSdkTest {
    static final String ORDERS = """
            {"openapi":"3.0.0","info":{"title":"orders","version":"1"},
             "paths":{"/orders/{orderId}/ship":{"post":{"description":"Ships an order","parameters":[
                 {"name":"orderId","in":"path","required":true,"schema":{"type":"string","maxLength":8}}]}}}}
            """;
    static final String SHIP = "{\"thought\":\"\",\"action\":\"call\",\"actionGroup\":\"orders\","
            + "\"apiPath\":\"/orders/{orderId}/ship\",\"verb\":\"POST\",\"parameters\":{\"orderId\":\"A1\"}}";
    @TempDir
    static Path workDir;
    static BedrockService service;
    static BedrockAgentClient agents;
    static BedrockAgentRuntimeAsyncClient runtime;

    @BeforeAll
    static void start() throws Exception {
        Path file = TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", "max_context_tokens: 1024\n", "");
        service = BedrockService.start(CatalogLoader.load(file), entry -> WorkerHooks.defaults());
        agents = TestServers.agentClient(service);
        runtime = TestServers.agentRuntimeClient(service);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.closeAll(runtime, agents, service);
    }

    /** A prepared agent whose instruction is {@code words} one-token words, with a RETURN_CONTROL group. */
    static String agent(String name, int words) {
        String instruction = "Ship orders when asked." + " a".repeat(words);
        String id = agents.createAgent(b -> b.agentName(name).foundationModel(TestServers.LLAMA_ID)
                .instruction(instruction)
                .promptOverrideConfiguration(p -> p.promptConfigurations(PromptConfiguration.builder()
                        .promptType(PromptType.ORCHESTRATION).promptCreationMode(CreationMode.DEFAULT)
                        .inferenceConfiguration(i -> i.maximumLength(600).temperature(1f).topP(1f).topK(250))
                        .build()))).agent().agentId();
        agents.createAgentActionGroup(b -> b.agentId(id).agentVersion("DRAFT").actionGroupName("orders")
                .actionGroupExecutor(e -> e.customControl("RETURN_CONTROL")).apiSchema(s -> s.payload(ORDERS)));
        agents.prepareAgent(r -> r.agentId(id));
        return id;
    }

    record Turn(String text, List<TracePart> traces, boolean returnedControl) {
        List<OrchestrationTrace> orchestration() {
            return traces.stream().map(t -> t.trace().orchestrationTrace()).filter(Objects::nonNull).toList();
        }
    }

    static Turn invoke(String agentId, String sessionId, List<TracePart> traces) {
        StringBuilder text = new StringBuilder();
        boolean[] control = new boolean[1];
        InvokeAgentResponseHandler handler = InvokeAgentResponseHandler.builder()
                .subscriber(InvokeAgentResponseHandler.Visitor.builder()
                        .onChunk(c -> text.append(c.bytes().asUtf8String()))
                        .onTrace(traces::add)
                        .onReturnControl(r -> control[0] = true).build()).build();
        try {
            runtime.invokeAgent(r -> r.agentId(agentId).agentAliasId("TSTALIASID").sessionId(sessionId)
                    .inputText("Ship order A1.").enableTrace(true), handler).get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw e.getCause() instanceof RuntimeException re ? re : new CompletionException(e);
        }
        return new Turn(text.toString(), traces, control[0]);
    }

    @Test
    void aStepTheContextCannotGiveItsMaximumLengthMayOnlyAnswer() {
        // About 450 prompt tokens of instruction: the first step has room for less than its 600 tokens.
        String id = agent("crowded", 450);
        ForcedActions.force(id, SHIP);
        Turn t = invoke(id, "crowded-1", Collections.synchronizedList(new ArrayList<>()));
        assertFalse(t.returnedControl(), "the forced call is refused by the answer-only schema");
        assertFalse(t.text().isEmpty());
        var outputs = t.orchestration().stream().filter(o -> o.modelInvocationOutput() != null).toList();
        assertTrue(outputs.size() >= 2, "the refused call and the answer sampled after it");
        var finish = t.orchestration().stream().map(OrchestrationTrace::observation)
                .filter(o -> o != null && "FINISH".equals(o.typeAsString())).findFirst().orElseThrow();
        assertEquals(t.text(), finish.finalResponse().text());
        assertTrue(t.traces().stream().allMatch(p -> p.trace().failureTrace() == null));
    }

    @Test
    void aPromptThatLeavesNoRoomForAnAnswerFailsNamingTheContext() {
        String id = agent("overfull", 1100);
        List<TracePart> traces = Collections.synchronizedList(new ArrayList<>());
        DependencyFailedException e = assertInstanceOf(DependencyFailedException.class,
                assertThrows(RuntimeException.class, () -> invoke(id, "overfull-1", traces)));
        assertTrue(e.getMessage().contains("no longer fits its model's context"), e.getMessage());
        FailureTrace failure = traces.stream().map(p -> p.trace().failureTrace()).filter(Objects::nonNull)
                .findFirst().orElseThrow();
        assertTrue(failure.failureReason().contains("step 1 leaves 0 tokens"), failure.failureReason());
        assertNull(traces.stream().map(p -> p.trace().orchestrationTrace()).filter(Objects::nonNull)
                .map(OrchestrationTrace::modelInvocationOutput).filter(Objects::nonNull).findFirst().orElse(null),
                "nothing was generated");
    }
}
