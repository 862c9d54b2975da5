package dev.localbedrock.runtime;

import dev.localbedrock.runtime.agents.AgentSnapshot;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import dev.localbedrock.runtime.generation.WorkerHooks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.bedrockagent.BedrockAgentClient;
import software.amazon.awssdk.services.bedrockagent.model.ActionGroupExecutor;
import software.amazon.awssdk.services.bedrockagent.model.Agent;
import software.amazon.awssdk.services.bedrockagent.model.AgentActionGroup;
import software.amazon.awssdk.services.bedrockagent.model.AgentAlias;
import software.amazon.awssdk.services.bedrockagent.model.AgentStatus;
import software.amazon.awssdk.services.bedrockagent.model.ConflictException;
import software.amazon.awssdk.services.bedrockagent.model.CustomControlMethod;
import software.amazon.awssdk.services.bedrockagent.model.KnowledgeBaseStatus;
import software.amazon.awssdk.services.bedrockagent.model.ListAgentsResponse;
import software.amazon.awssdk.services.bedrockagent.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrockagent.model.ValidationException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Agents through the real {@code BedrockAgentClient} (2.29.29): lifecycle and statuses, action groups from inline
 * JSON and YAML and from S3, PrepareAgent's checks, knowledge-base associations, aliases and numbered versions.
 */
class AgentSdkTest {
    static final String INSTRUCTION = "You answer questions about insurance claims, politely and briefly.";
    static final String CLAIMS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:claims";
    static final String OPENAPI_JSON = """
            {"openapi":"3.0.0","info":{"title":"claims","version":"1"},
             "paths":{"/claims/{claimId}":{"get":{"description":"Reads a claim","operationId":"getClaim",
               "parameters":[{"name":"claimId","in":"path","required":true,"schema":{"type":"string"}},
                             {"name":"detail","in":"query","required":true,
                              "schema":{"$ref":"#/components/schemas/Detail"}}]}},
               "/claims":{"post":{"description":"Opens a claim","requestBody":{"required":true,"content":
                 {"application/json":{"schema":{"$ref":"#/components/schemas/Claim"}}}}}}},
             "components":{"schemas":{"Detail":{"type":"string","enum":["short","full"]},
               "Claim":{"type":"object","required":["amount"],"properties":{"amount":{"type":"number"}}}}}}
            """;
    static final String OPENAPI_YAML = """
            openapi: 3.0.1
            info: {title: weather, version: "1"}
            paths:
              /weather:
                get:
                  description: Tells the weather in a city
                  parameters:
                    - name: city
                      in: query
                      required: true
                      schema: {type: string}
            """;
    @TempDir
    static Path workDir;
    static BedrockService service;
    static BedrockAgentClient agent;

