package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.document.Document;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamMetadataEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.MessageStopEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrockruntime.model.StopReason;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.Tool;
import software.amazon.awssdk.services.bedrockruntime.model.ToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ToolInputSchema;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolSpecification;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Converse and ConverseStream through the unchanged AWS SDK for Java v2 (sync client over HTTP/1.1, async client
 * over h2c), on the shared tiny-random-llama and on the generated smoke model. Random weights: the checks are on
 * structure (roles, stop reasons, token counts, what the stream adds up to, tool arguments against their schema),
 * never on wording; greedy decoding makes the unary and streamed answers to one request the same.
 */
class ConverseSdkEndToEndTest {
    static final String SMOKE_ID = "meta.llama2-70b-chat-v1";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Short and bounded: enums, a boolean and a string with maxLength, so the call fits in a few dozen tokens. */
    static final String WEATHER_SCHEMA = """
            {"type": "object",
             "properties": {
               "city": {"type": "string", "maxLength": 12},
               "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
               "hourly": {"type": "boolean"}},
             "required": ["city", "unit", "hourly"],
             "additionalProperties": false}""";

    @TempDir
    static Path workDir;
    static BedrockService service;
    static BedrockRuntimeClient sync;
    static BedrockRuntimeAsyncClient async;

    @BeforeAll
    static void start() throws Exception {
        String smoke = """
                - id: %s
                  family: meta-llama2
                  source: generated:smoke-llama
                  engine: onnxruntime
                  device: cpu
                  max_context_tokens: 2048""".formatted(SMOKE_ID);
        Path file = TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", "max_context_tokens: 512", smoke);
        service = BedrockService.start(CatalogLoader.load(file));
        sync = TestServers.syncClient(service);
        async = TestServers.asyncClient(service);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.closeAll(sync, async, service);
    }

    @ParameterizedTest
    @ValueSource(strings = {TestServers.LLAMA_ID, SMOKE_ID})
    void conversesOverSeveralTurnsWithASystemPrompt(String modelId) {
        ConverseResponse one = sync.converse(r -> r.modelId(modelId).messages(user("Hello there"))
                .inferenceConfig(greedy(8)));
        ConverseResponse withSystem = sync.converse(r -> r.modelId(modelId).messages(user("Hello there"))
                .system(SystemContentBlock.fromText("You are terse.")).inferenceConfig(greedy(8)));
        ConverseResponse turns = sync.converse(r -> r.modelId(modelId)
                .system(SystemContentBlock.fromText("You are terse."))
                .messages(user("Hello there"), assistant(text(withSystem)), user("And then?"))
                .inferenceConfig(greedy(8)));
        for (ConverseResponse response : List.of(one, withSystem, turns)) {
            assertAnAssistantTextTurn(response, 8);
        }
        assertTrue(withSystem.usage().inputTokens() > one.usage().inputTokens(), "the system prompt is in the prompt");
        assertTrue(turns.usage().inputTokens() > withSystem.usage().inputTokens() + one.usage().outputTokens() - 1,
                "earlier turns are in the prompt: " + turns.usage() + " vs " + withSystem.usage());
    }

