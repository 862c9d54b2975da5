package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
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
import software.amazon.awssdk.services.bedrockagentruntime.model.InvokeAgentResponse;
import software.amazon.awssdk.services.bedrockagentruntime.model.InvokeAgentResponseHandler;
import software.amazon.awssdk.services.bedrockagentruntime.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrockagentruntime.model.TracePart;
import software.amazon.awssdk.services.bedrockagentruntime.model.ValidationException;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * InvokeAgent through the real async {@code BedrockAgentRuntimeClient}: an agent on the random-weight Llama with one
 * action group whose function is an HTTP server here, run many times; every call the function gets must be a valid
 * event of the Lambda contract, and every turn must end with an answer.
 */
class InvokeAgentSdkTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PETS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:pets";
    static final String BROKEN_ARN = "arn:aws:lambda:us-east-1:123456789012:function:broken";
    static final String PETS_BODY = "{\"status\":\"fed\"}";
    static final String OPENAPI = """
            {"openapi":"3.0.0","info":{"title":"pets","version":"1"},
             "paths":{"/pets/{petId}/feed":{"post":{"description":"Feeds a pet","parameters":[
                 {"name":"petId","in":"path","required":true,"schema":{"type":"string","maxLength":8}},
                 {"name":"portion","in":"query","required":true,"schema":{"type":"string","enum":["small","large"]}}],
               "requestBody":{"required":true,"content":{"application/json":{"schema":{"type":"object",
                 "required":["food"],"properties":{"food":{"type":"string","maxLength":12}}}}}}}}}}
            """;
    @TempDir
    static Path workDir;
    static BedrockService service;
    static BedrockAgentClient agents;
    static BedrockAgentRuntimeAsyncClient runtime;
    static HttpServer functions;
    static final List<JsonNode> events = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() throws Exception {
        functions = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        functions.createContext("/pets", exchange -> {
            JsonNode event = JSON.readTree(exchange.getRequestBody().readAllBytes());
            events.add(event);
            String answer = JSON.createObjectNode().put("messageVersion", "1.0").set("response",
                    JSON.createObjectNode().put("actionGroup", event.path("actionGroup").asText())
                            .put("apiPath", event.path("apiPath").asText())
                            .put("httpMethod", event.path("httpMethod").asText()).put("httpStatusCode", 200)
                            .set("responseBody", JSON.createObjectNode().set("application/json",
                                    JSON.createObjectNode().put("body", PETS_BODY)))).toString();
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        functions.createContext("/broken", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        functions.start();
        String base = "http://127.0.0.1:" + functions.getAddress().getPort();
        Path file = TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", "max_context_tokens: 2048\n", "");
        Files.writeString(file, Files.readString(file) + "functions:\n  " + PETS_ARN + ": " + base + "/pets\n  "
                + BROKEN_ARN + ": " + base + "/broken\n");
        service = BedrockService.start(CatalogLoader.load(file), entry -> WorkerHooks.defaults());
        agents = TestServers.agentClient(service);
        runtime = TestServers.agentRuntimeClient(service);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.closeAll(runtime, agents, service);
        if (functions != null) {
            functions.stop(0);
        }
    }

    /** A prepared agent with the pets group run by {@code functionArn}; sampled, so sessions differ. */
    static String preparedAgent(String name, String functionArn) {
        String id = agents.createAgent(b -> b.agentName(name).foundationModel(TestServers.LLAMA_ID)
                .instruction("You look after pets: feed them when asked, then say so.")
                .promptOverrideConfiguration(p -> p.promptConfigurations(PromptConfiguration.builder()
                        .promptType(PromptType.ORCHESTRATION).promptCreationMode(CreationMode.DEFAULT)
                        .inferenceConfiguration(i -> i.maximumLength(300).temperature(1f).topP(1f).topK(250))
                        .build()))).agent().agentId();
        agents.createAgentActionGroup(b -> b.agentId(id).agentVersion("DRAFT").actionGroupName("petCare")
                .actionGroupExecutor(e -> e.lambda(functionArn)).apiSchema(s -> s.payload(OPENAPI)));
        agents.prepareAgent(r -> r.agentId(id));
        return id;
    }

    record Result(String sessionId, String text, List<TracePart> traces) {
    }

    static Result invoke(String agentId, String sessionId, String input, boolean trace, Map<String, String> attrs,
                         boolean end) {
        StringBuilder text = new StringBuilder();
        List<TracePart> traces = Collections.synchronizedList(new ArrayList<>());
        String[] session = new String[1];
        InvokeAgentResponseHandler handler = InvokeAgentResponseHandler.builder()
                .onResponse((InvokeAgentResponse r) -> session[0] = r.sessionId())
                .subscriber(InvokeAgentResponseHandler.Visitor.builder()
                        .onChunk(c -> text.append(c.bytes().asUtf8String()))
                        .onTrace(traces::add).build()).build();
        try {
            runtime.invokeAgent(r -> r.agentId(agentId).agentAliasId("TSTALIASID").sessionId(sessionId)
                    .inputText(input).enableTrace(trace).endSession(end)
                    .sessionState(s -> s.sessionAttributes(attrs)), handler).get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw e.getCause() instanceof RuntimeException re ? re : new CompletionException(e);
        }
        return new Result(session[0], text.toString(), traces);
    }

    @Test
    void everyFunctionCallIsAValidEventAndEveryTurnEndsWithItsAnswer() throws Exception {
        String id = preparedAgent("keeper", PETS_ARN);
        int withCalls = 0;
        for (int i = 0; i < 12; i++) {
            int before = events.size();
            String session = "session-" + i;
            Result r = invoke(id, session, "Please feed pet number " + i + ".", true, Map.of("owner", "o" + i),
                    false);
            assertEquals(session, r.sessionId());
            assertFalse(r.text().isEmpty());
            TracePart last = r.traces().get(r.traces().size() - 1);
            var finish = last.trace().orchestrationTrace().observation();
            assertEquals("FINISH", finish.typeAsString());
            assertEquals(r.text(), finish.finalResponse().text());
            List<JsonNode> calls = List.copyOf(events.subList(before, events.size()));
            long observations = r.traces().stream().filter(t -> t.trace().orchestrationTrace() != null
                    && t.trace().orchestrationTrace().observation() != null
                    && "ACTION_GROUP".equals(t.trace().orchestrationTrace().observation().typeAsString())).count();
            assertEquals(calls.size(), observations);
            r.traces().stream().map(t -> t.trace().orchestrationTrace())
                    .filter(o -> o != null && o.observation() != null
                            && o.observation().actionGroupInvocationOutput() != null)
                    .forEach(o -> assertEquals(PETS_BODY, o.observation().actionGroupInvocationOutput().text()));
            for (TracePart t : r.traces()) {
                assertEquals(id, t.agentId());
                assertEquals("TSTALIASID", t.agentAliasId());
                assertEquals("DRAFT", t.agentVersion());
                assertNotNull(t.eventTime());
            }
            for (JsonNode e : calls) {
                withCalls++;
                assertEquals("1.0", e.path("messageVersion").asText());
                assertEquals("keeper", e.path("agent").path("name").asText());
                assertEquals(id, e.path("agent").path("id").asText());
                assertEquals("TSTALIASID", e.path("agent").path("alias").asText());
                assertEquals("DRAFT", e.path("agent").path("version").asText());
                assertEquals("petCare", e.path("actionGroup").asText());
                assertEquals("/pets/{petId}/feed", e.path("apiPath").asText());
                assertEquals("POST", e.path("httpMethod").asText());
                assertEquals(session, e.path("sessionId").asText());
                assertEquals("o" + i, e.path("sessionAttributes").path("owner").asText());
                Map<String, JsonNode> params = new java.util.HashMap<>();
                e.path("parameters").forEach(p -> params.put(p.path("name").asText(), p));
                assertEquals("string", params.get("petId").path("type").asText());
                assertTrue(codePoints(params.get("petId").path("value").asText()) <= 8, e.toString());
                assertTrue(List.of("small", "large").contains(params.get("portion").path("value").asText()),
                        e.toString());
                JsonNode props = e.path("requestBody").path("content").path("application/json").path("properties");
                assertEquals("food", props.path(0).path("name").asText(), e.toString());
                assertTrue(codePoints(props.path(0).path("value").asText()) <= 12, e.toString());
            }
        }
        assertTrue(withCalls > 0, "over 12 sampled sessions the agent called its function at least once");
    }

    /** JSON Schema's maxLength counts code points, not UTF-16 units. */
    private static int codePoints(String s) {
        return s.codePointCount(0, s.length());
    }

    @Test
    void noTracesWithoutEnableTraceAndEndSessionForgetsTheSession() {
        String id = preparedAgent("quiet", PETS_ARN);
        Result r = invoke(id, "quiet-1", "Hello there.", false, Map.of(), true);
        assertTrue(r.traces().isEmpty());
        assertFalse(r.text().isEmpty());
        assertFalse(service.agents().sessions().live(id, "TSTALIASID", "quiet-1"));
    }

    @Test
    void aFailingFunctionIsAFailureTraceThenDependencyFailed() {
        String id = preparedAgent("broken", BROKEN_ARN);
        int failures = 0;
        for (int i = 0; i < 10; i++) {
            List<TracePart> traces = new ArrayList<>();
            try {
                Result r = invoke(id, "broken-" + i, "Feed pet " + i + ".", true, Map.of(), false);
                traces = r.traces();
            } catch (DependencyFailedException e) {
                assertEquals(424, e.statusCode());
                failures++;
            }
            assertTrue(traces.stream().noneMatch(t -> t.trace().orchestrationTrace() != null
                    && t.trace().orchestrationTrace().observation() != null
                    && "ACTION_GROUP".equals(t.trace().orchestrationTrace().observation().typeAsString())));
        }
        assertTrue(failures > 0, "some sampled turn called the failing function");
    }

    @Test
    void unknownAgentOrAliasIsNotFoundAndAnUnpreparedAgentIsAValidationError() {
        assertInstanceOf(ResourceNotFoundException.class, assertThrows(RuntimeException.class,
                () -> invoke("ABCDEFGHIJ", "s-1", "hi", false, Map.of(), false)));
        String id = preparedAgent("aliasless", PETS_ARN);
        assertInstanceOf(ResourceNotFoundException.class, assertThrows(RuntimeException.class,
                () -> runtime.invokeAgent(r -> r.agentId(id).agentAliasId("NOSUCHALIA").sessionId("s-1")
                        .inputText("hi"), InvokeAgentResponseHandler.builder().subscriber(e -> { }).build())
                        .join()).getCause());
        String unprepared = agents.createAgent(b -> b.agentName("unprepared").foundationModel(TestServers.LLAMA_ID)
                .instruction("You look after pets, politely and briefly.")).agent().agentId();
        assertInstanceOf(ValidationException.class, assertThrows(RuntimeException.class,
                () -> invoke(unprepared, "s-1", "hi", false, Map.of(), false)));
    }
}
