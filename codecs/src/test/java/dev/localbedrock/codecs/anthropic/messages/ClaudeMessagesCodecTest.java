package dev.localbedrock.codecs.anthropic.messages;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.chat.ChatOutcome;
import dev.localbedrock.codecs.chat.ChatRequest;
import dev.localbedrock.codecs.chat.ChatStopReason;
import dev.localbedrock.codecs.chat.ChatStreamEncoder;
import dev.localbedrock.codecs.chat.ChatStreamEvent;
import dev.localbedrock.codecs.chat.ContentBlock;
import dev.localbedrock.codecs.chat.ToolChoice;
import dev.localbedrock.codecs.eventstream.EventStreamDecoder;
import dev.localbedrock.codecs.eventstream.EventStreamMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClaudeMessagesCodecTest {

    private final ClaudeMessagesCodec codec = new ClaudeMessagesCodec("anthropic.claude-3-haiku-20240307-v1:0");

    @Test
    void body() {
        ChatRequest r = decode("""
                {"anthropic_version":"bedrock-2023-05-31","max_tokens":200,"system":"Be brief.",
                "messages":[{"role":"user","content":"Weather?"},
                {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"w","input":{"c":"P"}}]},
                {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"21C"}]}],
                "temperature":0.3,"top_p":0.9,"top_k":40,"stop_sequences":["END"],
                "tools":[{"name":"w","description":"weather","input_schema":{"type":"object"}}],
                "tool_choice":{"type":"any"}}""");
        assertEquals(List.of("Be brief."), r.system());
        assertEquals(200, r.maxTokens());
        assertEquals(0.3f, r.sampling().temperature());
        assertEquals(40, r.sampling().topK());
        assertEquals(List.of("END"), r.stopSequences());
        assertEquals(ToolChoice.ANY, r.tools().choice());
        assertEquals(List.of(new ContentBlock.Text("21C")),
                ((ContentBlock.ToolResult) r.messages().get(2).content().get(0)).content());
    }

    @Test
    void defaults() {
        ChatRequest r = decode("{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}]}]}");
        assertEquals(1f, r.sampling().temperature());
        assertEquals(0.999f, r.sampling().topP());
        assertEquals(0, r.sampling().topK());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|#: required key [anthropic_version] not found",
            "{\"anthropic_version\":\"bedrock-2023-05-31\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|#: required key [max_tokens] not found",
            "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":5000,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|#/max_tokens: 5000 is not less or equal to 4096",
            "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":5,\"temperature\":2,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|#/temperature: 2 is not less or equal to 1",
            "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":5,\"prompt\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|#: extraneous key [prompt] is not permitted",
            "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":5}|#: required key [messages] not found",
            "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":5,\"messages\":[]}|messages: at least one message is required",
            "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":5,\"messages\":[{\"role\":\"assistant\",\"content\":\"x\"}]}|messages: first message must use the \"user\" role",
            "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"user\",\"content\":\"y\"}]}|roles must alternate between \"user\" and \"assistant\"",
            "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"\"}]}]}|messages.0.content.0: text content blocks must be non-empty",
            "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{}}]}]}|the image content block is not supported by this model",
            "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"name\":\"a b\",\"input_schema\":{\"type\":\"object\"}}]}|#/tools/0/name: string [a b] does not match pattern",
            "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"name\":\"a\",\"input_schema\":{\"type\":\"object\"}}],\"tool_choice\":{\"type\":\"tool\",\"name\":\"b\"}}|tool_choice.name: tool b is not one of the provided tools",
            "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"a\",\"input\":{}}]},{\"role\":\"user\",\"content\":\"y\"}]}|messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: t"})
    void validationErrors(String body, String expected) {
        BedrockException e = assertThrows(BedrockException.class, () -> decode(body));
        assertEquals(BedrockErrorType.VALIDATION, e.type());
        assertEquals(400, e.type().httpStatus());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void response() throws Exception {
        ChatRequest request = decode("{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        ChatOutcome outcome = new ChatOutcome(List.of(new ContentBlock.Text("Hi"),
                new ContentBlock.ToolUse("toolu_1", "w", Json.MAPPER.readTree("{\"c\":1}"))),
                ChatStopReason.TOOL_USE, null, 4, 6, 30);
        JsonNode r = Json.MAPPER.readTree(codec.encodeResponse(request, outcome));
        assertTrue(r.get("id").asText().startsWith("msg_bdrk_01"));
        ((com.fasterxml.jackson.databind.node.ObjectNode) r).remove("id");
        assertEquals(Json.MAPPER.readTree("""
                {"type":"message","role":"assistant","model":"claude-3-haiku-20240307",
                "content":[{"type":"text","text":"Hi"},{"type":"tool_use","id":"toolu_1","name":"w","input":{"c":1}}],
                "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":4,"output_tokens":6}}"""), r);
    }

    @Test
    void streamChunks() throws Exception {
        ChatStreamEncoder encoder = codec.openStream(null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ChatStreamEvent e : List.of(new ChatStreamEvent.MessageStart(4), new ChatStreamEvent.BlockStart(0, null,
                        null), new ChatStreamEvent.BlockDelta(0, "Hi"), new ChatStreamEvent.BlockStop(0),
                new ChatStreamEvent.BlockStart(1, "toolu_1", "w"), new ChatStreamEvent.BlockDelta(1, "{\"c\":1}"),
                new ChatStreamEvent.BlockStop(1), new ChatStreamEvent.MessageStop(ChatStopReason.TOOL_USE, null),
                new ChatStreamEvent.Metadata(4, 6, 30, 12))) {
            encoder.encode(e, out::writeBytes);
        }
        List<EventStreamMessage> messages = EventStreamDecoder.decodeAll(out.toByteArray());
        String[] expected = {
                null,
                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}",
                "{\"type\":\"content_block_stop\",\"index\":0}",
                "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
                        + "\"id\":\"toolu_1\",\"name\":\"w\",\"input\":{}}}",
                "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
                        + "\"partial_json\":\"{\\\"c\\\":1}\"}}",
                "{\"type\":\"content_block_stop\",\"index\":1}",
                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},"
                        + "\"usage\":{\"output_tokens\":6}}",
                "{\"type\":\"message_stop\",\"amazon-bedrock-invocationMetrics\":{\"inputTokenCount\":4,"
                        + "\"outputTokenCount\":6,\"invocationLatency\":30,\"firstByteLatency\":12}}"};
        assertEquals(expected.length, messages.size());
        JsonNode start = Json.MAPPER.readTree(messages.get(0).chunkBytes());
        assertEquals("message_start", start.get("type").asText());
        assertEquals(4, start.at("/message/usage/input_tokens").asInt());
        assertEquals("claude-3-haiku-20240307", start.at("/message/model").asText());
        for (int i = 1; i < expected.length; i++) {
            assertEquals("chunk", messages.get(i).eventType());
            assertEquals(Json.MAPPER.readTree(expected[i]), Json.MAPPER.readTree(messages.get(i).chunkBytes()));
        }
    }

    @Test
    void whichIdsTakeTheMessagesBody() {
        assertTrue(ClaudeMessagesCodec.takesMessagesBody("anthropic.claude-3-haiku-20240307-v1:0"));
        assertTrue(ClaudeMessagesCodec.takesMessagesBody("us.anthropic.claude-3-5-sonnet-20240620-v1:0"));
        assertFalse(ClaudeMessagesCodec.takesMessagesBody("anthropic.claude-v2:1"));
        assertFalse(ClaudeMessagesCodec.takesMessagesBody("anthropic.claude-instant-v1"));
        assertFalse(ClaudeMessagesCodec.takesMessagesBody("meta.llama2-13b-chat-v1"));
    }

    private ChatRequest decode(String body) {
        return codec.decodeRequest(body.getBytes(StandardCharsets.UTF_8));
    }
}
