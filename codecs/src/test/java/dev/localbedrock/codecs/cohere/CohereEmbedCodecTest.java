package dev.localbedrock.codecs.cohere;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.EmbeddingFamilies;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.inference.EmbeddingOutcome;
import dev.localbedrock.codecs.inference.EmbeddingRequest;
import dev.localbedrock.codecs.inference.EmbeddingRequest.Encoding;
import dev.localbedrock.codecs.inference.EmbeddingRequest.Truncation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CohereEmbedCodecTest {

    private final CohereEmbedCodec codec = new CohereEmbedCodec();

    // --- requests ---

    @Test
    void specExampleBodyDecodes() {
        // bedrock-spec §2.8's request, with the guide's "texts: typo repaired and one value per enum.
        EmbeddingRequest request = decode("""
                {
                        "texts":["string"],
                        "input_type": "search_document",
                         "truncate": "NONE"
                    }""");
        assertEquals(List.of("string"), request.texts());
        assertEquals(Truncation.NONE, request.truncation());
        assertEquals(Set.of(), request.encodings(), "no embedding_types: the embeddings_floats response");
        assertEquals("cohere-embed", codec.family());
        assertSame(EmbeddingFamilies.forName("cohere-embed"), EmbeddingFamilies.forName("cohere-embed"));
        assertTrue(EmbeddingFamilies.forName("cohere-embed") instanceof CohereEmbedCodec);
    }

    @Test
    void frameworkBodiesDecode() {
        // LangChain4j: a HashMap with embedding_types ["float"] and, unless configured, "truncate": null.
        EmbeddingRequest langchain4j = decode("{\"input_type\":\"search_query\",\"truncate\":null,"
                + "\"embedding_types\":[\"float\"],\"texts\":[\"hello\",\"world\"]}");
        assertEquals(List.of("hello", "world"), langchain4j.texts());
        assertEquals(Truncation.NONE, langchain4j.truncation());
        assertEquals(Set.of(Encoding.FLOAT), langchain4j.encodings());
        // Spring AI: texts, input_type and truncate (NONE/START/END in current versions, LEFT/RIGHT before).
        EmbeddingRequest springAi =
                decode("{\"texts\":[\"a\"],\"input_type\":\"classification\",\"truncate\":\"END\"}");
        assertEquals(Truncation.END, springAi.truncation());
        assertEquals(Set.of(), springAi.encodings());
    }

    @ParameterizedTest
    @CsvSource({"NONE, NONE", "LEFT, START", "START, START", "RIGHT, END", "END, END"})
    void truncateSpellings(String wire, Truncation expected) {
        assertEquals(expected,
                decode("{\"texts\":[\"a\"],\"input_type\":\"clustering\",\"truncate\":\"" + wire + "\"}")
                        .truncation());
    }

    @ParameterizedTest
    @ValueSource(strings = {"search_document", "search_query", "classification", "clustering"})
    void everyInputTypeIsAccepted(String inputType) {
        assertEquals(List.of("x"), decode("{\"texts\":[\"x\"],\"input_type\":\"" + inputType + "\"}").texts());
    }

    @Test
    void embeddingTypesInAnyOrderAndRepeatedCountOnce() {
        EmbeddingRequest request = decode("{\"texts\":[\"a\"],\"input_type\":\"search_query\","
                + "\"embedding_types\":[\"ubinary\",\"int8\",\"float\",\"int8\",\"uint8\"]}");
        assertEquals(EnumSet.of(Encoding.FLOAT, Encoding.INT8, Encoding.UINT8, Encoding.UBINARY),
                request.encodings());
        assertEquals(List.of(Encoding.FLOAT, Encoding.INT8, Encoding.UINT8, Encoding.UBINARY),
                new ArrayList<>(request.encodings()), "declaration order, whatever the client's order");
        assertEquals(EnumSet.allOf(Encoding.class), decode("{\"texts\":[\"a\"],\"input_type\":\"search_query\","
                + "\"embedding_types\":[\"float\",\"int8\",\"uint8\",\"binary\",\"ubinary\"]}").encodings());
        assertEquals(Set.of(), decode("{\"texts\":[\"a\"],\"input_type\":\"search_query\","
                + "\"embedding_types\":null}").encodings(), "null means absent");
    }

    @Test
    void limitsAreInclusive() {
        List<String> texts = new ArrayList<>(Collections.nCopies(CohereEmbedCodec.MAX_TEXTS - 1, "t"));
        texts.add("x".repeat(CohereEmbedCodec.MAX_TEXT_CHARS));
        EmbeddingRequest request = decode(body(texts, "search_document"));
        assertEquals(128, request.texts().size());
        assertEquals(2048, request.texts().get(127).length());
        // Real Bedrock embeds an empty string (only an empty array is refused); odd texts pass untouched.
        List<String> odd = List.of("", " ", "\n", "ünïcode ✓ 😀 \"q\" \\");
        assertEquals(odd, decode(body(odd, "search_query")).texts());
    }

    static Stream<Arguments> invalidBodies() {
        String ok = "\"input_type\":\"search_query\"";
        List<String> tooMany = Collections.nCopies(CohereEmbedCodec.MAX_TEXTS + 1, "t");
        return Stream.of(
                Arguments.of("texts missing", "{" + ok + "}", "#: required key [texts] not found"),
                Arguments.of("texts null", "{\"texts\":null," + ok + "}", "#: required key [texts] not found"),
                Arguments.of("texts empty", "{\"texts\":[]," + ok + "}",
                        "#/texts: expected minimum item count: 1, found: 0"),
                Arguments.of("129 texts", body(tooMany, "search_query"),
                        "#/texts: expected maximum item count: 128, found: 129"),
                Arguments.of("2049-char text", body(List.of("ok", "y".repeat(2049)), "search_query"),
                        "#/texts/1: expected maxLength: 2048, actual: 2049"),
                Arguments.of("non-string text", "{\"texts\":[\"a\",7]," + ok + "}",
                        "#/texts/1: expected type: String, found: Integer"),
                Arguments.of("null text", "{\"texts\":[null]," + ok + "}",
                        "#/texts/0: expected type: String, found: Null"),
                Arguments.of("texts a string", "{\"texts\":\"a\"," + ok + "}",
                        "#/texts: expected type: JSONArray, found: String"),
                Arguments.of("texts an object", "{\"texts\":{}," + ok + "}",
                        "#/texts: expected type: JSONArray, found: JSONObject"),
                Arguments.of("input_type missing", "{\"texts\":[\"a\"]}",
                        "#: required key [input_type] not found (allowed values: search_document, search_query, "
                                + "classification, clustering)"),
                Arguments.of("input_type invalid", "{\"texts\":[\"a\"],\"input_type\":\"search\"}",
                        "#/input_type: search is not a valid enum value"),
                Arguments.of("input_type upper case", "{\"texts\":[\"a\"],\"input_type\":\"SEARCH_QUERY\"}",
                        "#/input_type: SEARCH_QUERY is not a valid enum value"),
                Arguments.of("input_type image (v4 only)", "{\"texts\":[\"a\"],\"input_type\":\"image\"}",
                        "#/input_type: image is not a valid enum value"),
                Arguments.of("input_type number", "{\"texts\":[\"a\"],\"input_type\":1}",
                        "#/input_type: expected type: String, found: Integer"),
                Arguments.of("truncate invalid", "{\"texts\":[\"a\"]," + ok + ",\"truncate\":\"MIDDLE\"}",
                        "#/truncate: MIDDLE is not a valid enum value (allowed values: NONE, START, END, LEFT, "
                                + "RIGHT)"),
                Arguments.of("truncate lower case", "{\"texts\":[\"a\"]," + ok + ",\"truncate\":\"none\"}",
                        "#/truncate: none is not a valid enum value"),
                Arguments.of("truncate boolean", "{\"texts\":[\"a\"]," + ok + ",\"truncate\":true}",
                        "#/truncate: expected type: String, found: Boolean"),
                Arguments.of("embedding_types a string",
                        "{\"texts\":[\"a\"]," + ok + ",\"embedding_types\":\"float\"}",
                        "#/embedding_types: expected type: JSONArray, found: String"),
                Arguments.of("embedding_types empty", "{\"texts\":[\"a\"]," + ok + ",\"embedding_types\":[]}",
                        "#/embedding_types: expected minimum item count: 1, found: 0"),
                Arguments.of("embedding_types unknown",
                        "{\"texts\":[\"a\"]," + ok + ",\"embedding_types\":[\"float\",\"float16\"]}",
                        "#/embedding_types: float16 is not a valid enum value (allowed values: float, int8, uint8, "
                                + "binary, ubinary)"),
                Arguments.of("embedding_types upper case",
                        "{\"texts\":[\"a\"]," + ok + ",\"embedding_types\":[\"FLOAT\"]}",
                        "#/embedding_types: FLOAT is not a valid enum value"),
                Arguments.of("embedding_types base64 (v4 only)",
                        "{\"texts\":[\"a\"]," + ok + ",\"embedding_types\":[\"base64\"]}",
                        "#/embedding_types: base64 is not a valid enum value"),
                Arguments.of("embedding_types non-string item",
                        "{\"texts\":[\"a\"]," + ok + ",\"embedding_types\":[1]}",
                        "#/embedding_types/0: expected type: String, found: Integer"),
                Arguments.of("embedding_types too many", "{\"texts\":[\"a\"]," + ok + ",\"embedding_types\":"
                                + "[\"float\",\"int8\",\"uint8\",\"binary\",\"ubinary\",\"float\"]}",
                        "#/embedding_types: expected maximum item count: 5, found: 6"),
                Arguments.of("unknown field", "{\"texts\":[\"a\"]," + ok + ",\"model\":\"embed-english-v3.0\"}",
                        "#: extraneous key [model] is not permitted"),
                Arguments.of("images (v4 only)", "{\"texts\":[\"a\"]," + ok + ",\"images\":[]}",
                        "#: extraneous key [images] is not permitted"),
                Arguments.of("Titan body", "{\"inputText\":\"a\"}", "#: 3 schema violations found"),
                Arguments.of("malformed JSON", "{\"texts\":[\"a\"," + ok + "}", "the request body is not valid JSON"),
                Arguments.of("trailing comma", "{\"texts\":[\"a\"]," + ok + ",}", "the request body is not valid JSON"),
                Arguments.of("duplicate key", "{\"texts\":[\"a\"],\"texts\":[\"b\"]," + ok + "}",
                        "the request body is not valid JSON"),
                Arguments.of("array body", "[\"a\"]", "#: expected type: JSONObject, found: JSONArray"),
                Arguments.of("blank body", " \n", "#: expected type: JSONObject, found: nothing"),
                Arguments.of("empty body", "", "#: expected type: JSONObject, found: nothing"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidBodies")
    void invalidBodyIsAValidationExceptionNamingTheField(String name, String body, String violation) {
        BedrockException e = assertThrows(BedrockException.class, () -> decode(body), name);
        assertEquals(BedrockErrorType.VALIDATION, e.type());
        assertEquals(400, e.type().httpStatus());
        assertTrue(e.getMessage().startsWith("Malformed input request: "), e.getMessage());
        assertTrue(e.getMessage().endsWith(", please reformat your input and try again."), e.getMessage());
        assertTrue(e.getMessage().contains(violation), () -> "expected <" + violation + "> in: " + e.getMessage());
        assertFalse(e.getMessage().contains("com.fasterxml"), e.getMessage());
    }

    @Test
    void everyViolationIsReportedAtOnce() {
        String message = assertThrows(BedrockException.class, () -> decode("{\"texts\":[],\"input_type\":\"x\","
                + "\"truncate\":\"UP\",\"embedding_types\":[\"f\"],\"k\":1}")).getMessage();
        assertTrue(message.contains("#: 5 schema violations found ("), message);
        for (String field : new String[] {"#/texts:", "#/input_type:", "#/truncate:", "#/embedding_types:",
                "extraneous key [k]"}) {
            assertTrue(message.contains(field), () -> field + " missing in " + message);
        }
    }

    @Test
    void aHostileEnumValueIsClippedInTheMessage() {
        String message = assertThrows(BedrockException.class, () -> decode("{\"texts\":[\"a\"],\"input_type\":"
                + "\"search_query\",\"embedding_types\":[\"" + "z".repeat(10_000) + "\"]}")).getMessage();
        assertTrue(message.length() < 400, message);
    }

    @Test
    void nullAndInvalidUtf8Bodies() {
        assertThrows(BedrockException.class, () -> codec.decodeRequest(null));
        byte[] badUtf8 = {'{', '"', 't', 'e', 'x', 't', 's', '"', ':', '[', '"', (byte) 0xff, '"', ']', '}'};
        assertEquals(BedrockErrorType.VALIDATION,
                assertThrows(BedrockException.class, () -> codec.decodeRequest(badUtf8)).type());
    }

    // --- responses ---

    @Test
    void embeddingsFloatsResponseFieldForField() throws IOException {
        List<String> texts = List.of("first text", "ünïcode ✓ \"quoted\"");
        float[] a = {0.5f, -0.25f, 1e-7f, 0f, 0.123456789f};
        float[] b = {-1f, 2.5f, 3.4028235e38f, -1.4e-45f, 0.1f};
        JsonNode body = encode(new EmbeddingRequest(texts, Truncation.NONE), 9, a, b);

        assertEquals(List.of("embeddings", "id", "response_type", "texts"), fieldNames(body));
        assertEquals("embeddings_floats", body.get("response_type").textValue());
        assertUuid(body.get("id").textValue());
        assertEquals(texts, strings(body.get("texts")), "the texts are echoed as sent");
        JsonNode embeddings = body.get("embeddings");
        assertTrue(embeddings.isArray());
        assertEquals(2, embeddings.size());
        assertFloats(a, embeddings.get(0));
        assertFloats(b, embeddings.get(1));
    }

    @Test
    void embeddingsByTypeResponseHoldsOnlyTheTypesAsked() throws IOException {
        float[] v = {0.5f, -0.25f, 0f, 1f, -1f, 0.75f, -0.5f, 0.125f, 2e-3f, -1e-3f};
        EmbeddingRequest request = new EmbeddingRequest(List.of("t"), Truncation.NONE,
                EnumSet.of(Encoding.UBINARY, Encoding.FLOAT, Encoding.INT8));
        JsonNode body = encode(request, 3, v);

        assertEquals(List.of("embeddings", "id", "response_type", "texts"), fieldNames(body));
        assertEquals("embeddings_by_type", body.get("response_type").textValue());
        assertUuid(body.get("id").textValue());
        assertEquals(List.of("t"), strings(body.get("texts")));
        JsonNode embeddings = body.get("embeddings");
        assertTrue(embeddings.isObject());
        assertEquals(List.of("float", "int8", "ubinary"), fieldNames(embeddings));
        assertFloats(v, embeddings.get("float").get(0));
        assertEquals(List.of(64, -32, 0, 127, -127, 95, -64, 16, 0, 0), ints(embeddings.get("int8").get(0)));
        // 0.5 -0.25 0 1 | -1 0.75 -0.5 0.125 -> 1001 0101; 2e-3 -1e-3 + six padding bits -> 1000 0000
        assertEquals(List.of(0b1001_0101, 0b1000_0000), ints(embeddings.get("ubinary").get(0)));
        for (JsonNode n : embeddings.get("int8").get(0)) {
            assertTrue(n.isInt(), "integers are written as JSON integers, not floats: " + n);
        }
    }

    @Test
    void everyTypeForEveryText() throws IOException {
        float[] a = {1f, -1f, 0.5f, -0.5f, 0.25f, -0.25f, 1f, 1f};
        float[] b = {-0.1f, -0.1f, -0.1f, -0.1f, -0.1f, -0.1f, -0.1f, 0.1f};
        JsonNode embeddings = encode(new EmbeddingRequest(List.of("a", "b"), Truncation.END,
                EnumSet.allOf(Encoding.class)), 6, a, b).get("embeddings");
        assertEquals(List.of("float", "int8", "uint8", "binary", "ubinary"), fieldNames(embeddings));
        for (JsonNode perType : embeddings) {
            assertEquals(2, perType.size(), "one vector per text");
        }
        assertEquals(List.of(127, -127, 64, -64, 32, -32, 127, 127), ints(embeddings.get("int8").get(0)));
        assertEquals(List.of(255, 1, 192, 64, 160, 96, 255, 255), ints(embeddings.get("uint8").get(0)));
        assertEquals(List.of(0b1010_1011), ints(embeddings.get("ubinary").get(0)));
        assertEquals(List.of(0b1010_1011 - 128), ints(embeddings.get("binary").get(0)));
        assertEquals(List.of(1), ints(embeddings.get("ubinary").get(1)));
        assertEquals(List.of(-127), ints(embeddings.get("binary").get(1)));
    }

    @Test
    void idsAreFreshRandomUuids() throws IOException {
        EmbeddingRequest request = new EmbeddingRequest(List.of("t"), Truncation.NONE);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            String id = encode(request, 1, new float[] {1f}).get("id").textValue();
            assertUuid(id);
            ids.add(id);
        }
        assertEquals(100, ids.size());
    }

    @Test
    void compactJson() {
        String json = new String(codec.encodeResponse(new EmbeddingOutcome(List.of(new float[] {1f, -0.5f}), 2,
                new EmbeddingRequest(List.of("a\"b"), Truncation.NONE))), StandardCharsets.UTF_8);
        assertTrue(json.matches("\\{\"embeddings\":\\[\\[1\\.0,-0\\.5]],\"id\":\"[0-9a-f-]{36}\","
                + "\"response_type\":\"embeddings_floats\",\"texts\":\\[\"a\\\\\"b\"]}"), json);
    }

    @Test
    void anOutcomeWithoutItsRequestCannotBeEncoded() {
        // A runtime bug, not a client error: the body would lack the texts and ignore embedding_types.
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> codec.encodeResponse(new EmbeddingOutcome(List.of(new float[] {1f}), 1)));
        assertTrue(e.getMessage().contains("request"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new EmbeddingOutcome(List.of(new float[1]), 1,
                new EmbeddingRequest(List.of("a", "b"), Truncation.NONE)), "one vector per text");
    }

    // --- the frameworks' own response types parse our body ---

    /** Spring AI's CohereEmbeddingBedrockApi.CohereEmbeddingResponse; mapped strictly: an extra field fails. */
    record SpringAiCohereEmbeddingResponse(@JsonProperty("id") String id,
                                           @JsonProperty("embeddings") List<float[]> embeddings,
                                           @JsonProperty("texts") List<String> texts,
                                           @JsonProperty("response_type") String responseType,
                                           @JsonProperty("amazon-bedrock-invocationMetrics") Object metrics) {
    }

    /** LangChain4j before embedding_types: {@code id}, {@code texts}, {@code float[][] embeddings}. */
    static final class LangChain4jLegacyResponse {
        public String id;
        public List<String> texts;
        public float[][] embeddings;
    }

    /** LangChain4j today: asks for ["float"] and reads {@code embeddings.float}. */
    static final class LangChain4jResponse {
        public static final class Embeddings {
            @JsonProperty("float")
            public float[][] floatEmbeddings;
        }

        public Embeddings embeddings;
        public int inputTextTokenCount;
    }

    @Test
    void frameworkResponseTypesParseOurBodies() throws IOException {
        ObjectMapper strict = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        ObjectMapper lenient = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        float[] a = {0.25f, -0.5f, 0.75f};
        float[] b = {-1f, 0f, 1f};

        byte[] floats = codec.encodeResponse(new EmbeddingOutcome(List.of(a, b), 4, decode(
                "{\"texts\":[\"x\",\"y\"],\"input_type\":\"search_document\",\"truncate\":\"NONE\"}")));
        SpringAiCohereEmbeddingResponse spring = strict.readValue(floats, SpringAiCohereEmbeddingResponse.class);
        assertEquals("embeddings_floats", spring.responseType());
        assertEquals(List.of("x", "y"), spring.texts());
        assertArrayEquals(a, spring.embeddings().get(0));
        assertArrayEquals(b, spring.embeddings().get(1));
        LangChain4jLegacyResponse legacy = lenient.readValue(floats, LangChain4jLegacyResponse.class);
        assertArrayEquals(new float[][] {a, b}, legacy.embeddings);

        byte[] byType = codec.encodeResponse(new EmbeddingOutcome(List.of(a, b), 4, decode("{\"input_type\":"
                + "\"search_query\",\"truncate\":null,\"embedding_types\":[\"float\"],\"texts\":[\"x\",\"y\"]}")));
        LangChain4jResponse current = lenient.readValue(byType, LangChain4jResponse.class);
        assertArrayEquals(new float[][] {a, b}, current.embeddings.floatEmbeddings);
    }

    // --- helpers ---

    private EmbeddingRequest decode(String body) {
        return codec.decodeRequest(body.getBytes(StandardCharsets.UTF_8));
    }

    private JsonNode encode(EmbeddingRequest request, int tokens, float[]... vectors) throws IOException {
        return Json.MAPPER.readTree(codec.encodeResponse(new EmbeddingOutcome(List.of(vectors), tokens, request)));
    }

    private static String body(List<String> texts, String inputType) {
        return "{\"texts\":" + Json.MAPPER.valueToTree(texts) + ",\"input_type\":\"" + inputType + "\"}";
    }

    private static void assertFloats(float[] expected, JsonNode actual) {
        assertEquals(expected.length, actual.size());
        for (int i = 0; i < expected.length; i++) {
            assertTrue(actual.get(i).isNumber());
            assertEquals(expected[i], actual.get(i).floatValue(), "the float survives the round trip exactly");
        }
    }

    private static void assertUuid(String id) {
        assertEquals(id, UUID.fromString(id).toString());
        assertEquals(4, UUID.fromString(id).version());
        assertEquals(2, UUID.fromString(id).variant());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(n -> values.add(n.textValue()));
        return values;
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> values = new ArrayList<>();
        array.forEach(n -> values.add(n.intValue()));
        return values;
    }
}