    @BeforeAll
    static void start() throws Exception {
        Path file = TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", "max_context_tokens: 256\n",
                TestServers.miniLmAsTitan(""));
        Path objects = workDir.resolve("objects");
        Files.createDirectories(objects.resolve("schemas"));
        Files.writeString(objects.resolve("schemas/weather.yaml"), OPENAPI_YAML);
        Files.writeString(file, Files.readString(file) + "functions:\n  " + CLAIMS_ARN
                + ": http://127.0.0.1:9/claims\nstorage:\n  local_dir: " + objects + "\n");
        service = BedrockService.start(CatalogLoader.load(file), entry -> WorkerHooks.defaults());
        agent = TestServers.agentClient(service);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.closeAll(agent, service);
    }

    static Agent create(String name) {
        return agent.createAgent(b -> b.agentName(name).instruction(INSTRUCTION)
                .foundationModel(TestServers.LLAMA_ID)).agent();
    }

    static Agent get(String id) {
        return agent.getAgent(r -> r.agentId(id)).agent();
    }

    @Test
    void lifecycleCreatingThenNotPreparedThenPreparedAndNotPreparedAfterAnEdit() {
        String token = UUID.randomUUID().toString().replace("-", "") + "x";
        Agent created = agent.createAgent(b -> b.agentName("lifecycle").instruction(INSTRUCTION)
                .foundationModel(TestServers.LLAMA_ID).clientToken(token)).agent();
        assertEquals(AgentStatus.CREATING, created.agentStatus());
        assertEquals("DRAFT", created.agentVersion());
        assertEquals(600, created.idleSessionTTLInSeconds());
        assertEquals("arn:aws:bedrock:us-east-1:" + created.agentArn().split(":")[4] + ":agent/" + created.agentId(),
                created.agentArn());
        assertTrue(created.agentId().matches("[0-9A-Z]{10}"));
        assertEquals(created.agentId(), agent.createAgent(b -> b.agentName("lifecycle").instruction(INSTRUCTION)
                .clientToken(token)).agent().agentId(), "a retried Create answers the first agent");
        assertEquals(AgentStatus.NOT_PREPARED, get(created.agentId()).agentStatus());

        var prepared = agent.prepareAgent(r -> r.agentId(created.agentId()));
        assertEquals(AgentStatus.PREPARING, prepared.agentStatus());
        assertEquals("DRAFT", prepared.agentVersion());
        Agent ready = get(created.agentId());
        assertEquals(AgentStatus.PREPARED, ready.agentStatus());
        assertEquals(prepared.preparedAt(), ready.preparedAt());

        Agent updated = agent.updateAgent(b -> b.agentId(created.agentId()).agentName("lifecycle2")
                .agentResourceRoleArn("arn:aws:iam::123456789012:role/r").foundationModel(TestServers.LLAMA_ID)
                .instruction(INSTRUCTION + " Again.").idleSessionTTLInSeconds(120)).agent();
        assertEquals(AgentStatus.UPDATING, updated.agentStatus());
        Agent after = get(created.agentId());
        assertEquals(AgentStatus.NOT_PREPARED, after.agentStatus());
        assertEquals("lifecycle2", after.agentName());
        assertEquals(120, after.idleSessionTTLInSeconds());

        assertEquals(AgentStatus.DELETING, agent.deleteAgent(r -> r.agentId(created.agentId())).agentStatus());
        assertThrows(ResourceNotFoundException.class, () -> get(created.agentId()));
    }

    @Test
    void duplicateNameIsAConflictAndBadMembersAreAllNamed() {
        create("twice");
        ConflictException conflict = assertThrows(ConflictException.class, () -> create("twice"));
        assertEquals(409, conflict.statusCode());
        ValidationException bad = assertThrows(ValidationException.class, () -> agent.createAgent(b -> b
                .agentName("bad name!").instruction("too short").idleSessionTTLInSeconds(5)));
        assertTrue(bad.getMessage().contains("agentName"), bad.getMessage());
        assertTrue(bad.getMessage().contains("instruction"), bad.getMessage());
        assertTrue(bad.getMessage().contains("idleSessionTTLInSeconds"), bad.getMessage());
    }

    @Test
    void listAgentsPages() {
        for (int i = 0; i < 3; i++) {
            create("paged" + i);
        }
        List<String> names = new ArrayList<>();
        String token = null;
        do {
            String t = token;
            ListAgentsResponse page = agent.listAgents(r -> r.maxResults(1).nextToken(t));
            assertTrue(page.agentSummaries().size() <= 1);
            page.agentSummaries().forEach(s -> names.add(s.agentName()));
            token = page.nextToken();
        } while (token != null);
        assertTrue(names.containsAll(List.of("paged0", "paged1", "paged2")), names.toString());
    }

    @Test
    void actionGroupsFromJsonYamlAndS3PrepareFailsForAnUnknownFunctionAndPassesForAKnownOne() {
        Agent a = create("groups");
        String id = a.agentId();
        AgentActionGroup json = agent.createAgentActionGroup(b -> b.agentId(id).agentVersion("DRAFT")
                .actionGroupName("claims").actionGroupExecutor(e -> e.lambda(CLAIMS_ARN))
                .apiSchema(s -> s.payload(OPENAPI_JSON))).agentActionGroup();
        assertEquals("ENABLED", json.actionGroupStateAsString());
        assertEquals(CLAIMS_ARN, json.actionGroupExecutor().lambda());
        AgentActionGroup unknown = agent.createAgentActionGroup(b -> b.agentId(id).agentVersion("DRAFT")
                .actionGroupName("weather").actionGroupExecutor(e -> e.lambda("no-such-function"))
                .apiSchema(s -> s.payload(OPENAPI_YAML))).agentActionGroup();
        agent.createAgentActionGroup(b -> b.agentId(id).agentVersion("DRAFT").actionGroupName("fromS3")
                .actionGroupExecutor(ActionGroupExecutor.builder().customControl(CustomControlMethod.RETURN_CONTROL)
                        .build())
                .apiSchema(s -> s.s3(o -> o.s3BucketName("schemas").s3ObjectKey("weather.yaml"))));
        agent.createAgentActionGroup(b -> b.agentId(id).agentVersion("DRAFT").actionGroupName("askUser")
                .parentActionGroupSignature("AMAZON.UserInput"));
        assertEquals(4, agent.listAgentActionGroups(r -> r.agentId(id).agentVersion("DRAFT"))
                .actionGroupSummaries().size());

        agent.prepareAgent(r -> r.agentId(id));
        Agent failed = get(id);
        assertEquals(AgentStatus.FAILED, failed.agentStatus());
        assertEquals(1, failed.failureReasons().size(), failed.failureReasons().toString());
        assertTrue(failed.failureReasons().get(0).contains("no-such-function"), failed.failureReasons().toString());

        agent.updateAgentActionGroup(b -> b.agentId(id).agentVersion("DRAFT").actionGroupId(unknown.actionGroupId())
                .actionGroupName("weather").actionGroupExecutor(e -> e.lambda("claims"))
                .apiSchema(s -> s.payload(OPENAPI_YAML)));
        assertEquals(AgentStatus.NOT_PREPARED, get(id).agentStatus());
        agent.prepareAgent(r -> r.agentId(id));
        assertEquals(AgentStatus.PREPARED, get(id).agentStatus());

        AgentSnapshot snapshot = service.agents().resolveForInvocation(id, "TSTALIASID");
        assertEquals("DRAFT", snapshot.version());
        assertEquals(4, snapshot.actionGroups().size());
        AgentSnapshot.ActionGroup claims = snapshot.actionGroups().get(0);
        assertEquals(2, claims.actions().size());
        assertEquals("/claims/{claimId}", claims.actions().get(0).apiPath());
        assertEquals("GET", claims.actions().get(0).verb());
        assertEquals("short", claims.actions().get(0).parameters().get(1).schema().path("enum").get(0).asText(),
                "the parameter's $ref is resolved");
        assertEquals("number", claims.actions().get(1).requestBody().path("properties").path("amount")
                .path("type").asText(), "the request body's $ref is resolved");
        assertEquals("http://127.0.0.1:9/claims", claims.functionUrl().toString());
        assertTrue(snapshot.actionGroups().get(2).returnControl());
        assertEquals("/weather", snapshot.actionGroups().get(2).actions().get(0).apiPath());
        assertEquals("AMAZON.UserInput", snapshot.actionGroups().get(3).parentSignature());

        var deleted = agent.deleteAgentActionGroup(r -> r.agentId(id).agentVersion("DRAFT")
                .actionGroupId(json.actionGroupId()));
        assertEquals(204, deleted.sdkHttpResponse().statusCode());
        assertThrows(ResourceNotFoundException.class, () -> agent.getAgentActionGroup(r -> r.agentId(id)
                .agentVersion("DRAFT").actionGroupId(json.actionGroupId())));
    }

    @Test
    void aBadSchemaIsAValidationExceptionNamingTheProblem() {
        String id = create("badschema").agentId();
        ValidationException notOpenApi = assertThrows(ValidationException.class, () -> agent.createAgentActionGroup(
                b -> b.agentId(id).agentVersion("DRAFT").actionGroupName("broken")
                        .actionGroupExecutor(e -> e.lambda("claims")).apiSchema(s -> s.payload(
                                "{\"openapi\":\"3.0.0\",\"paths\":{\"/x\":{\"get\":{\"parameters\":"
                                        + "[{\"$ref\":\"#/components/parameters/missing\"}]}}}}"))));
        assertTrue(notOpenApi.getMessage().contains("needs a description"), notOpenApi.getMessage());
        assertTrue(notOpenApi.getMessage().contains("#/components/parameters/missing"), notOpenApi.getMessage());
        ValidationException noObject = assertThrows(ValidationException.class, () -> agent.createAgentActionGroup(
                b -> b.agentId(id).agentVersion("DRAFT").actionGroupName("gone")
                        .actionGroupExecutor(e -> e.lambda("claims"))
                        .apiSchema(s -> s.s3(o -> o.s3BucketName("schemas").s3ObjectKey("absent.json")))));
        assertTrue(noObject.getMessage().contains("s3://schemas/absent.json"), noObject.getMessage());
        ValidationException numbered = assertThrows(ValidationException.class, () -> agent.createAgentActionGroup(
                b -> b.agentId(id).agentVersion("1").actionGroupName("v1")
                        .actionGroupExecutor(e -> e.lambda("claims")).apiSchema(s -> s.payload(OPENAPI_YAML))));
        assertTrue(numbered.getMessage().contains("agentVersion"), numbered.getMessage());
    }

    @Test
    void anActiveKnowledgeBaseIsAssociatedAndAnUnknownOneIsNotFound() throws Exception {
        String id = create("withkb").agentId();
        String kbId = agent.createKnowledgeBase(KnowledgeBaseSdkTest.kb("agentkb", b -> { })).knowledgeBase()
                .knowledgeBaseId();
        assertEquals(KnowledgeBaseStatus.ACTIVE, KnowledgeBaseSdkTest.untilBuilt(agent, kbId).status());
        var associated = agent.associateAgentKnowledgeBase(r -> r.agentId(id).agentVersion("DRAFT")
                .knowledgeBaseId(kbId).description("Claims handbook: search it for policy rules.")).agentKnowledgeBase();
        assertEquals("ENABLED", associated.knowledgeBaseStateAsString());
        assertThrows(ResourceNotFoundException.class, () -> agent.associateAgentKnowledgeBase(r -> r.agentId(id)
                .agentVersion("DRAFT").knowledgeBaseId("ABCDEFGHIJ").description("none")));
        agent.updateAgentKnowledgeBase(r -> r.agentId(id).agentVersion("DRAFT").knowledgeBaseId(kbId)
                .knowledgeBaseState("DISABLED"));
        var read = agent.getAgentKnowledgeBase(r -> r.agentId(id).agentVersion("DRAFT").knowledgeBaseId(kbId))
                .agentKnowledgeBase();
        assertEquals("DISABLED", read.knowledgeBaseStateAsString());
        assertEquals("Claims handbook: search it for policy rules.", read.description());
        agent.updateAgentKnowledgeBase(r -> r.agentId(id).agentVersion("DRAFT").knowledgeBaseId(kbId)
                .knowledgeBaseState("ENABLED"));
        agent.prepareAgent(r -> r.agentId(id));
        assertEquals(AgentStatus.PREPARED, get(id).agentStatus());
        assertEquals(kbId, service.agents().resolveForInvocation(id, "TSTALIASID").knowledgeBases().get(0)
                .knowledgeBaseId());
        var gone = agent.disassociateAgentKnowledgeBase(r -> r.agentId(id).agentVersion("DRAFT")
                .knowledgeBaseId(kbId));
        assertEquals(204, gone.sdkHttpResponse().statusCode());
        assertTrue(agent.listAgentKnowledgeBases(r -> r.agentId(id).agentVersion("DRAFT"))
                .agentKnowledgeBaseSummaries().isEmpty());
    }

    @Test
    void aliasesMakeVersionsOneAndTwoAndAVersionInUseCannotBeDeleted() {
        String id = create("aliased").agentId();
        assertThrows(ValidationException.class, () -> agent.createAgentAlias(r -> r.agentId(id)
                .agentAliasName("early")), "an unprepared draft makes no version");
        agent.prepareAgent(r -> r.agentId(id));
        AgentAlias first = agent.createAgentAlias(r -> r.agentId(id).agentAliasName("first")).agentAlias();
        assertEquals("CREATING", first.agentAliasStatusAsString());
        assertEquals("1", first.routingConfiguration().get(0).agentVersion());
        assertEquals("arn:aws:bedrock:us-east-1:" + first.agentAliasArn().split(":")[4] + ":agent-alias/" + id + "/"
                + first.agentAliasId(), first.agentAliasArn());
        AgentAlias second = agent.createAgentAlias(r -> r.agentId(id).agentAliasName("second")).agentAlias();
        assertEquals("2", second.routingConfiguration().get(0).agentVersion());
        AgentAlias read = agent.getAgentAlias(r -> r.agentId(id).agentAliasId(first.agentAliasId())).agentAlias();
        assertEquals("PREPARED", read.agentAliasStatusAsString());
        assertEquals("1", read.routingConfiguration().get(0).agentVersion());
        assertEquals("1", service.agents().resolveForInvocation(id, first.agentAliasId()).version());

        AgentAlias test = agent.getAgentAlias(r -> r.agentId(id).agentAliasId("TSTALIASID")).agentAlias();
        assertEquals("AgentTestAlias", test.agentAliasName());
        assertEquals("DRAFT", test.routingConfiguration().get(0).agentVersion());
        assertEquals(List.of("AgentTestAlias", "first", "second"), agent.listAgentAliases(r -> r.agentId(id))
                .agentAliasSummaries().stream().map(s -> s.agentAliasName()).toList());
        assertThrows(ValidationException.class, () -> agent.deleteAgentAlias(r -> r.agentId(id)
                .agentAliasId("TSTALIASID")));
        assertEquals(List.of("DRAFT", "1", "2"), agent.listAgentVersions(r -> r.agentId(id))
                .agentVersionSummaries().stream().map(s -> s.agentVersion()).toList());
        assertEquals("1", agent.getAgentVersion(r -> r.agentId(id).agentVersion("1")).agentVersion().version());
        assertEquals("2", agent.listAgents(r -> r.maxResults(1000)).agentSummaries().stream()
                .filter(s -> s.agentId().equals(id)).findFirst().orElseThrow().latestAgentVersion());

        assertThrows(ConflictException.class, () -> agent.deleteAgentVersion(r -> r.agentId(id).agentVersion("1")));
        AgentAlias moved = agent.updateAgentAlias(r -> r.agentId(id).agentAliasId(first.agentAliasId())
                .agentAliasName("first").routingConfiguration(c -> c.agentVersion("2"))).agentAlias();
        assertEquals("UPDATING", moved.agentAliasStatusAsString());
        assertEquals(2, moved.agentAliasHistoryEvents().size());
        assertEquals("2", moved.agentAliasHistoryEvents().get(0).routingConfiguration().get(0).agentVersion());
        assertNull(moved.agentAliasHistoryEvents().get(0).endDate());
        assertEquals("DELETING", agent.deleteAgentVersion(r -> r.agentId(id).agentVersion("1"))
                .agentStatusAsString());
        assertThrows(ResourceNotFoundException.class, () -> agent.getAgentVersion(r -> r.agentId(id)
                .agentVersion("1")));

        assertThrows(ConflictException.class, () -> agent.deleteAgent(r -> r.agentId(id)));
        assertEquals("DELETING", agent.deleteAgentAlias(r -> r.agentId(id).agentAliasId(second.agentAliasId()))
                .agentAliasStatusAsString());
        assertThrows(ResourceNotFoundException.class, () -> agent.getAgentAlias(r -> r.agentId(id)
                .agentAliasId(second.agentAliasId())));
        agent.deleteAgent(r -> r.agentId(id).skipResourceInUseCheck(true));
        assertThrows(ResourceNotFoundException.class, () -> get(id));
    }
}
