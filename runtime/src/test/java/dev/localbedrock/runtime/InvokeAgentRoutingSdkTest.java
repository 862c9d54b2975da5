package dev.localbedrock.runtime;

import dev.localbedrock.runtime.agents.ForcedActions;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrockagent.BedrockAgentClient;
import software.amazon.awssdk.services.bedrockagent.model.AgentAlias;
import software.amazon.awssdk.services.bedrockagent.model.CreationMode;
import software.amazon.awssdk.services.bedrockagent.model.PromptConfiguration;
import software.amazon.awssdk.services.bedrockagent.model.PromptType;
import software.amazon.awssdk.services.bedrockagent.model.ValidationException;
import software.amazon.awssdk.services.bedrockagentruntime.BedrockAgentRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockagentruntime.model.DependencyFailedException;
import software.amazon.awssdk.services.bedrockagentruntime.model.InvokeAgentResponseHandler;
import software.amazon.awssdk.services.bedrockagentruntime.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrockagentruntime.model.TracePart;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which version and which capacity an InvokeAgent runs, through the real clients: an alias runs the numbered version
 * it routes to while TSTALIASID runs the prepared draft, UpdateAgentAlias moves it, and an alias routed through a
 * provisioned throughput runs its steps on that throughput's model units. The Llama's model unit buys one output
 * token a minute, so a provisioned model's first step spends it and its next is throttled by name: what spent it is
 * visible, and nothing on demand does.
 */
class InvokeAgentRoutingSdkTest {
    private static final String TEST_ALIAS = "TSTALIASID";
    private static final String V1 = "Version one: you look after the pets and feed them when asked to.";
    private static final String V2 = "Version two: you look after the plants and water them when asked to.";
    private static final String ANSWER = "{\"thought\":\"\",\"action\":\"answer\",\"text\":\"Done.\"}";

    @TempDir
    static Path workDir;
    static BedrockService service;
    static BedrockAgentClient agents;
    static BedrockAgentRuntimeAsyncClient runtime;
    static BedrockClient bedrock;
    static BedrockRuntimeClient models;

