package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.PayloadPart;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every family through the unchanged AWS SDK for Java v2: InvokeModel on the sync client (HTTP/1.1) and, where the
 * family streams, InvokeModelWithResponseStream on the async client (h2c). All text families run on one shared
 * tiny-random-llama, so greedy text is the same weights' text in each family's words: the streamed pieces must add up
 * to the unary text exactly, and each body must have its family's shape. The JavaScript SDK v3 (HTTP/2) runs the same
 * checks from {@code src/test/js/families-test.mjs}.
 */
class FamiliesSdkEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String TITAN = "amazon.titan-text-express-v1";
    static final String CLAUDE = "anthropic.claude-v2";
    static final String CLAUDE_STRICT = "acme.claude-strict-v1";
    static final String J2 = "ai21.j2-mid-v1";
    static final String COHERE = "cohere.command-text-v14";
    static final String COHERE_EMBED = "cohere.embed-english-v3";

    @TempDir
    static Path workDir;
    static BedrockService service;
    static BedrockRuntimeClient sync;
    static BedrockRuntimeAsyncClient async;

    @BeforeAll
    static void start() throws Exception {
        String tiny = TestServers.tinyLlama().toString();
        String more = """
                - id: %2$s
                  aliases: [amazon.titan-text-lite-v1]
                  source: %1$s
                  engine: pytorch
                  max_context_tokens: 256
                - id: %3$s
                  source: %1$s
                  engine: pytorch
                  max_context_tokens: 256
                - id: %4$s
                  family: anthropic-claude
                  strict_prompt_format: true
                  source: %1$s
                  engine: pytorch
                  max_context_tokens: 256
                - id: %5$s
                  source: %1$s
                  engine: pytorch
                  max_context_tokens: 256
                - id: %6$s
                  source: %1$s
                  engine: pytorch
                  max_context_tokens: 256
                - id: %7$s
                  source: builtin:all-MiniLM-L6-v2
                """.formatted(tiny, TITAN, CLAUDE, CLAUDE_STRICT, J2, COHERE, COHERE_EMBED);
        Path file = TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", "max_context_tokens: 256\n", more);
        service = BedrockService.start(CatalogLoader.load(file));
        sync = TestServers.syncClient(service);
        async = TestServers.asyncClient(service);
    }

    @AfterAll
    static void stop() throws Exception {
        TestServers.closeAll(sync, async, service);
    }

    private static JsonNode invoke(String modelId, String body) throws Exception {
        InvokeModelResponse r = sync.invokeModel(b -> b.modelId(modelId).contentType("application/json")
                .accept("application/json").body(SdkBytes.fromUtf8String(body)));
        assertTrue(Integer.parseInt(r.sdkHttpResponse().firstMatchingHeader("X-Amzn-Bedrock-Input-Token-Count")
                .orElseThrow()) > 0);
        return JSON.readTree(r.body().asUtf8String());
    }

    private static List<JsonNode> stream(String modelId, String body) throws Exception {
        List<JsonNode> chunks = new CopyOnWriteArrayList<>();
        InvokeModelWithResponseStreamResponseHandler handler = InvokeModelWithResponseStreamResponseHandler.builder()
                .subscriber(InvokeModelWithResponseStreamResponseHandler.Visitor.builder()
                        .onChunk((PayloadPart part) -> {
                            try {
                                chunks.add(JSON.readTree(part.bytes().asByteArray()));
                            } catch (Exception e) {
                                throw new AssertionError(e);
                            }
                        }).build())
                .build();
        async.invokeModelWithResponseStream(InvokeModelWithResponseStreamRequest.builder().modelId(modelId)
                .body(SdkBytes.fromUtf8String(body)).build(), handler).get(60, TimeUnit.SECONDS);
        assertFalse(chunks.isEmpty());
        return chunks;
    }

    private static void assertMetricsOnlyOnTheLast(List<JsonNode> chunks) {
        JsonNode metrics = chunks.get(chunks.size() - 1).get("amazon-bedrock-invocationMetrics");
        assertTrue(metrics != null && metrics.get("outputTokenCount").asInt() >= 0, chunks.toString());
        for (JsonNode c : chunks.subList(0, chunks.size() - 1)) {
            assertFalse(c.has("amazon-bedrock-invocationMetrics"), c.toString());
        }
    }

    @Test
    void theJavaScriptSdkDrivesEveryFamily() throws Exception {
        JsSdkEndToEndTest.installSdk();
        JsSdkEndToEndTest.Result node = JsSdkEndToEndTest.run(List.of("node", "families-test.mjs",
                "http://127.0.0.1:" + service.address().getPort()), 180);
        assertEquals(0, node.exit(), "node families-test.mjs failed:\n" + node.output());
        assertTrue(node.output().contains("all checks passed"), node.output());
    }

    @Test
    void titanText() throws Exception {
        String body = "{\"inputText\":\"User: Hello\\nBot:\",\"textGenerationConfig\":{\"temperature\":0,"
                + "\"topP\":0.9,\"maxTokenCount\":10}}";
        JsonNode unary = invoke(TITAN, body);
        assertTrue(unary.get("inputTextTokenCount").asInt() > 0);
        JsonNode result = unary.get("results").get(0);
        assertTrue(Set.of("FINISH", "LENGTH").contains(result.get("completionReason").asText()), unary.toString());
        assertTrue(result.get("tokenCount").asInt() <= 10);

        List<JsonNode> chunks = stream("amazon.titan-text-lite-v1", body);
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks) {
            text.append(c.get("outputText").asText());
            assertEquals(0, c.get("index").asInt());
        }
        assertEquals(result.get("outputText").asText(), text.toString());
        JsonNode last = chunks.get(chunks.size() - 1);
        assertEquals(result.get("completionReason").asText(), last.get("completionReason").asText());
        assertEquals(result.get("tokenCount").asInt(), last.get("totalOutputTextTokenCount").asInt());
        for (JsonNode c : chunks.subList(0, chunks.size() - 1)) {
            assertTrue(c.get("completionReason").isNull(), "only the last chunk says why it ended: " + c);
        }
        assertMetricsOnlyOnTheLast(chunks);
    }

    @Test
    void claudeTextCompletions() throws Exception {
        String body = "{\"prompt\":\"\\n\\nHuman: Hello\\n\\nAssistant:\",\"max_tokens_to_sample\":10,"
                + "\"temperature\":0,\"top_k\":250,\"top_p\":0.999,\"anthropic_version\":\"bedrock-2023-05-31\"}";
        JsonNode unary = invoke(CLAUDE, body);
        assertTrue(Set.of("stop_sequence", "max_tokens").contains(unary.get("stop_reason").asText()), unary.toString());
        assertTrue(unary.has("stop"));

        List<JsonNode> chunks = stream(CLAUDE, body);
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> text.append(c.get("completion").asText()));
        assertEquals(unary.get("completion").asText(), text.toString());
        assertEquals(unary.get("stop_reason").asText(), chunks.get(chunks.size() - 1).get("stop_reason").asText());
        assertMetricsOnlyOnTheLast(chunks);

        // What the frameworks send (one newline before Assistant:) passes the lenient default, not the strict entry.
        String framework = "{\"prompt\":\"Human: Hello\\nAssistant:\",\"max_tokens_to_sample\":4}";
        assertTrue(invoke(CLAUDE, framework).has("completion"));
        ValidationException strict = assertThrows(ValidationException.class, () -> invoke(CLAUDE_STRICT, framework));
        assertTrue(strict.getMessage().contains("\n\nHuman:"), strict.getMessage());
        // A prompt with no turns at all is refused by both, as Bedrock does.
        assertThrows(ValidationException.class,
                () -> invoke(CLAUDE, "{\"prompt\":\"Hello\",\"max_tokens_to_sample\":4}"));
    }

    @Test
    void jurassic2AnswersInvokeModelAndRefusesStreamingAsBedrockDoes() throws Exception {
        String body = "{\"prompt\":\"Translate to spanish: hello\",\"maxTokens\":10,\"temperature\":0,"
                + "\"countPenalty\":{\"scale\":0.5,\"applyToNumbers\":false}}";
        JsonNode unary = invoke(J2, body);
        JsonNode completion = unary.get("completions").get(0);
        assertTrue(completion.get("data").get("text").isTextual());
        assertTrue(Set.of("endoftext", "length", "stop").contains(completion.get("finishReason").get("reason")
                .asText()), unary.toString());
        assertTrue(completion.get("data").get("tokens").size() <= 10);

        ExecutionException e = assertThrows(ExecutionException.class, () -> stream(J2, body));
        assertInstanceOf(ValidationException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("The model is unsupported for streaming."));
    }

    @Test
    void cohereCommand() throws Exception {
        String body = "{\"prompt\":\"How do you tie a tie?\",\"max_tokens\":10,\"temperature\":0,\"p\":0.5}";
        JsonNode unary = invoke(COHERE, body);
        JsonNode generation = unary.get("generations").get(0);
        assertTrue(Set.of("COMPLETE", "MAX_TOKENS").contains(generation.get("finish_reason").asText()));
        assertEquals("How do you tie a tie?", unary.get("prompt").asText(), "the prompt is echoed");

        List<JsonNode> chunks = stream(COHERE, body.replace("{", "{\"stream\":true,"));
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks) {
            assertTrue(c.has("is_finished"), "every chunk says whether more follows: " + c);
            if (c.has("text")) {
                text.append(c.get("text").asText());
            }
        }
        JsonNode last = chunks.get(chunks.size() - 1);
        assertTrue(last.get("is_finished").asBoolean());
        assertEquals(generation.get("finish_reason").asText(), last.get("finish_reason").asText());
        assertEquals(generation.get("text").asText(), text.toString());
        assertMetricsOnlyOnTheLast(chunks);

        // Two generations: the stream says which one each piece belongs to.
        List<JsonNode> two = stream(COHERE, "{\"prompt\":\"Hi\",\"max_tokens\":4,\"num_generations\":2}");
        assertTrue(two.stream().allMatch(c -> c.has("index")), two.toString());
        assertEquals(Set.of(0, 1), Set.copyOf(two.stream().map(c -> c.get("index").asInt()).toList()));
        assertEquals(2, invoke(COHERE, "{\"prompt\":\"Hi\",\"max_tokens\":4,\"num_generations\":2,"
                + "\"return_likelihoods\":\"GENERATION\"}").get("generations").size());
    }

    @Test
    void cohereEmbed() throws Exception {
        JsonNode floats = invoke(COHERE_EMBED, "{\"texts\":[\"hello\",\"world\"],\"input_type\":\"search_document\"}");
        assertEquals("embeddings_floats", floats.get("response_type").asText());
        assertEquals(2, floats.get("embeddings").size());
        assertEquals(384, floats.get("embeddings").get(0).size());
        assertEquals("world", floats.get("texts").get(1).asText());

        JsonNode byType = invoke(COHERE_EMBED, "{\"texts\":[\"hello\"],\"input_type\":\"search_query\","
                + "\"embedding_types\":[\"float\",\"int8\",\"ubinary\"]}");
        assertEquals("embeddings_by_type", byType.get("response_type").asText());
        assertEquals(384, byType.get("embeddings").get("int8").get(0).size());
        assertEquals(384 / 8, byType.get("embeddings").get("ubinary").get(0).size());

        assertThrows(ValidationException.class,
                () -> invoke(COHERE_EMBED, "{\"texts\":[\"hello\"],\"input_type\":\"poetry\"}"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> stream(COHERE_EMBED,
                "{\"texts\":[\"a\"],\"input_type\":\"clustering\"}"));
        assertInstanceOf(ValidationException.class, e.getCause(), "embeddings do not stream");
    }
}