    @ParameterizedTest
    @ValueSource(strings = {TestServers.LLAMA_ID, SMOKE_ID})
    void aStopSequenceEndsTheTurn(String modelId) {
        ConverseResponse unstopped = sync.converse(r -> r.modelId(modelId).messages(user("Hello world"))
                .inferenceConfig(greedy(16)));
        String cut = text(unstopped);
        String stop = ConverseChecks.stopSequenceInside(cut);
        ConverseResponse stopped = sync.converse(r -> r.modelId(modelId).messages(user("Hello world"))
                .inferenceConfig(greedy(16).toBuilder().stopSequences(stop).build()));
        assertEquals(StopReason.STOP_SEQUENCE, stopped.stopReason(), stopped.toString());
        assertEquals(cut.substring(0, cut.indexOf(stop)), text(stopped), "cut at " + stop + " in " + cut);
        assertTrue(stopped.usage().outputTokens() < unstopped.usage().outputTokens(), stopped.usage().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {TestServers.LLAMA_ID, SMOKE_ID})
    void theStreamAddsUpToTheUnaryAnswer(String modelId) throws Exception {
        ConverseRequest request = ConverseRequest.builder().modelId(modelId)
                .system(SystemContentBlock.fromText("You are terse."))
                .messages(user("Hello world")).inferenceConfig(greedy(10)).build();
        ConverseResponse unary = sync.converse(request);
        Stream stream = stream(ConverseStreamRequest.builder().modelId(modelId).system(request.system())
                .messages(request.messages()).inferenceConfig(request.inferenceConfig()).build());
        assertEquals("messageStart", stream.events.get(0), String.valueOf(stream.events));
        assertEquals("metadata", stream.events.get(stream.events.size() - 1), String.valueOf(stream.events));
        assertTrue(stream.events.contains("contentBlockDelta"), String.valueOf(stream.events));
        assertEquals("messageStop", stream.events.get(stream.events.size() - 2), String.valueOf(stream.events));
        assertEquals(text(unary), stream.text.toString());
        assertEquals(unary.stopReason(), stream.stop.stopReason());
        assertEquals(unary.usage().inputTokens(), stream.metadata.usage().inputTokens());
        assertEquals(unary.usage().outputTokens(), stream.metadata.usage().outputTokens());
        assertEquals(unary.usage().totalTokens(), stream.metadata.usage().totalTokens());
        assertNotNull(stream.metadata.metrics().latencyMs());
    }

    @ParameterizedTest
    @ValueSource(strings = {TestServers.LLAMA_ID, SMOKE_ID})
    void aForcedToolCallHasArgumentsValidForItsSchemaAndItsResultIsAnswered(String modelId) throws Exception {
        for (ToolChoice choice : List.of(ToolChoice.fromTool(t -> t.name("get_weather")),
                ToolChoice.fromAny(a -> { }))) {
            ConverseResponse call = sync.converse(r -> r.modelId(modelId).messages(user("Weather in Paris?"))
                    .toolConfig(weatherTools(choice)).inferenceConfig(greedy(200)));
            assertEquals(StopReason.TOOL_USE, call.stopReason(), call.toString());
            ToolUseBlock use = call.output().message().content().stream().map(ContentBlock::toolUse)
                    .filter(u -> u != null).findFirst().orElseThrow(() -> new AssertionError(call.toString()));
            assertEquals("get_weather", use.name());
            assertFalse(use.toolUseId().isEmpty());
            ConverseChecks.assertValid(WEATHER_SCHEMA, toJson(use.input()));

            ConverseResponse answer = sync.converse(r -> r.modelId(modelId)
                    .messages(user("Weather in Paris?"), call.output().message(),
                            Message.builder().role(ConversationRole.USER).content(ContentBlock.fromToolResult(
                                    ToolResultBlock.builder().toolUseId(use.toolUseId()).content(
                                            ToolResultContentBlock.fromText("18 degrees, sunny")).build())).build())
                    .toolConfig(weatherTools(ToolChoice.fromAuto(a -> { }))).inferenceConfig(greedy(8)));
            assertTrue(Set.of(StopReason.END_TURN, StopReason.MAX_TOKENS, StopReason.TOOL_USE)
                    .contains(answer.stopReason()), answer.toString());
            assertTrue(answer.usage().inputTokens() > call.usage().inputTokens(), "the call and result are read");
        }
    }

    @Test
    void aStreamedForcedToolCallArrivesAsArgumentFragments() throws Exception {
        Stream stream = stream(ConverseStreamRequest.builder().modelId(TestServers.LLAMA_ID)
                .messages(user("Weather in Paris?"))
                .toolConfig(weatherTools(ToolChoice.fromTool(t -> t.name("get_weather"))))
                .inferenceConfig(greedy(200)).build());
        assertEquals(StopReason.TOOL_USE, stream.stop.stopReason());
        assertTrue(stream.events.contains("contentBlockStart"), String.valueOf(stream.events));
        assertEquals(List.of("get_weather"), stream.toolNames);
        ConverseChecks.assertValid(WEATHER_SCHEMA, JSON.readTree(stream.toolInput.toString()));
    }

    @Test
    void aConversationOutOfRoleOrderIsAValidationExceptionInBedrocksWords() {
        ValidationException first = assertThrows(ValidationException.class, () -> sync.converse(r -> r
                .modelId(TestServers.LLAMA_ID).messages(assistant("I speak first"), user("Hello"))));
        assertEquals(400, first.statusCode());
        assertTrue(first.awsErrorDetails().errorMessage().startsWith(
                "A conversation must start with a user message."), first.getMessage());
        ValidationException twice = assertThrows(ValidationException.class, () -> sync.converse(r -> r
                .modelId(TestServers.LLAMA_ID).messages(user("Hello"), user("Hello again"))));
        assertTrue(twice.awsErrorDetails().errorMessage().startsWith(
                "A conversation must alternate between user and assistant roles."), twice.getMessage());
        // the connection and the model are fine afterwards
        assertAnAssistantTextTurn(sync.converse(r -> r.modelId(TestServers.LLAMA_ID).messages(user("Hello"))
                .inferenceConfig(greedy(4))), 4);
    }

    @Test
    void anOutOfRangeValueIsAValidationExceptionNamingTheField() throws Exception {
        ValidationException unary = assertThrows(ValidationException.class, () -> sync.converse(r -> r
                .modelId(TestServers.LLAMA_ID).messages(user("Hello")).inferenceConfig(c -> c.maxTokens(0))));
        assertEquals(400, unary.statusCode());
        assertTrue(unary.awsErrorDetails().errorMessage().contains("'inferenceConfig.maxTokens'"),
                unary.getMessage());
        var streamed = assertThrows(java.util.concurrent.ExecutionException.class, () -> stream(
                ConverseStreamRequest.builder().modelId(TestServers.LLAMA_ID).messages(user("Hello"))
                        .inferenceConfig(c -> c.temperature(2f)).build()));
        assertTrue(streamed.getCause() instanceof ValidationException, String.valueOf(streamed.getCause()));
        assertTrue(streamed.getCause().getMessage().contains("'inferenceConfig.temperature'"),
                streamed.getCause().getMessage());
    }

    @Test
    void anUnknownModelIsResourceNotFound() throws Exception {
        ResourceNotFoundException unary = assertThrows(ResourceNotFoundException.class, () -> sync.converse(r -> r
                .modelId("meta.llama9-1t-chat-v1").messages(user("Hello"))));
        assertEquals(404, unary.statusCode());
        var streamed = assertThrows(java.util.concurrent.ExecutionException.class, () -> stream(
                ConverseStreamRequest.builder().modelId("meta.llama9-1t-chat-v1").messages(user("Hello")).build()));
        assertTrue(streamed.getCause() instanceof ResourceNotFoundException, String.valueOf(streamed.getCause()));
    }

    /** What one ConverseStream call delivered: the event names in order, and what they carried. */
    static final class Stream {
        final List<String> events = new CopyOnWriteArrayList<>();
        final StringBuilder text = new StringBuilder();
        final StringBuilder toolInput = new StringBuilder();
        final List<String> toolNames = new CopyOnWriteArrayList<>();
        volatile MessageStopEvent stop;
        volatile ConverseStreamMetadataEvent metadata;
    }

    private static Stream stream(ConverseStreamRequest request) throws Exception {
        Stream stream = new Stream();
        ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                        .onMessageStart(e -> {
                            stream.events.add("messageStart");
                            assertEquals(ConversationRole.ASSISTANT, e.role());
                        })
                        .onContentBlockStart(e -> {
                            stream.events.add("contentBlockStart");
                            if (e.start().toolUse() != null) {
                                stream.toolNames.add(e.start().toolUse().name());
                            }
                        })
                        .onContentBlockDelta(e -> {
                            stream.events.add("contentBlockDelta");
                            if (e.delta().text() != null) {
                                stream.text.append(e.delta().text());
                            }
                            if (e.delta().toolUse() != null) {
                                stream.toolInput.append(e.delta().toolUse().input());
                            }
                        })
                        .onContentBlockStop(e -> stream.events.add("contentBlockStop"))
                        .onMessageStop(e -> {
                            stream.events.add("messageStop");
                            stream.stop = e;
                        })
                        .onMetadata(e -> {
                            stream.events.add("metadata");
                            stream.metadata = e;
                        })
                        .onDefault(e -> stream.events.add("unexpected " + e))
                        .build())
                .build();
        async.converseStream(request, handler).get(120, TimeUnit.SECONDS);
        return stream;
    }

