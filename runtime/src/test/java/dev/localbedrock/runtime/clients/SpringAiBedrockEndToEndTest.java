package dev.localbedrock.runtime.clients;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.BedrockService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.bedrock.anthropic.AnthropicChatOptions;
import org.springframework.ai.bedrock.anthropic.BedrockAnthropicChatModel;
import org.springframework.ai.bedrock.anthropic.api.AnthropicChatBedrockApi;
import org.springframework.ai.bedrock.cohere.BedrockCohereChatModel;
import org.springframework.ai.bedrock.cohere.BedrockCohereChatOptions;
import org.springframework.ai.bedrock.cohere.BedrockCohereEmbeddingModel;
import org.springframework.ai.bedrock.cohere.BedrockCohereEmbeddingOptions;
import org.springframework.ai.bedrock.cohere.api.CohereChatBedrockApi;
import org.springframework.ai.bedrock.cohere.api.CohereEmbeddingBedrockApi;
import org.springframework.ai.bedrock.jurassic2.BedrockAi21Jurassic2ChatModel;
import org.springframework.ai.bedrock.jurassic2.BedrockAi21Jurassic2ChatOptions;
import org.springframework.ai.bedrock.jurassic2.api.Ai21Jurassic2ChatBedrockApi;
import org.springframework.ai.bedrock.llama.BedrockLlamaChatModel;
import org.springframework.ai.bedrock.llama.BedrockLlamaChatOptions;
import org.springframework.ai.bedrock.llama.api.LlamaChatBedrockApi;
import org.springframework.ai.bedrock.titan.BedrockTitanChatModel;
import org.springframework.ai.bedrock.titan.BedrockTitanChatOptions;
import org.springframework.ai.bedrock.titan.BedrockTitanEmbeddingModel;
import org.springframework.ai.bedrock.titan.api.TitanChatBedrockApi;
import org.springframework.ai.bedrock.titan.api.TitanEmbeddingBedrockApi;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.StreamingChatModel;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.ModelOptionsUtils;
import software.amazon.awssdk.regions.Region;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spring AI's Bedrock integration (spring-ai-bedrock 1.0.0-M5, the last release with its per-family InvokeModel chat
 * APIs; 1.0.0-M6 kept only the embedding ones) against the real server, through its plain API classes, no Spring
 * context. Those classes build their own AWS SDK clients from static credentials and a region, with no endpoint
 * parameter: the endpoint comes the SDK's standard way, the {@code aws.endpointUrlBedrockRuntime} system property
 * (or the AWS_ENDPOINT_URL_BEDROCK_RUNTIME environment variable), as a Spring application would set it. Each case
 * records the body the framework wrote (through the ObjectMapper it is given) and sends it with a plain client:
 * what the framework returns must be what the server answered.
 */
class SpringAiBedrockEndToEndTest {
    private static final String ENDPOINT_PROPERTY = "aws.endpointUrlBedrockRuntime";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    static Path workDir;
    static BedrockService service;
    static RecordingClients clients;
    static String previousEndpoint;
    static final RecordingMapper mapper = new RecordingMapper();

    /** Spring AI's own mapper, noting each request body it writes. */
    static final class RecordingMapper extends ObjectMapper {
        final List<String> bodies = new CopyOnWriteArrayList<>();

        RecordingMapper() {
            super(ModelOptionsUtils.OBJECT_MAPPER);
        }

        @Override
        public String writeValueAsString(Object value) throws JsonProcessingException {
            String json = super.writeValueAsString(value);
            bodies.add(json);
            return json;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        service = ClientTestServer.start(workDir);
        clients = new RecordingClients(service);
        previousEndpoint = System.getProperty(ENDPOINT_PROPERTY);
        System.setProperty(ENDPOINT_PROPERTY, ClientTestServer.endpoint(service).toString());
    }

    @AfterAll
    static void stop() {
        if (previousEndpoint == null) {
            System.clearProperty(ENDPOINT_PROPERTY);
        } else {
            System.setProperty(ENDPOINT_PROPERTY, previousEndpoint);
        }
        if (clients != null) {
            clients.close();
        }
        if (service != null) {
            service.close();
        }
    }

    @BeforeEach
    void clearRecording() {
        mapper.bodies.clear();
    }

