package dev.localbedrock.codecs.converse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.ChatFamilies;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.chat.ChatOutcome;
import dev.localbedrock.codecs.chat.ChatRequest;
import dev.localbedrock.codecs.chat.ChatRole;
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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConverseCodecTest {

    private final ConverseCodec llama = ChatFamilies.converse("meta-llama2", 512, 2048);
    private final ConverseCodec claude = ChatFamilies.converse("anthropic-claude", 2048, 4096);

    /** The body the AWS SDK for Java v2 sends for a system prompt, two turns and every inferenceConfig member. */
    private static final String SDK_BODY = """
            {"messages":[{"role":"user","content":[{"text":"Hi"}]},{"role":"assistant","content":[{"text":"Hello"}]},\
            {"role":"user","content":[{"text":"Weather?"}]}],"system":[{"text":"Be brief."}],\
            "inferenceConfig":{"maxTokens":100,"temperature":0.2,"topP":0.8,"stopSequences":["\\n\\nUser:"]}}""";

    @Test
    void sdkBody() {
        ChatRequest r = llama.decodeRequest(SDK_BODY.getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("Be brief."), r.system());
        assertEquals(3, r.messages().size());
        assertEquals(ChatRole.ASSISTANT, r.messages().get(1).role());
        assertEquals("Weather?", r.messages().get(2).text());
        assertEquals(100, r.maxTokens());
        assertEquals(0.2f, r.sampling().temperature());
        assertEquals(0.8f, r.sampling().topP());
        assertEquals(List.of("\n\nUser:"), r.stopSequences());
        assertNull(r.tools());
    }

    @Test
    void defaultsComeFromTheFamilyAndTheModel() {
        ChatRequest r = decode(llama, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}]}");
        assertEquals(512, r.maxTokens());
        assertEquals(0.5f, r.sampling().temperature());
        assertEquals(0.9f, r.sampling().topP());
        assertEquals(0, r.sampling().topK());
        ChatRequest c = decode(claude, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}]}");
        assertEquals(250, c.sampling().topK());
        assertEquals(2048, c.maxTokens());
    }

    @Test
    void topKTravelsInAdditionalFields() {
        ChatRequest r = decode(claude, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],"
                + "\"additionalModelRequestFields\":{\"top_k\":40}}");
        assertEquals(40, r.sampling().topK());
    }

    @Test
    void toolsAndToolTurns() {
        String body = """
                {"messages":[{"role":"user","content":[{"text":"Weather in Paris?"}]},
                {"role":"assistant","content":[{"toolUse":{"toolUseId":"tooluse_1","name":"get_weather",
                "input":{"city":"Paris"}}}]},
                {"role":"user","content":[{"toolResult":{"toolUseId":"tooluse_1","content":[{"json":{"c":21}},
                {"text":"sunny"}],"status":"success"}}]}],
                "toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","description":"Weather",
                "inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"}},
                "required":["city"]}}}}],"toolChoice":{"tool":{"name":"get_weather"}}}}""";
        ChatRequest r = decode(llama, body);
        assertEquals(ToolChoice.tool("get_weather"), r.tools().choice());
        assertEquals("object", r.tools().tool("get_weather").inputSchema().get("type").asText());
        ContentBlock.ToolUse use = (ContentBlock.ToolUse) r.messages().get(1).content().get(0);
        assertEquals("Paris", use.input().get("city").asText());
        ContentBlock.ToolResult result = (ContentBlock.ToolResult) r.messages().get(2).content().get(0);
        assertEquals(2, result.content().size());
        assertFalse(result.error());
        assertEquals(ToolChoice.ANY, decode(llama, body.replace("{\"tool\":{\"name\":\"get_weather\"}}",
                "{\"any\":{}}")).tools().choice());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{}|1 validation error detected: Value null at 'messages' failed to satisfy constraint: Member must not be null",
            "{\"messages\":[]}|A conversation must start with a user message. Try again with a conversation that starts with a user message.",
            "{\"messages\":[{\"role\":\"assistant\",\"content\":[{\"text\":\"x\"}]}]}|A conversation must start with a user message.",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]},{\"role\":\"user\",\"content\":[{\"text\":\"y\"}]}]}|A conversation must alternate between user and assistant roles.",
            "{\"messages\":[{\"role\":\"user\",\"content\":[]}]}|The content field in the Message object at messages.0 is empty.",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\" \"}]}]}|The text field in the ContentBlock object at messages.0.content.0 is blank.",
            "{\"messages\":[{\"role\":\"system\",\"content\":[{\"text\":\"x\"}]}]}|Value 'system' at 'messages.1.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"image\":{\"format\":\"png\",\"source\":{\"bytes\":\"AA==\"}}}]}]}|The image content block at messages.0.content.0 is not supported by this model.",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"document\":{}}]}]}|The document content block at messages.0.content.0 is not supported by this model.",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\",\"image\":{}}]}]}|at 'messages.1.member.content.1.member' failed to satisfy constraint: Member must set exactly one of its union members",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"inferenceConfig\":{\"maxTokens\":0}}|1 validation error detected: Value '0' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"inferenceConfig\":{\"maxTokens\":4097}}|The maximum tokens you requested exceeds the model limit of 2048.",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"inferenceConfig\":{\"temperature\":1.5}}|Value '1.5' at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value less than or equal to 1",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"inferenceConfig\":{\"topP\":-0.1}}|Value '-0.1' at 'inferenceConfig.topP' failed to satisfy constraint: Member must have value greater than or equal to 0",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"inferenceConfig\":{\"stopSequences\":[\"\"]}}|Value '' at 'inferenceConfig.stopSequences.1.member' failed to satisfy constraint: Member must have length greater than or equal to 1",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"inferenceConfig\":{\"maxTokens\":0,\"temperature\":2}}|2 validation errors detected: Value '0' at 'inferenceConfig.maxTokens'",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"additionalModelRequestFields\":{\"top_k\":5}}|The model returned the following errors: Malformed input request: #: extraneous key [top_k] is not permitted, please reformat your input and try again.",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"toolConfig\":{\"tools\":[]}}|Value '[]' at 'toolConfig.tools' failed to satisfy constraint: Member must have length greater than or equal to 1",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"toolConfig\":{\"tools\":[{\"toolSpec\":{\"name\":\"a b\",\"inputSchema\":{\"json\":{\"type\":\"object\"}}}}]}}|Value 'a b' at 'toolConfig.tools.1.member.toolSpec.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"toolConfig\":{\"tools\":[{\"toolSpec\":{\"name\":\"a\",\"inputSchema\":{\"json\":{\"type\":\"string\"}}}}]}}|The inputSchema.json of toolConfig.tools.0 is not a JSON schema of type object.",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"toolConfig\":{\"tools\":[{\"toolSpec\":{\"name\":\"a\",\"inputSchema\":{\"json\":{\"type\":\"object\"}}}}],\"toolChoice\":{\"tool\":{\"name\":\"b\"}}}}|toolConfig.toolChoice.tool.name 'b' is not one of the tools in toolConfig.tools.",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]},{\"role\":\"assistant\",\"content\":[{\"toolUse\":{\"toolUseId\":\"t1\",\"name\":\"a\",\"input\":{}}}]}]}|The toolConfig field must be defined when using toolUse and toolResult content blocks.",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"guardrailConfig\":{\"guardrailIdentifier\":\"g\",\"guardrailVersion\":\"1\"}}|guardrailConfig is not supported by this model",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"additionalModelResponseFieldPaths\":[\"stop_sequence\"]}|is not a JSON Pointer",
            "[1]|The request body is not a JSON object.",
            "{|The request body is not valid JSON."})
    void validationErrors(String body, String expected) {
        BedrockException e = assertThrows(BedrockException.class, () -> decode(llama, body));
        assertEquals(BedrockErrorType.VALIDATION, e.type());
        assertEquals(400, e.type().httpStatus());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void toolResultsMustAnswerTheCalls() {
        String tools = ",\"toolConfig\":{\"tools\":[{\"toolSpec\":{\"name\":\"a\",\"inputSchema\":{\"json\":"
                + "{\"type\":\"object\"}}}}]}";
        String call = "{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]},{\"role\":\"assistant\",\"content\":"
                + "[{\"toolUse\":{\"toolUseId\":\"t1\",\"name\":\"a\",\"input\":{}}}]}";
        BedrockException missing = assertThrows(BedrockException.class, () -> decode(llama, "{\"messages\":[" + call
                + ",{\"role\":\"user\",\"content\":[{\"text\":\"y\"}]}]" + tools + "}"));
        assertEquals("Expected toolResult blocks at messages.2.content for the following Ids: t1",
                missing.getMessage());
        BedrockException extra = assertThrows(BedrockException.class, () -> decode(llama, "{\"messages\":[" + call
                + ",{\"role\":\"user\",\"content\":[{\"toolResult\":{\"toolUseId\":\"t1\",\"content\":[]}},"
                + "{\"toolResult\":{\"toolUseId\":\"t2\",\"content\":[]}}]}]" + tools + "}"));
        assertTrue(extra.getMessage().startsWith("The number of toolResult blocks at messages.2.content exceeds"),
                extra.getMessage());
    }

    @Test
    void response() throws Exception {
        ChatRequest request = new ChatRequest(List.of(), List.of(new dev.localbedrock.codecs.chat.ChatMessage(
                ChatRole.USER, List.of(new ContentBlock.Text("x")))), 10,
                dev.localbedrock.codecs.inference.SamplingParameters.greedy(), List.of("END"), null,
                List.of("/stop_sequence", "/unknown"));
        ChatOutcome outcome = new ChatOutcome(List.of(new ContentBlock.Text("Hi"), new ContentBlock.ToolUse("tooluse_a",
                "f", Json.MAPPER.readTree("{\"q\":1}"))), ChatStopReason.STOP_SEQUENCE, "END", 7, 3, 42);
        JsonNode r = Json.MAPPER.readTree(llama.encodeResponse(request, outcome));
        JsonNode expected = Json.MAPPER.readTree("""
                {"output":{"message":{"role":"assistant","content":[{"text":"Hi"},
                {"toolUse":{"toolUseId":"tooluse_a","name":"f","input":{"q":1}}}]}},"stopReason":"stop_sequence",
                "usage":{"inputTokens":7,"outputTokens":3,"totalTokens":10},"metrics":{"latencyMs":42},
                "additionalModelResponseFields":{"stop_sequence":"END"}}""");
        assertEquals(expected, r);
    }

    @Test
    void streamFrames() throws Exception {
        ChatRequest request = decode(llama, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}]}");
        ChatStreamEncoder encoder = llama.openStream(request);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ChatStreamEvent e : List.of(new ChatStreamEvent.MessageStart(5), new ChatStreamEvent.BlockStart(0, null,
                        null), new ChatStreamEvent.BlockDelta(0, "Hel"), new ChatStreamEvent.BlockDelta(0, "lo"),
                new ChatStreamEvent.BlockStop(0), new ChatStreamEvent.BlockStart(1, "tooluse_x", "f"),
                new ChatStreamEvent.BlockDelta(1, "{\"q\":"), new ChatStreamEvent.BlockDelta(1, "1}"),
                new ChatStreamEvent.BlockStop(1), new ChatStreamEvent.MessageStop(ChatStopReason.TOOL_USE, null),
                new ChatStreamEvent.Metadata(5, 9, 77))) {
            encoder.encode(e, out::writeBytes);
        }
        List<EventStreamMessage> messages = EventStreamDecoder.decodeAll(out.toByteArray());
        String[][] expected = {
                {"messageStart", "{\"role\":\"assistant\"}"},
                {"contentBlockDelta", "{\"delta\":{\"text\":\"Hel\"},\"contentBlockIndex\":0}"},
                {"contentBlockDelta", "{\"delta\":{\"text\":\"lo\"},\"contentBlockIndex\":0}"},
                {"contentBlockStop", "{\"contentBlockIndex\":0}"},
                {"contentBlockStart", "{\"start\":{\"toolUse\":{\"toolUseId\":\"tooluse_x\",\"name\":\"f\"}},"
                        + "\"contentBlockIndex\":1}"},
                {"contentBlockDelta", "{\"delta\":{\"toolUse\":{\"input\":\"{\\\"q\\\":\"}},\"contentBlockIndex\":1}"},
                {"contentBlockDelta", "{\"delta\":{\"toolUse\":{\"input\":\"1}\"}},\"contentBlockIndex\":1}"},
                {"contentBlockStop", "{\"contentBlockIndex\":1}"},
                {"messageStop", "{\"stopReason\":\"tool_use\"}"},
                {"metadata", "{\"usage\":{\"inputTokens\":5,\"outputTokens\":9,\"totalTokens\":14},"
                        + "\"metrics\":{\"latencyMs\":77}}"}};
        assertEquals(expected.length, messages.size());
        for (int i = 0; i < expected.length; i++) {
            EventStreamMessage m = messages.get(i);
            assertEquals("event", m.messageType());
            assertEquals(expected[i][0], m.eventType());
            assertEquals("application/json", m.header(":content-type"));
            assertEquals(Json.MAPPER.readTree(expected[i][1]), Json.MAPPER.readTree(m.payload()), expected[i][0]);
        }
    }

    @Test
    void toolUseIdsMatchTheServicePattern() {
        String id = ConverseCodec.newToolUseId();
        assertTrue(ConverseRequestReader.TOOL_USE_ID.matcher(id).matches() && id.length() <= 64, id);
    }

    private static ChatRequest decode(ConverseCodec codec, String body) {
        return codec.decodeRequest(body.getBytes(StandardCharsets.UTF_8));
    }
}