    @BeforeAll
    static void start() throws Exception {
        Path file = TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", """
                max_context_tokens: 1024
                max_running_sequences: 4
                model_unit: {input_tokens_per_minute: 1000000, output_tokens_per_minute: 1}
                """, TestServers.miniLmAsTitan(""));
        service = BedrockService.start(CatalogLoader.load(file));
        agents = TestServers.agentClient(service);
        runtime = TestServers.agentRuntimeClient(service);
        bedrock = TestServers.controlPlaneClient(service);
        models = TestServers.syncClient(service);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.closeAll(models, bedrock, runtime, agents, service);
    }

    /** A prepared agent on the Llama with {@code instruction}, whose orchestration steps generate at most 16 tokens. */
    private static String preparedAgent(String name, String instruction) {
        String id = agents.createAgent(b -> b.agentName(name).foundationModel(TestServers.LLAMA_ID)
                .instruction(instruction).promptOverrideConfiguration(p -> p.promptConfigurations(
                        PromptConfiguration.builder().promptType(PromptType.ORCHESTRATION)
                                .promptCreationMode(CreationMode.DEFAULT)
                                .inferenceConfiguration(i -> i.maximumLength(16).temperature(1f).topP(1f).topK(250))
                                .build()))).agent().agentId();
        agents.prepareAgent(r -> r.agentId(id));
        return id;
    }

    /** What a turn streamed, and the error that ended it (null when it answered). */
    record Turn(List<TracePart> traces, RuntimeException failure) {
        List<String> prompts() {
            return traces.stream().map(t -> t.trace().orchestrationTrace())
                    .filter(o -> o != null && o.modelInvocationInput() != null)
                    .map(o -> o.modelInvocationInput().text()).toList();
        }

        long modelOutputs() {
            return traces.stream().map(t -> t.trace().orchestrationTrace())
                    .filter(o -> o != null && o.modelInvocationOutput() != null).count();
        }

        String failureMessage() {
            return failure == null ? "" : Objects.toString(failure.getMessage(), "");
        }
    }

    private static Turn turn(String agentId, String aliasId, String sessionId) throws Exception {
        List<TracePart> traces = Collections.synchronizedList(new ArrayList<>());
        InvokeAgentResponseHandler handler = InvokeAgentResponseHandler.builder()
                .subscriber(InvokeAgentResponseHandler.Visitor.builder().onTrace(traces::add).build()).build();
        try {
            runtime.invokeAgent(r -> r.agentId(agentId).agentAliasId(aliasId).sessionId(sessionId)
                    .inputText("Please help me now.").enableTrace(true), handler).get(60, TimeUnit.SECONDS);
            return new Turn(List.copyOf(traces), null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                return new Turn(List.copyOf(traces), failure);
            }
            throw e;
        }
    }

    /** A turn whose only step is forced to answer: the prompt it was given is traced, no model runs. */
    private static Turn answered(String agentId, String aliasId, String sessionId) throws Exception {
        ForcedActions.force(agentId, ANSWER);
        Turn t = turn(agentId, aliasId, sessionId);
        assertNull(t.failure(), t.failureMessage());
        return t;
    }

    private static void assertRan(Turn t, String version, String instruction, String notInstruction) {
        assertFalse(t.traces().isEmpty());
        t.traces().forEach(p -> assertEquals(version, p.agentVersion()));
        assertFalse(t.prompts().isEmpty());
        t.prompts().forEach(p -> assertTrue(p.contains(instruction) && !p.contains(notInstruction), p));
    }

    @Test
    void anAliasRunsItsNumberedVersionWhileTheTestAliasRunsTheDraft() throws Exception {
        String id = preparedAgent("router", V1);
        AgentAlias live = agents.createAgentAlias(r -> r.agentId(id).agentAliasName("live")).agentAlias();
        assertEquals("1", live.routingConfiguration().get(0).agentVersion());
        agents.updateAgent(b -> b.agentId(id).agentName("router").foundationModel(TestServers.LLAMA_ID)
                .agentResourceRoleArn("arn:aws:iam::123456789012:role/r").instruction(V2));
        agents.prepareAgent(r -> r.agentId(id));

        assertRan(answered(id, live.agentAliasId(), "live-1"), "1", V1, V2);
        assertRan(answered(id, TEST_ALIAS, "draft-1"), "DRAFT", V2, V1);

        AgentAlias next = agents.createAgentAlias(r -> r.agentId(id).agentAliasName("next")).agentAlias();
        assertEquals("2", next.routingConfiguration().get(0).agentVersion(), "a version of the new draft");
        agents.updateAgentAlias(r -> r.agentId(id).agentAliasId(live.agentAliasId()).agentAliasName("live")
                .routingConfiguration(c -> c.agentVersion("2")));
        assertRan(answered(id, live.agentAliasId(), "live-2"), "2", V2, V1);
    }

    @Test
    void anAliasThroughAProvisionedThroughputRunsOnItsModelUnits() throws Exception {
        String id = preparedAgent("reserved", V1);
        AgentAlias onDemand = agents.createAgentAlias(r -> r.agentId(id).agentAliasName("onDemand")).agentAlias();
        String pt = bedrock.createProvisionedModelThroughput(r -> r.provisionedModelName("agent-pt")
                .modelId(TestServers.LLAMA_ID).modelUnits(1)).provisionedModelArn();
        // By name: the alias keeps the provisioned model's ARN, which a rename does not change.
        AgentAlias reserved = agents.createAgentAlias(r -> r.agentId(id).agentAliasName("reserved")
                .routingConfiguration(c -> c.agentVersion("1").provisionedThroughput("agent-pt"))).agentAlias();
        assertEquals(pt, agents.getAgentAlias(r -> r.agentId(id).agentAliasId(reserved.agentAliasId()))
                .agentAlias().routingConfiguration().get(0).provisionedThroughput());

        // On demand, the model runs and the provisioned model's one token is untouched...
        Turn free = turn(id, onDemand.agentAliasId(), "free-1");
        assertTrue(free.modelOutputs() > 0, free.failureMessage());
        assertFalse(free.failureMessage().contains(pt), free.failureMessage());
        // ...so the first step through the provisioned model is admitted; it spends the token, and the next step
        // (a retry or the next turn) is throttled to the provisioned model's throughput.
        Turn first = turn(id, reserved.agentAliasId(), "paid-1");
        assertTrue(first.modelOutputs() > 0, "the first step ran: " + first.failureMessage());
        Turn second = turn(id, reserved.agentAliasId(), "paid-2");
        assertInstanceOf(DependencyFailedException.class, second.failure());
        assertTrue(second.failureMessage().contains(pt) && second.failureMessage().contains("throughput"),
                second.failureMessage());
        assertEquals(0, second.modelOutputs());
        assertTrue(second.traces().stream().allMatch(p -> "1".equals(p.agentVersion())));

        // The agent's steps spent the provisioned model itself; on demand is not affected.
        assertThrows(ThrottlingException.class, () -> models.invokeModel(r -> r.modelId(pt)
                .body(SdkBytes.fromUtf8String("{\"prompt\":\"Hi\",\"max_gen_len\":2}"))));
        models.invokeModel(r -> r.modelId(TestServers.LLAMA_ID)
                .body(SdkBytes.fromUtf8String("{\"prompt\":\"Hi\",\"max_gen_len\":2}")));
        Turn afterwards = turn(id, TEST_ALIAS, "free-2");
        assertTrue(afterwards.modelOutputs() > 0, afterwards.failureMessage());
        assertFalse(afterwards.failureMessage().contains(pt), afterwards.failureMessage());
    }

    @Test
    void aProvisionedThroughputMustBeOneForTheAgentsModel() {
        String id = preparedAgent("picky", V1);
        agents.createAgentAlias(r -> r.agentId(id).agentAliasName("first"));
        String embeddings = bedrock.createProvisionedModelThroughput(r -> r.provisionedModelName("embed-pt")
                .modelId(TestServers.TITAN_EMBED_ID).modelUnits(1)).provisionedModelArn();
        ValidationException other = assertThrows(ValidationException.class, () -> agents.createAgentAlias(r -> r
                .agentId(id).agentAliasName("other")
                .routingConfiguration(c -> c.agentVersion("1").provisionedThroughput(embeddings))));
        assertTrue(other.getMessage().contains("routingConfiguration.1.provisionedThroughput")
                && other.getMessage().contains(TestServers.TITAN_EMBED_ID)
                && other.getMessage().contains(TestServers.LLAMA_ID), other.getMessage());
        for (String notProvisioned : List.of(TestServers.LLAMA_ID, "no-such-pt")) {
            ValidationException e = assertThrows(ValidationException.class, () -> agents.createAgentAlias(r -> r
                    .agentId(id).agentAliasName("wrong")
                    .routingConfiguration(c -> c.agentVersion("1").provisionedThroughput(notProvisioned))));
            assertTrue(e.getMessage().contains("routingConfiguration.1.provisionedThroughput"), e.getMessage());
        }
        ValidationException update = assertThrows(ValidationException.class, () -> agents.updateAgentAlias(r -> r
                .agentId(id).agentAliasId(agents.listAgentAliases(l -> l.agentId(id)).agentAliasSummaries().stream()
                        .filter(a -> a.agentAliasName().equals("first")).findFirst().orElseThrow().agentAliasId())
                .agentAliasName("first")
                .routingConfiguration(c -> c.agentVersion("1").provisionedThroughput(embeddings))));
        assertTrue(update.getMessage().contains("routingConfiguration.1.provisionedThroughput"),
                update.getMessage());
    }

    @Test
    void aDeletedProvisionedThroughputIsNotFoundNamingIt() throws Exception {
        String id = preparedAgent("orphan", V1);
        agents.createAgentAlias(r -> r.agentId(id).agentAliasName("first"));
        String pt = bedrock.createProvisionedModelThroughput(r -> r.provisionedModelName("doomed")
                .modelId(TestServers.LLAMA_ID).modelUnits(1)).provisionedModelArn();
        String alias = agents.createAgentAlias(r -> r.agentId(id).agentAliasName("doomed")
                .routingConfiguration(c -> c.agentVersion("1").provisionedThroughput(pt))).agentAlias()
                .agentAliasId();
        bedrock.deleteProvisionedModelThroughput(r -> r.provisionedModelId(pt));
        Turn t = turn(id, alias, "orphan-1");
        assertInstanceOf(ResourceNotFoundException.class, t.failure());
        assertTrue(t.failureMessage().contains(pt) && t.failureMessage().contains("UpdateAgentAlias"),
                t.failureMessage());
        assertNotNull(answered(id, TEST_ALIAS, "orphan-2"), "the draft still runs on demand");
    }
}