    @Test
    void llamaChatModelSyncAndStreaming() throws Exception {
        var api = new LlamaChatBedrockApi(ServedFamily.META_LLAMA2.modelId, RecordingClients.credentials(),
                Region.US_EAST_1, mapper, TIMEOUT);
        var model = new BedrockLlamaChatModel(api, BedrockLlamaChatOptions.builder().temperature(0.0).maxGenLen(12)
                .build());
        JsonNode wire = chatAndStreamAgreeWithTheServer(model, model, ServedFamily.META_LLAMA2,
                r -> r.get("generation").asText());
        ChatResponse response = model.call(new Prompt("Hello world"));
        // This version keeps the token counts in the generation's metadata, under "usage".
        Usage usage = response.getResult().getMetadata().get("usage");
        assertEquals(wire.get("prompt_token_count").asLong(), usage.getPromptTokens());
        assertEquals(wire.get("generation_token_count").asLong(), usage.getGenerationTokens());
        assertEquals(wire.get("stop_reason").asText(),
                response.getResult().getMetadata().getFinishReason().toLowerCase());
    }

    @Test
    void llamaApiStreamCarriesTheInvocationMetricsOnTheLastChunk() {
        var api = new LlamaChatBedrockApi(ServedFamily.META_LLAMA2.modelId, RecordingClients.credentials(),
                Region.US_EAST_1, mapper, TIMEOUT);
        var request = LlamaChatBedrockApi.LlamaChatRequest.builder("Hello world").temperature(0.0).maxGenLen(12)
                .build();
        LlamaChatBedrockApi.LlamaChatResponse unary = api.chatCompletion(request);
        List<LlamaChatBedrockApi.LlamaChatResponse> chunks = api.chatCompletionStream(request).collectList()
                .block(TIMEOUT);
        assertFalse(chunks.isEmpty());
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> text.append(c.generation()));
        assertEquals(unary.generation(), text.toString());
        for (int i = 0; i < chunks.size() - 1; i++) {
            assertNull(chunks.get(i).stopReason(), "only the last chunk has a stop reason");
            assertNull(chunks.get(i).amazonBedrockInvocationMetrics(), "only the last chunk has the metrics");
        }
        var last = chunks.get(chunks.size() - 1);
        assertEquals(unary.stopReason(), last.stopReason());
        var metrics = last.amazonBedrockInvocationMetrics();
        assertEquals(unary.promptTokenCount().longValue(), metrics.inputTokenCount());
        assertEquals(unary.generationTokenCount().longValue(), metrics.outputTokenCount());
        assertTrue(metrics.firstByteLatency() <= metrics.invocationLatency(), metrics.toString());
    }

    @Test
    void titanEmbeddingModel() throws Exception {
        var api = new TitanEmbeddingBedrockApi(ServedFamily.AMAZON_TITAN_EMBED.modelId,
                RecordingClients.credentials(), Region.US_EAST_1, mapper, TIMEOUT);
        var model = new BedrockTitanEmbeddingModel(api).withInputType(BedrockTitanEmbeddingModel.InputType.TEXT);
        List<float[]> vectors = model.embed(List.of("a cat", "a kitten"));
        assertEquals(2, mapper.bodies.size(), "Titan embeds one text per call: " + mapper.bodies);
        for (int i = 0; i < 2; i++) {
            JsonNode direct = JSON.readTree(clients.invokeDirectly(ServedFamily.AMAZON_TITAN_EMBED.modelId,
                    mapper.bodies.get(i)));
            assertArrayEquals(floats(direct.get("embedding")), vectors.get(i), "text " + i);
        }
        assertEquals(384, vectors.get(0).length);
    }

    @Test
    void titanChatModelSyncAndStreaming() throws Exception {
        var api = new TitanChatBedrockApi(ServedFamily.AMAZON_TITAN_TEXT.modelId, RecordingClients.credentials(),
                Region.US_EAST_1, mapper, TIMEOUT);
        var model = new BedrockTitanChatModel(api, BedrockTitanChatOptions.builder().withTemperature(0.0)
                .withMaxTokenCount(12).build());
        chatAndStreamAgreeWithTheServer(model, model, ServedFamily.AMAZON_TITAN_TEXT,
                r -> r.get("results").get(0).get("outputText").asText());
    }