    private static void assertAnAssistantTextTurn(ConverseResponse response, int maxTokens) {
        assertEquals(ConversationRole.ASSISTANT, response.output().message().role());
        assertFalse(text(response).isEmpty(), response.toString());
        assertTrue(Set.of(StopReason.END_TURN, StopReason.MAX_TOKENS).contains(response.stopReason()),
                response.toString());
        assertTrue(response.usage().inputTokens() > 0, response.usage().toString());
        assertTrue(response.usage().outputTokens() > 0 && response.usage().outputTokens() <= maxTokens,
                response.usage().toString());
        assertEquals(response.usage().inputTokens() + response.usage().outputTokens(),
                response.usage().totalTokens());
        assertNotNull(response.metrics().latencyMs());
    }

    static ToolConfiguration weatherTools(ToolChoice choice) {
        return ToolConfiguration.builder().toolChoice(choice).tools(Tool.fromToolSpec(ToolSpecification.builder()
                .name("get_weather").description("The weather forecast for a city")
                .inputSchema(ToolInputSchema.fromJson(toDocument(readJson(WEATHER_SCHEMA)))).build())).build();
    }

    static InferenceConfiguration greedy(int maxTokens) {
        return InferenceConfiguration.builder().maxTokens(maxTokens).temperature(0f).build();
    }

