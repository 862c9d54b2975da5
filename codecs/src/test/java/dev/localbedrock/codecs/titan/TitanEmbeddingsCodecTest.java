package dev.localbedrock.codecs.titan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.inference.EmbeddingOutcome;
import dev.localbedrock.codecs.inference.EmbeddingRequest;
import dev.localbedrock.codecs.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TitanEmbeddingsCodecTest {

    private final TitanEmbeddingsCodec codec = new TitanEmbeddingsCodec();

    // --- requests ---

    @Test
    void oneTextNoTruncation() {
        EmbeddingRequest request = decode("{\"inputText\":\"a cat\"}");
        assertEquals(List.of("a cat"), request.texts());
        assertEquals(EmbeddingRequest.Truncation.NONE, request.truncation());
        assertEquals("amazon-titan-embed", codec.family());
    }

    @Test
    void unusualButValidTexts() {
        for (String text : new String[] {" ", "\n\n", "  \"quoted\" ünïcode ✓ 😀 \\ ", "x".repeat(TitanEmbeddingsCodec.MAX_INPUT_CHARS)}) {
            String body = "{\"inputText\":" + Json.MAPPER.valueToTree(text).toString() + "}";
            assertEquals(List.of(text), decode(body).texts());
        }
    }

    @Test
    void missingOrEmptyInputText() {
        assertMalformed("{}", "#: required key [inputText] not found");
        assertMalformed("{\"inputText\":null}", "#: required key [inputText] not found");
        assertMalformed("{\"inputText\":\"\"}", "#/inputText: expected minLength: 1, actual: 0");
        assertMalformed("{\"prompt\":\"a cat\"}", "#: required key [inputText] not found");
    }

    @Test
    void exactRealBedrockStyleMessage() {
        BedrockException e = assertThrows(BedrockException.class, () -> decode("{\"inputText\":\"\"}"));
        assertEquals(BedrockErrorType.VALIDATION, e.type());
        assertEquals(400, e.type().httpStatus());
        assertEquals("Malformed input request: #/inputText: expected minLength: 1, actual: 0, please reformat your "
                + "input and try again.", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"inputText\":5          | #/inputText: expected type: String, found: Integer",
            "\"inputText\":1.5        | #/inputText: expected type: String, found: Double",
            "\"inputText\":[\"a\"]    | #/inputText: expected type: String, found: JSONArray",
            "\"inputText\":{}         | #/inputText: expected type: String, found: JSONObject",
            "\"inputText\":true       | #/inputText: expected type: String, found: Boolean",
    })
    void wrongTypes(String field, String violation) {
        assertMalformed("{" + field + "}", violation);
    }

    @Test
    void extraneousKeys() {
        // Titan v2's options are not v1's: a v2 body sent to v1 is refused, as the real v1 does.
        assertMalformed("{\"inputText\":\"x\",\"dimensions\":256}", "#: extraneous key [dimensions] is not permitted");
        assertMalformed("{\"inputText\":\"x\",\"normalize\":true}", "#: extraneous key [normalize] is not permitted");
        assertMalformed("{\"inputText\":\"x\",\"InputText\":\"y\"}", "#: extraneous key [InputText] is not permitted");
    }

    @Test
    void everyViolationIsReported() {
        String message = assertThrows(BedrockException.class,
                () -> decode("{\"texts\":[\"a\"],\"input_type\":\"search_query\"}")).getMessage();
        assertTrue(message.startsWith("Malformed input request: #: 3 schema violations found ("), message);
        assertTrue(message.contains("#: required key [inputText] not found"), message);
        assertTrue(message.contains("#: extraneous key [texts] is not permitted"), message);
        assertTrue(message.contains("#: extraneous key [input_type] is not permitted"), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "hello", "{\"inputText\":\"x\",}", "{\"inputText\":\"x\"} {}",
            "{\"inputText\":'x'}", "{\"inputText\":\"x\",\"inputText\":\"y\"}"})
    void notJson(String body) {
        assertMalformed(body, "the request body is not valid JSON");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "[\"a cat\"] | #: expected type: JSONObject, found: JSONArray",
            "\"a cat\"   | #: expected type: JSONObject, found: String",
            "null        | #: expected type: JSONObject, found: Null",
    })
    void notAnObject(String body, String violation) {
        assertMalformed(body, violation);
    }

    @Test
    void emptyAndBlankBodies() {
        for (byte[] body : new byte[][] {null, new byte[0], " \n".getBytes(StandardCharsets.UTF_8)}) {
            BedrockException e = assertThrows(BedrockException.class, () -> codec.decodeRequest(body));
            assertEquals(BedrockErrorType.VALIDATION, e.type());
            assertTrue(e.getMessage().startsWith("Malformed input request: #: expected type: JSONObject"),
                    e.getMessage());
        }
    }

    @Test
    void invalidUtf8NeverEscapesAsAJacksonException() {
        byte[] badUtf8 = {'{', '"', 'i', 'n', 'p', 'u', 't', 'T', 'e', 'x', 't', '"', ':', '"', (byte) 0xff, '"', '}'};
        assertThrows(BedrockException.class, () -> codec.decodeRequest(badUtf8));
    }

    // --- responses ---

    @Test
    void responseBody() throws IOException {
        float[] vector = {0.5f, -0.25f, 1e-7f, 0f, 0.123456789f};
        byte[] json = codec.encodeResponse(new EmbeddingOutcome(List.of(vector), 4));
        JsonNode body = Json.MAPPER.readTree(json);
        assertEquals(List.of("embedding", "inputTextTokenCount"), fieldNames(body));
        JsonNode embedding = body.get("embedding");
        assertEquals(vector.length, embedding.size());
        for (int i = 0; i < vector.length; i++) {
            assertTrue(embedding.get(i).isNumber());
            assertEquals(vector[i], embedding.get(i).floatValue(), "the float survives the round trip exactly");
        }
        assertEquals(4, body.get("inputTextTokenCount").intValue());
        assertTrue(body.get("inputTextTokenCount").isInt());
    }

    @Test
    void responseBodyIsCompactJson() {
        String json = new String(codec.encodeResponse(new EmbeddingOutcome(List.of(new float[] {1f, -0.5f}), 3)),
                StandardCharsets.UTF_8);
        assertEquals("{\"embedding\":[1.0,-0.5],\"inputTextTokenCount\":3}", json);
    }

    // --- helpers ---

    private EmbeddingRequest decode(String body) {
        return codec.decodeRequest(body.getBytes(StandardCharsets.UTF_8));
    }

    private void assertMalformed(String body, String violation) {
        BedrockException e = assertThrows(BedrockException.class, () -> decode(body), body);
        assertEquals(BedrockErrorType.VALIDATION, e.type());
        assertTrue(e.getMessage().startsWith("Malformed input request: "), e.getMessage());
        assertTrue(e.getMessage().endsWith(", please reformat your input and try again."), e.getMessage());
        assertTrue(e.getMessage().contains(violation), () -> "expected <" + violation + "> in: " + e.getMessage());
        assertFalse(e.getMessage().contains("`") || e.getMessage().contains("com.fasterxml"),
                () -> "parser internals leak: " + e.getMessage());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @org.junit.jupiter.api.Test
    void inputTextIsCappedAtFiftyThousandCharacters() {
        TitanEmbeddingsCodec codec = new TitanEmbeddingsCodec();
        String atLimit = "a".repeat(TitanEmbeddingsCodec.MAX_INPUT_CHARS);
        org.junit.jupiter.api.Assertions.assertEquals(atLimit, codec.decodeRequest(
                ("{\"inputText\":\"" + atLimit + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .texts().get(0));
        dev.localbedrock.codecs.BedrockException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.localbedrock.codecs.BedrockException.class, () -> codec.decodeRequest(
                        ("{\"inputText\":\"" + atLimit + "b\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(
                "#/inputText: expected maxLength: 50000, actual: 50001"), e.getMessage());
    }
}