    @Test
    void anthropicChatModelSyncAndStreaming() throws Exception {
        var api = new AnthropicChatBedrockApi(ServedFamily.ANTHROPIC_CLAUDE.modelId, RecordingClients.credentials(),
                Region.US_EAST_1, mapper, TIMEOUT);
        var model = new BedrockAnthropicChatModel(api, AnthropicChatOptions.builder().temperature(0.0)
                .maxTokensToSample(12).build());
        chatAndStreamAgreeWithTheServer(model, model, ServedFamily.ANTHROPIC_CLAUDE,
                r -> r.get("completion").asText());
    }

    @Test
    void cohereChatModelSyncAndStreaming() throws Exception {
        var api = new CohereChatBedrockApi(ServedFamily.COHERE_COMMAND.modelId, RecordingClients.credentials(),
                Region.US_EAST_1, mapper, TIMEOUT);
        var model = new BedrockCohereChatModel(api, BedrockCohereChatOptions.builder().temperature(0.0)
                .maxTokens(12).build());
        chatAndStreamAgreeWithTheServer(model, model, ServedFamily.COHERE_COMMAND,
                r -> r.get("generations").get(0).get("text").asText());
    }

    @Test
    void jurassic2ChatModel() throws Exception {
        var api = new Ai21Jurassic2ChatBedrockApi(ServedFamily.AI21_J2.modelId, RecordingClients.credentials(),
                Region.US_EAST_1, mapper, TIMEOUT);
        var model = new BedrockAi21Jurassic2ChatModel(api, BedrockAi21Jurassic2ChatOptions.builder()
                .temperature(0.0).maxTokens(12).build());
        chatAndStreamAgreeWithTheServer(model, null, ServedFamily.AI21_J2,
                r -> r.get("completions").get(0).get("data").get("text").asText());
    }

    @Test
    void cohereEmbeddingModel() throws Exception {
        var api = new CohereEmbeddingBedrockApi(ServedFamily.COHERE_EMBED.modelId, RecordingClients.credentials(),
                Region.US_EAST_1, mapper, TIMEOUT);
        var model = new BedrockCohereEmbeddingModel(api, BedrockCohereEmbeddingOptions.builder()
                .inputType(CohereEmbeddingBedrockApi.CohereEmbeddingRequest.InputType.SEARCH_DOCUMENT).build());
        List<float[]> vectors = model.embed(List.of("a cat", "a kitten"));
        JsonNode direct = JSON.readTree(clients.invokeDirectly(ServedFamily.COHERE_EMBED.modelId,
                mapper.bodies.get(0)));
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(floats(direct.get("embeddings").get(i)), vectors.get(i), "text " + i);
        }
    }

    /**
     * Calls {@code model}, sends the body it wrote with the plain client and checks the framework's text is the
     * server's; then streams the same prompt (where {@code streaming} is given) and checks the chunks add up to that
     * text. Returns the server's own answer.
     */
    private static JsonNode chatAndStreamAgreeWithTheServer(ChatModel model, StreamingChatModel streaming,
                                                            ServedFamily family, Function<JsonNode, String> text)
            throws Exception {
        String answer = model.call(new Prompt("Hello world")).getResult().getOutput().getContent();
        assertEquals(1, mapper.bodies.size(), String.valueOf(mapper.bodies));
        String body = mapper.bodies.get(0);
        JsonNode direct = JSON.readTree(clients.invokeDirectly(family.modelId, body));
        assertFalse(text.apply(direct).isEmpty(), direct.toString());
        assertEquals(text.apply(direct), answer, "the framework's text is the server's (body " + body + ")");
        if (streaming != null) {
            List<ChatResponse> chunks = streaming.stream(new Prompt("Hello world")).collectList().block(TIMEOUT);
            StringBuilder streamed = new StringBuilder();
            chunks.forEach(c -> {
                String piece = c.getResult() == null ? null : c.getResult().getOutput().getContent();
                streamed.append(piece == null ? "" : piece);
            });
            assertEquals(answer, streamed.toString(), "streamed in " + chunks.size() + " chunks");
        }
        return direct;
    }

    private static float[] floats(JsonNode array) {
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = array.get(i).floatValue();
        }
        return v;
    }
}