    static Message user(String text) {
        return Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText(text)).build();
    }

    static Message assistant(String text) {
        return Message.builder().role(ConversationRole.ASSISTANT).content(ContentBlock.fromText(text)).build();
    }

    static String text(ConverseResponse response) {
        return response.output().message().content().stream().map(ContentBlock::text).filter(t -> t != null)
                .collect(Collectors.joining());
    }

    private static JsonNode readJson(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static JsonNode toJson(Document document) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (document.isNull()) {
            return f.nullNode();
        } else if (document.isBoolean()) {
            return f.booleanNode(document.asBoolean());
        } else if (document.isString()) {
            return f.textNode(document.asString());
        } else if (document.isNumber()) {
            return f.numberNode(document.asNumber().bigDecimalValue());
        } else if (document.isList()) {
            var array = f.arrayNode();
            document.asList().forEach(d -> array.add(toJson(d)));
            return array;
        }
        ObjectNode object = f.objectNode();
        document.asMap().forEach((k, v) -> object.set(k, toJson(v)));
        return object;
    }

    static Document toDocument(JsonNode node) {
        if (node.isObject()) {
            Map<String, Document> map = new java.util.LinkedHashMap<>();
            node.fields().forEachRemaining(e -> map.put(e.getKey(), toDocument(e.getValue())));
            return Document.fromMap(map);
        } else if (node.isArray()) {
            List<Document> list = new ArrayList<>();
            node.forEach(n -> list.add(toDocument(n)));
            return Document.fromList(list);
        } else if (node.isBoolean()) {
            return Document.fromBoolean(node.booleanValue());
        } else if (node.isNumber()) {
            return Document.fromNumber(node.decimalValue());
        } else if (node.isNull()) {
            return Document.fromNull();
        }
        return Document.fromString(node.asText());
    }
}
