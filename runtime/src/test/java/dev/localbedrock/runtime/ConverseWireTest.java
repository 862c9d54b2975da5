package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.codecs.eventstream.EventStreamDecoder;
import dev.localbedrock.codecs.eventstream.EventStreamMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Converse, ConverseStream and the Messages body on the wire, as raw HTTP: the routes, the rendered conversation
 * reaching the model, forced tool calls constrained to their schema, and errors. The SDKs' own view is in the
 * end-to-end tests of the clients.
 */
class ConverseWireTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final String WEATHER_TOOL = "{\"tools\":[{\"toolSpec\":{\"name\":\"get_weather\","
            + "\"inputSchema\":{\"json\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\","
            + "\"maxLength\":12},\"days\":{\"type\":\"integer\"}},\"required\":[\"city\",\"days\"]}}}}],"
            + "\"toolChoice\":{\"any\":{}}}";

    private static final String CLAUDE_3 = "anthropic.claude-3-haiku-20240307-v1:0";

    @TempDir
    static Path workDir;
    static BedrockService service;

    @BeforeAll
    static void start() throws Exception {
        String claude = "- id: " + CLAUDE_3 + "\n  source: " + TestServers.tinyLlama() + "\n  engine: pytorch\n"
                + "  max_context_tokens: 256\n";
        service = BedrockService.start(dev.localbedrock.runtime.catalog.CatalogLoader.load(
                TestServers.writeTinyLlamaCatalogue(workDir, "pytorch", "", "max_context_tokens: 256\n", claude)));
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    private static HttpResponse<byte[]> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.address().getPort() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode json(HttpResponse<byte[]> response) throws Exception {
        return JSON.readTree(response.body());
    }

    @Test
    void converseAnswersWithTheAssistantTurnAndUsage() throws Exception {
        HttpResponse<byte[]> r = post("/model/" + TestServers.LLAMA_ID + "/converse", "{\"messages\":[{\"role\":"
                + "\"user\",\"content\":[{\"text\":\"Hello\"}]},{\"role\":\"assistant\",\"content\":[{\"text\":"
                + "\"Hi\"}]},{\"role\":\"user\",\"content\":[{\"text\":\"Again\"}]}],\"system\":[{\"text\":"
                + "\"Be brief\"}],\"inferenceConfig\":{\"maxTokens\":6,\"temperature\":0}}");
        assertEquals(200, r.statusCode(), new String(r.body()));
        JsonNode body = json(r);
        assertEquals("assistant", body.at("/output/message/role").asText());
        assertTrue(body.at("/output/message/content/0/text").isTextual(), body.toString());
        assertTrue(body.at("/usage/inputTokens").asInt() > 10, "the rendered conversation: " + body);
        assertEquals(body.at("/usage/inputTokens").asInt() + body.at("/usage/outputTokens").asInt(),
                body.at("/usage/totalTokens").asInt());
        assertTrue(List.of("end_turn", "max_tokens").contains(body.get("stopReason").asText()), body.toString());
    }

    @Test
    void aForcedToolCallIsSchemaValidOnRandomWeights() throws Exception {
        for (int i = 0; i < 5; i++) {
            HttpResponse<byte[]> r = post("/model/" + TestServers.LLAMA_ID + "/converse", "{\"messages\":[{\"role\":"
                    + "\"user\",\"content\":[{\"text\":\"Weather in Oslo?\"}]}],\"inferenceConfig\":{\"maxTokens\":"
                    + "120},\"toolConfig\":" + WEATHER_TOOL + "}");
            assertEquals(200, r.statusCode(), new String(r.body()));
            JsonNode body = json(r);
            assertEquals("tool_use", body.get("stopReason").asText(), body.toString());
            JsonNode use = body.at("/output/message/content/0/toolUse");
            assertEquals("get_weather", use.get("name").asText());
            assertTrue(use.get("toolUseId").asText().startsWith("tooluse_"), use.toString());
            assertTrue(use.at("/input/city").isTextual() && use.at("/input/city").asText().length() <= 12, use.toString());
            assertTrue(use.at("/input/days").isIntegralNumber(), use.toString());
        }
    }

    @Test
    void structuredOutputHoldsTheAnswerToItsSchema() throws Exception {
        String schema = JSON.writeValueAsString("{\"type\":\"object\",\"properties\":{\"mood\":{\"enum\":"
                + "[\"happy\",\"sad\"]},\"score\":{\"type\":\"integer\"}},\"required\":[\"mood\",\"score\"]}");
        HttpResponse<byte[]> r = post("/model/" + TestServers.LLAMA_ID + "/converse", "{\"messages\":[{\"role\":"
                + "\"user\",\"content\":[{\"text\":\"How are you?\"}]}],\"inferenceConfig\":{\"maxTokens\":60},"
                + "\"outputConfig\":{\"textFormat\":{\"type\":\"json_schema\",\"structure\":{\"jsonSchema\":"
                + "{\"name\":\"mood\",\"schema\":" + schema + "}}}}}");
        assertEquals(200, r.statusCode(), new String(r.body()));
        JsonNode answer = JSON.readTree(json(r).at("/output/message/content/0/text").asText());
        assertTrue(List.of("happy", "sad").contains(answer.get("mood").asText()), answer.toString());
        assertTrue(answer.get("score").isIntegralNumber(), answer.toString());
        assertEquals(400, post("/model/" + TestServers.LLAMA_ID + "/converse", "{\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"text\":\"x\"}]}],\"outputConfig\":{\"textFormat\":{\"type\":\"json_schema\","
                + "\"structure\":{\"jsonSchema\":{\"schema\":\"{not json\"}}}}}").statusCode());
    }

    @Test
    void converseStreamSendsTheTurnsEvents() throws Exception {
        HttpResponse<byte[]> r = post("/model/" + TestServers.LLAMA_ID + "/converse-stream", "{\"messages\":[{\"role\":"
                + "\"user\",\"content\":[{\"text\":\"Weather?\"}]}],\"inferenceConfig\":{\"maxTokens\":120},"
                + "\"toolConfig\":" + WEATHER_TOOL + "}");
        assertEquals(200, r.statusCode(), new String(r.body()));
        List<String> types = new ArrayList<>();
        StringBuilder input = new StringBuilder();
        for (EventStreamMessage m : EventStreamDecoder.decodeAll(r.body())) {
            String type = m.header(":event-type");
            types.add(type);
            JsonNode payload = JSON.readTree(m.payload());
            if (type.equals("contentBlockDelta")) {
                input.append(payload.at("/delta/toolUse/input").asText());
            }
        }
        assertEquals("messageStart", types.get(0));
        assertEquals("contentBlockStart", types.get(1));
        assertEquals(List.of("contentBlockStop", "messageStop", "metadata"), types.subList(types.size() - 3,
                types.size()));
        JsonNode arguments = JSON.readTree(input.toString());
        assertTrue(arguments.get("city").isTextual() && arguments.get("days").isIntegralNumber(), input.toString());
    }

    @Test
    void claude3IdsTakeTheMessagesBodyOnInvokeModel() throws Exception {
        String body = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":80,\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"Weather?\"}],\"tools\":[{\"name\":\"get_weather\",\"input_schema\":"
                + "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"maxLength\":8}},"
                + "\"required\":[\"city\"]}}],\"tool_choice\":{\"type\":\"tool\",\"name\":\"get_weather\"}}";
        HttpResponse<byte[]> r = post("/model/" + CLAUDE_3 + "/invoke", body);
        assertEquals(200, r.statusCode(), new String(r.body()));
        JsonNode message = json(r);
        assertEquals(List.of("message", "assistant", "tool_use", "tool_use", "get_weather"), List.of(
                message.get("type").asText(), message.get("role").asText(), message.get("stop_reason").asText(),
                message.at("/content/0/type").asText(), message.at("/content/0/name").asText()), message.toString());
        assertTrue(message.at("/content/0/input/city").isTextual(), message.toString());
        assertEquals(String.valueOf(message.at("/usage/input_tokens").asInt()),
                r.headers().firstValue("X-Amzn-Bedrock-Input-Token-Count").orElse(""));

        HttpResponse<byte[]> stream = post("/model/" + CLAUDE_3 + "/invoke-with-response-stream", body);
        assertEquals(200, stream.statusCode(), new String(stream.body()));
        List<String> types = new ArrayList<>();
        for (EventStreamMessage m : EventStreamDecoder.decodeAll(stream.body())) {
            types.add(JSON.readTree(m.chunkBytes()).get("type").asText());
        }
        assertEquals("message_start", types.get(0));
        assertEquals(List.of("content_block_stop", "message_delta", "message_stop"),
                types.subList(types.size() - 3, types.size()), types.toString());
        // The completions body is not what a Claude 3 id takes.
        assertEquals(400, post("/model/" + CLAUDE_3 + "/invoke",
                "{\"prompt\":\"\\n\\nHuman: Hi\\n\\nAssistant:\",\"max_tokens_to_sample\":5}").statusCode());
    }

    @Test
    void badConversationsAreValidationErrors() throws Exception {
        HttpResponse<byte[]> r = post("/model/" + TestServers.LLAMA_ID + "/converse", "{\"messages\":[{\"role\":"
                + "\"assistant\",\"content\":[{\"text\":\"Hi\"}]}]}");
        assertEquals(400, r.statusCode());
        assertEquals("ValidationException", r.headers().firstValue("x-amzn-ErrorType").orElse("").split(":")[0]);
        HttpResponse<byte[]> missing = post("/model/meta.llama2-70b-chat-v1/converse", "{\"messages\":[]}");
        assertEquals(404, missing.statusCode());
    }
}
