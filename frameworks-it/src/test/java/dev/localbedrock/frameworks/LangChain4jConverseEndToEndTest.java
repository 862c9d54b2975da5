package dev.localbedrock.frameworks;

import dev.langchain4j.agent.tool.ReturnBehavior;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.bedrock.BedrockChatModel;
import dev.langchain4j.model.bedrock.BedrockChatRequestParameters;
import dev.langchain4j.model.bedrock.BedrockStreamingChatModel;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Result;
import dev.localbedrock.runtime.BedrockService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.localbedrock.frameworks.FrameworkTestServer.MODEL_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LangChain4j's current Bedrock chat classes (langchain4j-bedrock 1.4.0: {@link BedrockChatModel} and
 * {@link BedrockStreamingChatModel}, which call Converse and ConverseStream) and its AI-services layer against the
 * real server, configured only with SDK clients that carry an endpoint override. tiny-random-llama has random
 * weights: the checks are on structure (finish reasons, token usage, what the stream adds up to, tool arguments
 * against their schema), never on wording; greedy decoding makes one request's answers repeatable.
 */
class LangChain4jConverseEndToEndTest {
    /** The schema {@link #weatherTool()} declares, written out for the independent check. */
    static final String WEATHER_SCHEMA = """
            {"type": "object",
             "properties": {
               "city": {"enum": ["Paris", "London"]},
               "unit": {"enum": ["celsius", "fahrenheit"]},
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
        service = FrameworkTestServer.start(workDir);
        sync = FrameworkTestServer.sync(service);
        async = FrameworkTestServer.async(service);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {sync, async, service}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // closing what is left
            }
        }
    }

    private static BedrockChatModel chatModel(int maxTokens) {
        return BedrockChatModel.builder().client(sync).modelId(MODEL_ID).maxRetries(0)
                .defaultRequestParameters(BedrockChatRequestParameters.builder().temperature(0.0)
                        .maxOutputTokens(maxTokens).build())
                .build();
    }

    @Test
    void chatsWithASystemMessageOverSeveralTurns() {
        ChatModel model = chatModel(8);
        ChatResponse one = model.chat(UserMessage.from("Hello there"));
        ChatResponse withSystem = model.chat(SystemMessage.from("You are terse."), UserMessage.from("Hello there"));
        ChatResponse turns = model.chat(SystemMessage.from("You are terse."), UserMessage.from("Hello there"),
                withSystem.aiMessage(), UserMessage.from("And then?"));
        for (ChatResponse response : List.of(one, withSystem, turns)) {
            assertATextAnswer(response, 8);
        }
        assertTrue(withSystem.tokenUsage().inputTokenCount() > one.tokenUsage().inputTokenCount(),
                "the system message is in the prompt");
        assertTrue(turns.tokenUsage().inputTokenCount() > withSystem.tokenUsage().inputTokenCount(),
                "earlier turns are in the prompt");
        assertEquals(withSystem.aiMessage().text(),
                model.chat(SystemMessage.from("You are terse."), UserMessage.from("Hello there")).aiMessage().text(),
                "greedy decoding repeats itself");
    }

    @Test
    void stopSequencesFromTheRequestParametersEndTheAnswer() {
        ChatModel model = chatModel(16);
        ChatResponse unstopped = model.chat(UserMessage.from("Hello world"));
        assertEquals(FinishReason.LENGTH, unstopped.finishReason());
        String cut = unstopped.aiMessage().text();
        String stop = FrameworkTestServer.stopSequenceInside(cut);
        ChatResponse stopped = model.chat(ChatRequest.builder().messages(UserMessage.from("Hello world"))
                .parameters(ChatRequestParameters.builder().stopSequences(stop).build()).build());
        assertEquals(FinishReason.STOP, stopped.finishReason());
        assertEquals(cut.substring(0, cut.indexOf(stop)), stopped.aiMessage().text(), "cut at " + stop);
        assertTrue(stopped.tokenUsage().outputTokenCount() < unstopped.tokenUsage().outputTokenCount());
    }

    @Test
    void theStreamingModelAddsUpToTheSyncAnswer() throws Exception {
        List<ChatMessage> messages = List.of(SystemMessage.from("You are terse."), UserMessage.from("Hello there"));
        ChatResponse unary = chatModel(10).chat(messages);
        BedrockStreamingChatModel streaming = BedrockStreamingChatModel.builder().client(async).modelId(MODEL_ID)
                .defaultRequestParameters(BedrockChatRequestParameters.builder().temperature(0.0)
                        .maxOutputTokens(10).build())
                .build();
        List<String> partials = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat(messages, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                partials.add(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse streamed = done.get(60, TimeUnit.SECONDS);
        assertFalse(partials.isEmpty());
        assertEquals(unary.aiMessage().text(), String.join("", partials));
        assertEquals(unary.aiMessage().text(), streamed.aiMessage().text());
        assertEquals(unary.finishReason(), streamed.finishReason());
        assertEquals(unary.tokenUsage().inputTokenCount(), streamed.tokenUsage().inputTokenCount());
        assertEquals(unary.tokenUsage().outputTokenCount(), streamed.tokenUsage().outputTokenCount());
    }

    /**
     * A required tool call (Converse toolChoice {@code any}, which the server decodes constrained to the tool's
     * schema), then the tool's result sent back with the choice left to the model: the raw ChatModel exchange an
     * agent loop makes.
     */
    @Test
    void aRequiredToolCallParsesAndItsResultIsAnswered() throws Exception {
        ChatModel model = chatModel(120);
        UserMessage question = UserMessage.from("Weather in Paris?");
        ChatResponse call = model.chat(ChatRequest.builder().messages(question)
                .parameters(ChatRequestParameters.builder().toolSpecifications(weatherTool())
                        .toolChoice(ToolChoice.REQUIRED).build()).build());
        assertEquals(FinishReason.TOOL_EXECUTION, call.finishReason(), call.toString());
        assertEquals(1, call.aiMessage().toolExecutionRequests().size(), call.toString());
        ToolExecutionRequest request = call.aiMessage().toolExecutionRequests().get(0);
        assertEquals("get_weather", request.name());
        assertFalse(request.id().isEmpty());
        FrameworkTestServer.assertValid(WEATHER_SCHEMA, request.arguments());

        ChatResponse answer = model.chat(ChatRequest.builder()
                .messages(question, call.aiMessage(), ToolExecutionResultMessage.from(request, "18 degrees, sunny"))
                .parameters(ChatRequestParameters.builder().toolSpecifications(weatherTool())
                        .toolChoice(ToolChoice.AUTO).maxOutputTokens(8).build()).build());
        assertTrue(Set.of(FinishReason.STOP, FinishReason.LENGTH, FinishReason.TOOL_EXECUTION)
                .contains(answer.finishReason()), answer.toString());
        assertTrue(answer.tokenUsage().inputTokenCount() > call.tokenUsage().inputTokenCount(),
                "the call and its result are read");
    }

    enum City { PARIS, LONDON }

    enum Unit { CELSIUS, FAHRENHEIT }

    /** The tool an AI service may call; it notes each call. */
    static final class WeatherTools {
        final List<String> calls = new CopyOnWriteArrayList<>();

        // IMMEDIATE: the service returns the tool's result instead of asking the model again, which with a required
        // tool choice would ask for another call, and another.
        @Tool(value = "The weather forecast for a city", returnBehavior = ReturnBehavior.IMMEDIATE)
        String forecast(City city, Unit unit, boolean hourly) {
            calls.add(city + " " + unit + " " + hourly);
            return "18 degrees";
        }
    }

    interface Forecaster {
        @dev.langchain4j.service.SystemMessage("You answer with the forecast tool.")
        Result<String> ask(String question);
    }

    @Test
    void anAiServiceCallsItsToolWithArgumentsItCanBind() throws Exception {
        ChatModel model = BedrockChatModel.builder().client(sync).modelId(MODEL_ID).maxRetries(0)
                .defaultRequestParameters(BedrockChatRequestParameters.builder().temperature(0.0)
                        .maxOutputTokens(120).toolChoice(ToolChoice.REQUIRED).build())
                .build();
        WeatherTools tools = new WeatherTools();
        Forecaster forecaster = AiServices.builder(Forecaster.class).chatModel(model).tools(tools).build();
        Result<String> result = forecaster.ask("Weather in Paris?");
        assertEquals(1, tools.calls.size(), String.valueOf(tools.calls));
        assertEquals(1, result.toolExecutions().size(), String.valueOf(result.toolExecutions()));
        assertEquals("forecast", result.toolExecutions().get(0).request().name());
        assertEquals("18 degrees", result.toolExecutions().get(0).result());
        FrameworkTestServer.assertValid("""
                {"type": "object",
                 "properties": {
                   "city": {"enum": ["PARIS", "LONDON"]},
                   "unit": {"enum": ["CELSIUS", "FAHRENHEIT"]},
                   "hourly": {"type": "boolean"}},
                 "required": ["city", "unit", "hourly"]}""", result.toolExecutions().get(0).request().arguments());
        assertNull(result.content(), "an immediate tool result ends the exchange");
        TokenUsage usage = result.tokenUsage();
        assertTrue(usage.inputTokenCount() > 0 && usage.outputTokenCount() > 0, String.valueOf(usage));
    }

    static ToolSpecification weatherTool() {
        return ToolSpecification.builder().name("get_weather").description("The weather forecast for a city")
                .parameters(JsonObjectSchema.builder()
                        .addEnumProperty("city", List.of("Paris", "London"))
                        .addEnumProperty("unit", List.of("celsius", "fahrenheit"))
                        .addBooleanProperty("hourly")
                        .required("city", "unit", "hourly").additionalProperties(false).build())
                .build();
    }

    private static void assertATextAnswer(ChatResponse response, int maxTokens) {
        assertFalse(response.aiMessage().text() == null || response.aiMessage().text().isEmpty(),
                response.toString());
        assertTrue(Set.of(FinishReason.STOP, FinishReason.LENGTH).contains(response.finishReason()),
                response.toString());
        TokenUsage usage = response.tokenUsage();
        assertTrue(usage.inputTokenCount() > 0, String.valueOf(usage));
        assertTrue(usage.outputTokenCount() > 0 && usage.outputTokenCount() <= maxTokens, String.valueOf(usage));
        assertEquals(usage.inputTokenCount() + usage.outputTokenCount(), usage.totalTokenCount());
    }
}
