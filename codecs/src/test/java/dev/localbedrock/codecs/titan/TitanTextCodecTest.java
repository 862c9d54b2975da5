package dev.localbedrock.codecs.titan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.CodecOptions;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.TextFamilies;
import dev.localbedrock.codecs.eventstream.EventStreamDecoder;
import dev.localbedrock.codecs.eventstream.EventStreamMessage;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.InvocationMetrics;
import dev.localbedrock.codecs.inference.StopReason;
import dev.localbedrock.codecs.inference.StreamChunk;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TitanTextCodecTest {

    private static final List<String> CHUNK_KEYS = List.of("outputText", "index", "totalOutputTextTokenCount",
            "completionReason", "inputTextTokenCount");

    private final TitanTextCodec codec = new TitanTextCodec();

    // --- requests ---

    @Test
    void registeredUnderItsFamilyName() {
        assertEquals("amazon-titan-text", codec.family());
        assertInstanceOf(TitanTextCodec.class, TextFamilies.forName("amazon-titan-text"));
        assertSame(codec, codec.configured(new CodecOptions(true)), "Titan has nothing to configure");
        assertTrue(codec.streams());
    }

    @Test
    void specExampleBodyDecodes() {
        // bedrock-spec §2.3's request shape with every field filled in.
        TextGenerationRequest request = decode("""
                {
                    "inputText": "User: Write a haiku about rivers\\nBot:",
                    "textGenerationConfig": {
                        "temperature": 0.5,
                        "topP": 0.9,
                        "maxTokenCount": 300,
                        "stopSequences": ["User:"]
                    }
                }""");
        assertEquals("User: Write a haiku about rivers\nBot:", request.prompt());
        assertEquals(0.5f, request.sampling().temperature());
        assertEquals(0.9f, request.sampling().topP());
        assertEquals(0, request.sampling().topK(), "Titan has no top-k");
        assertNull(request.sampling().seed());
        assertEquals(300, request.maxTokens());
        assertEquals(List.of("User:"), request.stopSequences());
        assertEquals(1, request.numGenerations());
    }

    @Test
    void defaultsAreGreedyWith512Tokens() {
        for (String body : new String[] {"{\"inputText\":\"Hi\"}", "{\"inputText\":\"Hi\",\"textGenerationConfig\":{}}",
                "{\"inputText\":\"Hi\",\"textGenerationConfig\":null}",
                "{\"inputText\":\"Hi\",\"textGenerationConfig\":{\"temperature\":null,\"topP\":null,"
                        + "\"maxTokenCount\":null,\"stopSequences\":null}}"}) {
            TextGenerationRequest request = decode(body);
            assertEquals("Hi", request.prompt());
            assertTrue(request.sampling().isGreedy(), body);
            assertEquals(1f, request.sampling().topP(), body);
            assertEquals(512, request.maxTokens(), body);
            assertEquals(List.of(), request.stopSequences(), body);
        }
    }

    @Test
    void frameworkBodiesValidate() {
        // Spring AI / LangChain4j / SDK samples: temperature 0.8, topP 0.9, maxTokenCount 512; LangChain4j writes
        // "stopSequences": null when none were set and LangChain4j's defaults are temperature 1, topP 0.999, 300.
        TextGenerationRequest spring = decode("{\"inputText\":\"x\",\"textGenerationConfig\":{\"temperature\":0.8,"
                + "\"topP\":0.9,\"maxTokenCount\":512,\"stopSequences\":[]}}");
        assertEquals(0.8f, spring.sampling().temperature());
        assertEquals(0.9f, spring.sampling().topP());
        TextGenerationRequest lc4j = decode("{\"inputText\":\"x\",\"textGenerationConfig\":{\"maxTokenCount\":300,"
                + "\"temperature\":1.0,\"topP\":0.999,\"stopSequences\":null}}");
        assertEquals(1f, lc4j.sampling().temperature());
        assertEquals(0.999f, lc4j.sampling().topP());
        assertEquals(300, lc4j.maxTokens());
        assertEquals(List.of("|", "User:"), decode("{\"inputText\":\"x\",\"textGenerationConfig\":"
                + "{\"stopSequences\":[\"|\",\"User:\"]}}").stopSequences());
    }

    @ParameterizedTest
    @CsvSource({"0, 1.4E-45", "0.0, 1.4E-45", "1, 1.0", "0.5, 0.5", "1e-50, 1.4E-45"})
    void topPZeroKeepsOnlyTheTopToken(String json, float expected) {
        assertEquals(expected, decode(config("\"topP\":" + json)).sampling().topP());
    }

    @Test
    void temperatureZeroIsGreedyAndNegativeZeroIsNormalised() {
        assertTrue(decode(config("\"temperature\":0")).sampling().isGreedy());
        assertEquals(0, Float.compare(0f, decode(config("\"temperature\":-0.0")).sampling().temperature()));
        assertFalse(decode(config("\"temperature\":0.01")).sampling().isGreedy());
    }

    /** Every parameter at and just beyond each edge, and with a wrong type. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // field           | value    | ok    | violation
            "temperature       | -0.001   | false | #/textGenerationConfig/temperature: -0.001 is not greater or equal to 0 (allowed range: 0 to 1)",
            "temperature       | 0        | true  | ",
            "temperature       | 1        | true  | ",
            "temperature       | 1.0001   | false | #/textGenerationConfig/temperature: 1.0001 is not less or equal to 1 (allowed range: 0 to 1)",
            "temperature       | \"0.5\"  | false | #/textGenerationConfig/temperature: expected type: Number, found: String (allowed range: 0 to 1)",
            "topP              | -1       | false | #/textGenerationConfig/topP: -1 is not greater or equal to 0 (allowed range: 0 to 1)",
            "topP              | 0        | true  | ",
            "topP              | 1        | true  | ",
            "topP              | 1.5      | false | #/textGenerationConfig/topP: 1.5 is not less or equal to 1 (allowed range: 0 to 1)",
            "topP              | true     | false | #/textGenerationConfig/topP: expected type: Number, found: Boolean (allowed range: 0 to 1)",
            "maxTokenCount     | -1       | false | #/textGenerationConfig/maxTokenCount: -1 is not greater or equal to 0 (allowed range: 0 to 8000)",
            "maxTokenCount     | 0        | true  | ",
            "maxTokenCount     | 8000     | true  | ",
            "maxTokenCount     | 8001     | false | #/textGenerationConfig/maxTokenCount: 8001 is not less or equal to 8000 (allowed range: 0 to 8000)",
            "maxTokenCount     | 512.5    | false | #/textGenerationConfig/maxTokenCount: expected type: Integer, found: Double (allowed range: 0 to 8000)",
            "maxTokenCount     | \"512\"  | false | #/textGenerationConfig/maxTokenCount: expected type: Integer, found: String (allowed range: 0 to 8000)",
            "stopSequences     | []       | true  | ",
            "stopSequences     | [\"12345678901234567890\"] | true | ",
            "stopSequences     | [\"123456789012345678901\"] | false | #/textGenerationConfig/stopSequences/0: expected maxLength: 20, actual: 21",
            "stopSequences     | [\"a\",\"b\",\"c\",\"d\"] | true | ",
            "stopSequences     | [\"a\",\"b\",\"c\",\"d\",\"e\"] | false | #/textGenerationConfig/stopSequences: expected maximum item count: 4, found: 5",
            "stopSequences     | \"User:\" | false | #/textGenerationConfig/stopSequences: expected type: JSONArray, found: String",
            "stopSequences     | [5]      | false | #/textGenerationConfig/stopSequences/0: expected type: String, found: Integer",
            "stopSequences     | [\"\"]   | false | #/textGenerationConfig/stopSequences: an item is an empty string (expected minLength: 1)",
    })
    void everyParameterEdge(String field, String value, boolean ok, String violation) {
        String body = config("\"" + field + "\":" + value);
        if (ok) {
            decode(body);
        } else {
            assertMalformed(body, violation);
        }
    }

    @Test
    void edgeValuesReachTheRequest() {
        assertEquals(0, decode(config("\"maxTokenCount\":0")).maxTokens());
        assertEquals(8000, decode(config("\"maxTokenCount\":8000")).maxTokens());
        assertEquals(8000, decode(config("\"maxTokenCount\":8e3")).maxTokens());
        assertEquals(1f, decode(config("\"temperature\":1")).sampling().temperature());
    }

    @Test
    void missingOrBadInputText() {
        assertMalformed("{}", "#: required key [inputText] not found");
        assertMalformed("{\"inputText\":null}", "#: required key [inputText] not found");
        assertMalformed("{\"textGenerationConfig\":{\"temperature\":0.5}}", "#: required key [inputText] not found");
        assertMalformed("{\"inputText\":\"\"}", "#/inputText: expected minLength: 1, actual: 0");
        assertMalformed("{\"inputText\":42}", "#/inputText: expected type: String, found: Integer");
        assertMalformed("{\"inputText\":[\"x\"]}", "#/inputText: expected type: String, found: JSONArray");
    }

    @Test
    void configMustBeAnObject() {
        assertMalformed("{\"inputText\":\"x\",\"textGenerationConfig\":[]}",
                "#/textGenerationConfig: expected type: JSONObject, found: JSONArray");
        assertMalformed("{\"inputText\":\"x\",\"textGenerationConfig\":\"hot\"}",
                "#/textGenerationConfig: expected type: JSONObject, found: String");
    }

    @Test
    void unknownFieldsAtBothLevels() {
        assertMalformed("{\"inputText\":\"x\",\"prompt\":\"y\"}", "#: extraneous key [prompt] is not permitted");
        assertMalformed(config("\"top_p\":0.5"), "#/textGenerationConfig: extraneous key [top_p] is not permitted");
        assertMalformed(config("\"topK\":5"), "#/textGenerationConfig: extraneous key [topK] is not permitted");
        // Fields that belong at the other level are unknown where they are.
        assertMalformed("{\"inputText\":\"x\",\"temperature\":0.5}",
                "#: extraneous key [temperature] is not permitted");
    }

    @Test
    void everyViolationIsReportedAtOnce() {
        String message = assertThrows(BedrockException.class, () -> decode("{\"textGenerationConfig\":"
                + "{\"temperature\":2,\"maxTokenCount\":9000,\"seed\":1}}")).getMessage();
        assertTrue(message.startsWith("Malformed input request: #: 4 schema violations found ("), message);
        assertTrue(message.contains("#: required key [inputText] not found"), message);
        assertTrue(message.contains("#/textGenerationConfig/temperature: 2 is not less or equal to 1"), message);
        assertTrue(message.contains("#/textGenerationConfig/maxTokenCount: 9000 is not less or equal to 8000"),
                message);
        assertTrue(message.contains("#/textGenerationConfig: extraneous key [seed] is not permitted"), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "inputText", "{\"inputText\":\"x\",}", "{\"inputText\":\"x\"} {}",
            "{\"inputText\":\"x\",\"inputText\":\"y\"}", "{\"inputText\":\"x\",\"textGenerationConfig\":{\"topP\":NaN}}"})
    void malformedJson(String body) {
        assertMalformed(body, "the request body is not valid JSON");
    }

    @Test
    void emptyBlankAndNonObjectBodies() {
        for (byte[] body : new byte[][] {null, new byte[0], " \n".getBytes(StandardCharsets.UTF_8)}) {
            BedrockException e = assertThrows(BedrockException.class, () -> codec.decodeRequest(body));
            assertEquals(BedrockErrorType.VALIDATION, e.type());
            assertTrue(e.getMessage().startsWith("Malformed input request: #: expected type: JSONObject"),
                    e.getMessage());
        }
        assertMalformed("[\"x\"]", "#: expected type: JSONObject, found: JSONArray");
    }

    // --- responses ---

    @ParameterizedTest
    @CsvSource({"END_OF_SEQUENCE, FINISH", "STOP_SEQUENCE, FINISH", "MAX_TOKENS, LENGTH", "CONTEXT_LENGTH, LENGTH"})
    void responseBodyMatchesTheRealShape(StopReason reason, String wire) throws IOException {
        String text = "\nRivers \"run\" ✓\n";
        JsonNode body = Json.MAPPER.readTree(codec.encodeResponse(new GenerationOutcome(text, 9, 4, reason)));
        assertEquals(List.of("inputTextTokenCount", "results"), fieldNames(body));
        assertTrue(body.get("inputTextTokenCount").isInt());
        assertEquals(9, body.get("inputTextTokenCount").intValue());
        assertEquals(1, body.get("results").size());
        JsonNode result = body.get("results").get(0);
        assertEquals(List.of("tokenCount", "outputText", "completionReason"), fieldNames(result));
        assertTrue(result.get("tokenCount").isInt());
        assertEquals(4, result.get("tokenCount").intValue());
        assertEquals(text, result.get("outputText").textValue());
        assertEquals(wire, result.get("completionReason").textValue());
    }

    @Test
    void emptyGenerationIsAnEmptyString() throws IOException {
        JsonNode result = Json.MAPPER.readTree(codec.encodeResponse(
                new GenerationOutcome(null, 3, 0, StopReason.MAX_TOKENS))).get("results").get(0);
        assertEquals("", result.get("outputText").textValue());
        assertEquals(0, result.get("tokenCount").intValue());
    }

    @Test
    void intermediateChunksCarryNullCountsAndReason() throws IOException {
        for (boolean first : new boolean[] {true, false}) {
            JsonNode chunk = Json.MAPPER.readTree(codec.encodeChunk(new StreamChunk(" flows", 6, 2, first, null,
                    null)));
            assertEquals(CHUNK_KEYS, fieldNames(chunk));
            assertEquals(" flows", chunk.get("outputText").textValue());
            assertEquals(0, chunk.get("index").intValue());
            assertTrue(chunk.get("totalOutputTextTokenCount").isNull());
            assertTrue(chunk.get("completionReason").isNull());
            assertTrue(chunk.get("inputTextTokenCount").isNull());
        }
    }

    @Test
    void intermediateChunkExactBytes() {
        assertEquals("{\"outputText\":\"Hi\",\"index\":0,\"totalOutputTextTokenCount\":null,\"completionReason\":null,"
                + "\"inputTextTokenCount\":null}", new String(codec.encodeChunk(new StreamChunk("Hi", 5, 1, true, null,
                null)), StandardCharsets.UTF_8));
    }

    @Test
    void lastChunkCarriesCountsReasonAndMetrics() throws IOException {
        JsonNode chunk = Json.MAPPER.readTree(codec.encodeChunk(new StreamChunk("", 6, 12, false,
                StopReason.END_OF_SEQUENCE, new InvocationMetrics(6, 12, 812, 95))));
        List<String> keys = new ArrayList<>(CHUNK_KEYS);
        keys.add("amazon-bedrock-invocationMetrics");
        assertEquals(keys, fieldNames(chunk));
        assertEquals("", chunk.get("outputText").textValue());
        assertEquals(0, chunk.get("index").intValue());
        assertEquals(12, chunk.get("totalOutputTextTokenCount").intValue());
        assertEquals("FINISH", chunk.get("completionReason").textValue());
        assertEquals(6, chunk.get("inputTextTokenCount").intValue());
        JsonNode m = chunk.get("amazon-bedrock-invocationMetrics");
        assertEquals(List.of("inputTokenCount", "outputTokenCount", "invocationLatency", "firstByteLatency"),
                fieldNames(m));
        assertEquals(6, m.get("inputTokenCount").intValue());
        assertEquals(12, m.get("outputTokenCount").intValue());
        assertEquals(812, m.get("invocationLatency").longValue());
        assertEquals(95, m.get("firstByteLatency").longValue());
    }

    @Test
    void lengthOnTheLastChunkAndNoMetricsWithoutThem() throws IOException {
        JsonNode chunk = Json.MAPPER.readTree(codec.encodeChunk(new StreamChunk("end", 6, 512, false,
                StopReason.MAX_TOKENS, null)));
        assertEquals(CHUNK_KEYS, fieldNames(chunk));
        assertEquals("LENGTH", chunk.get("completionReason").textValue());
        assertEquals(512, chunk.get("totalOutputTextTokenCount").intValue());
    }

    @Test
    void singleChunkStreamIsBothFirstAndLast() throws IOException {
        JsonNode chunk = Json.MAPPER.readTree(codec.encodeChunk(new StreamChunk("ok", 4, 1, true,
                StopReason.STOP_SEQUENCE, new InvocationMetrics(4, 1, 10, 9), 0, "User:")));
        assertEquals("FINISH", chunk.get("completionReason").textValue());
        assertEquals(4, chunk.get("inputTextTokenCount").intValue());
        assertEquals(1, chunk.get("totalOutputTextTokenCount").intValue());
        assertTrue(chunk.get("amazon-bedrock-invocationMetrics").isObject());
    }

    @Test
    void streamEncoderFramesEachChunkAsOneChunkEvent() {
        List<byte[]> frames = new ArrayList<>();
        StreamChunk chunk = new StreamChunk("é\n\"", 5, 1, true, null, null);
        codec.openStream(decode("{\"inputText\":\"x\"}")).encode(chunk, frames::add);
        assertEquals(1, frames.size());
        EventStreamMessage message = EventStreamDecoder.decodeAll(frames.get(0)).get(0);
        assertArrayEquals(codec.encodeChunk(chunk), message.chunkBytes());
    }

    // --- request and assertion builders ---

    private static String config(String fields) {
        return "{\"inputText\":\"x\",\"textGenerationConfig\":{" + fields + "}}";
    }

    private TextGenerationRequest decode(String body) {
        return codec.decodeRequest(body.getBytes(StandardCharsets.UTF_8));
    }

    private void assertMalformed(String body, String violation) {
        BedrockException e = assertThrows(BedrockException.class, () -> decode(body), body);
        assertEquals(BedrockErrorType.VALIDATION, e.type());
        assertTrue(e.getMessage().startsWith("Malformed input request: "), e.getMessage());
        assertTrue(e.getMessage().endsWith(", please reformat your input and try again."), e.getMessage());
        assertTrue(e.getMessage().contains(violation), () -> "expected <" + violation + "> in: " + e.getMessage());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
