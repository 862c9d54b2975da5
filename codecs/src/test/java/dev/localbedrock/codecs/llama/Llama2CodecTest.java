package dev.localbedrock.codecs.llama;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.InvocationMetrics;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.inference.StopReason;
import dev.localbedrock.codecs.inference.StreamChunk;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.codecs.eventstream.EventStreamDecoder;
import dev.localbedrock.codecs.eventstream.EventStreamEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Llama2CodecTest {

    private final Llama2Codec codec = new Llama2Codec();

    // --- requests ---

    @Test
    void defaults() {
        TextGenerationRequest request = decode("{\"prompt\":\"[INST] Hi [/INST]\"}");
        assertEquals("[INST] Hi [/INST]", request.prompt());
        assertEquals(512, request.maxTokens());
        assertEquals(0.5f, request.sampling().temperature());
        assertEquals(0.9f, request.sampling().topP());
        assertEquals(0, request.sampling().topK());
        assertNull(request.sampling().seed());
        assertEquals(List.of(), request.stopSequences());
        assertEquals("meta-llama2", codec.family());
    }

    @Test
    void explicitValues() {
        TextGenerationRequest request =
                decode("{\"prompt\":\"x\",\"temperature\":0.1,\"top_p\":0.75,\"max_gen_len\":128}");
        assertEquals(0.1f, request.sampling().temperature());
        assertEquals(0.75f, request.sampling().topP());
        assertEquals(128, request.maxTokens());
        assertFalse(request.sampling().isGreedy());
    }

    @Test
    void nullsMeanDefaults() {
        TextGenerationRequest request =
                decode("{\"prompt\":\"x\",\"temperature\":null,\"top_p\":null,\"max_gen_len\":null}");
        assertEquals(0.5f, request.sampling().temperature());
        assertEquals(0.9f, request.sampling().topP());
        assertEquals(512, request.maxTokens());
    }

    @Test
    void temperatureZeroIsGreedy() {
        assertTrue(decode("{\"prompt\":\"x\",\"temperature\":0}").sampling().isGreedy());
        assertTrue(decode("{\"prompt\":\"x\",\"temperature\":0.0}").sampling().isGreedy());
        float negativeZero = decode("{\"prompt\":\"x\",\"temperature\":-0.0}").sampling().temperature();
        assertEquals(0, Float.compare(0f, negativeZero), "-0.0 is normalised to 0");
    }

    @ParameterizedTest
    @CsvSource({"0, 1.0", "0.0, 1.0", "1, 1.0", "1.0, 1.0", "0.5, 0.5", "0.999, 0.999"})
    void topPZeroOrOneDisablesIt(String json, float expected) {
        assertEquals(expected, decode("{\"prompt\":\"x\",\"top_p\":" + json + "}").sampling().topP());
    }

    @Test
    void tinyTopPStaysPositive() {
        float p = decode("{\"prompt\":\"x\",\"top_p\":1e-50}").sampling().topP();
        assertTrue(p > 0f && p < 1e-30f, Float.toString(p));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"temperature\":0", "\"temperature\":1", "\"temperature\":1.0", "\"top_p\":0",
            "\"top_p\":1", "\"max_gen_len\":1", "\"max_gen_len\":2048", "\"max_gen_len\":2048.0",
            "\"max_gen_len\":5e2", "\"temperature\":1E0"})
    void inclusiveEdgesAreAccepted(String field) {
        decode("{\"prompt\":\"x\"," + field + "}");
    }

    @Test
    void integralDecimalMaxGenLen() {
        assertEquals(500, decode("{\"prompt\":\"x\",\"max_gen_len\":5e2}").maxTokens());
        assertEquals(2048, decode("{\"prompt\":\"x\",\"max_gen_len\":2048.000}").maxTokens());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"temperature\":7      | #/temperature: 7 is not less or equal to 1 (allowed range: 0 to 1)",
            "\"temperature\":1.001  | #/temperature: 1.001 is not less or equal to 1 (allowed range: 0 to 1)",
            "\"temperature\":-0.001 | #/temperature: -0.001 is not greater or equal to 0 (allowed range: 0 to 1)",
            "\"top_p\":1.01         | #/top_p: 1.01 is not less or equal to 1 (allowed range: 0 to 1)",
            "\"top_p\":-1           | #/top_p: -1 is not greater or equal to 0 (allowed range: 0 to 1)",
            "\"max_gen_len\":0      | #/max_gen_len: 0 is not greater or equal to 1 (allowed range: 1 to 2048)",
            "\"max_gen_len\":2049   | #/max_gen_len: 2049 is not less or equal to 2048 (allowed range: 1 to 2048)",
            "\"max_gen_len\":-5     | #/max_gen_len: -5 is not greater or equal to 1 (allowed range: 1 to 2048)",
    })
    void justOutsideIsRejectedWithFieldAndRange(String field, String violation) {
        assertMalformed("{\"prompt\":\"x\"," + field + "}", violation);
    }

    @Test
    void exactRealBedrockStyleMessage() {
        BedrockException e = assertThrows(BedrockException.class,
                () -> decode("{\"prompt\":\"x\",\"temperature\":7}"));
        assertEquals(BedrockErrorType.VALIDATION, e.type());
        assertEquals(400, e.type().httpStatus());
        assertEquals("Malformed input request: #/temperature: 7 is not less or equal to 1 (allowed range: 0 to 1), "
                + "please reformat your input and try again.", e.getMessage());
    }

    @Test
    void missingOrEmptyPrompt() {
        assertMalformed("{}", "#: required key [prompt] not found");
        assertMalformed("{\"prompt\":null}", "#: required key [prompt] not found");
        assertMalformed("{\"temperature\":0.5}", "#: required key [prompt] not found");
        assertMalformed("{\"prompt\":\"\"}", "#/prompt: expected minLength: 1, actual: 0");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"prompt\":5                    | #/prompt: expected type: String, found: Integer",
            "\"prompt\":[\"x\"]              | #/prompt: expected type: String, found: JSONArray",
            "\"prompt\":\"x\",\"max_gen_len\":\"5\"  | #/max_gen_len: expected type: Integer, found: String"
                    + " (allowed range: 1 to 2048)",
            "\"prompt\":\"x\",\"max_gen_len\":5.5    | #/max_gen_len: expected type: Integer, found: Double"
                    + " (allowed range: 1 to 2048)",
            "\"prompt\":\"x\",\"max_gen_len\":true   | #/max_gen_len: expected type: Integer, found: Boolean"
                    + " (allowed range: 1 to 2048)",
            "\"prompt\":\"x\",\"temperature\":\"0.5\" | #/temperature: expected type: Number, found: String"
                    + " (allowed range: 0 to 1)",
            "\"prompt\":\"x\",\"temperature\":false  | #/temperature: expected type: Number, found: Boolean"
                    + " (allowed range: 0 to 1)",
            "\"prompt\":\"x\",\"top_p\":{}           | #/top_p: expected type: Number, found: JSONObject"
                    + " (allowed range: 0 to 1)",
    })
    void wrongTypes(String fields, String violation) {
        assertMalformed("{" + fields + "}", violation);
    }

    @Test
    void extraneousKeys() {
        assertMalformed("{\"prompt\":\"x\",\"top_k\":5}", "#: extraneous key [top_k] is not permitted");
        assertMalformed("{\"prompt\":\"x\",\"Temperature\":0.5}", "#: extraneous key [Temperature] is not permitted");
    }

    @Test
    void everyViolationIsReported() {
        String message = assertThrows(BedrockException.class,
                () -> decode("{\"temperature\":2,\"max_gen_len\":\"a\",\"top_k\":1}")).getMessage();
        assertTrue(message.startsWith("Malformed input request: #: 4 schema violations found ("), message);
        assertTrue(message.contains("#: required key [prompt] not found"), message);
        assertTrue(message.contains("#/temperature: 2 is not less or equal to 1 (allowed range: 0 to 1)"), message);
        assertTrue(message.contains("#/max_gen_len: expected type: Integer, found: String"), message);
        assertTrue(message.contains("#: extraneous key [top_k] is not permitted"), message);
        assertTrue(message.endsWith("), please reformat your input and try again."), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "hello", "{\"prompt\":\"x\",}", "{\"prompt\":\"x\"} {}", "{\"prompt\":'x'}",
            "{\"prompt\":\"x\",\"prompt\":\"y\"}", "{\"prompt\":\"x\",\"temperature\":NaN}",
            "{\"prompt\":\"x\",\"temperature\":Infinity}", "{\"prompt\":\"x\",\"temperature\":-Infinity}",
            "{\"prompt\":\"x\",\"temperature\":0.5.5}", "{\"prompt\":\"x\",\"max_gen_len\":01}"})
    void notJson(String body) {
        assertMalformed(body, "the request body is not valid JSON");
    }

    @Test
    void emptyAndBlankBodies() {
        for (byte[] body : new byte[][] {null, new byte[0], " \n\t".getBytes(StandardCharsets.UTF_8)}) {
            BedrockException e = assertThrows(BedrockException.class, () -> codec.decodeRequest(body));
            assertEquals(BedrockErrorType.VALIDATION, e.type());
            assertTrue(e.getMessage().startsWith("Malformed input request: #: expected type: JSONObject"),
                    e.getMessage());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "[1]     | #: expected type: JSONObject, found: JSONArray",
            "\"x\"   | #: expected type: JSONObject, found: String",
            "42      | #: expected type: JSONObject, found: Integer",
            "null    | #: expected type: JSONObject, found: Null",
    })
    void notAnObject(String body, String violation) {
        assertMalformed(body, violation);
    }

    @Test
    void invalidUtf8AndHostileInputNeverEscapeAsJacksonExceptions() {
        byte[] badUtf8 = {'{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}'};
        assertThrows(BedrockException.class, () -> codec.decodeRequest(badUtf8));

        String deep = "{\"prompt\":\"x\",\"top_p\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        assertMalformed(deep, "the request body is not valid JSON");

        String longNumber = "{\"prompt\":\"x\",\"max_gen_len\":" + "9".repeat(5000) + "}";
        assertMalformed(longNumber, "the request body is not valid JSON");
    }

    @Test
    void hugeNumbersAreRangeErrorsNotInfinity() {
        assertMalformed("{\"prompt\":\"x\",\"temperature\":1e400}",
                "#/temperature: 1E+400 is not less or equal to 1 (allowed range: 0 to 1)");
        assertMalformed("{\"prompt\":\"x\",\"top_p\":-1e400}",
                "#/top_p: -1E+400 is not greater or equal to 0 (allowed range: 0 to 1)");
        assertMalformed("{\"prompt\":\"x\",\"max_gen_len\":99999999999999999999}",
                "#/max_gen_len: 99999999999999999999 is not less or equal to 2048 (allowed range: 1 to 2048)");
        assertMalformed("{\"prompt\":\"x\",\"max_gen_len\":1e999999999}",
                "#/max_gen_len: 1E+999999999 is not less or equal to 2048 (allowed range: 1 to 2048)");
        assertMalformed("{\"prompt\":\"x\",\"max_gen_len\":2147483648}",
                "#/max_gen_len: 2147483648 is not less or equal to 2048");
    }

    @Test
    void extremeExponentsAreCheap() {
        // A request is parsed on an I/O thread: a 20-byte body must not cost seconds (plain form of 1e999999999).
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            for (int i = 0; i < 100; i++) {
                assertMalformed("{\"prompt\":\"x\",\"temperature\":1e999999999}", "1E+999999999 is not less");
                assertMalformed("{\"prompt\":\"x\",\"max_gen_len\":1e-999999999}", "found: Double");
                assertTrue(decode("{\"prompt\":\"x\",\"temperature\":1e-999999999}").sampling().isGreedy());
            }
        });
    }

    @Test
    void unusualButValidPrompts() {
        String prompt = "  \n<s>[INST] \"quoted\" ünïcode ✓ 😀 \\ [/INST]";
        String body = "{\"prompt\":" + Json.MAPPER.valueToTree(prompt).toString() + "}";
        assertEquals(prompt, decode(body).prompt());
    }

    // --- responses ---

    @ParameterizedTest
    @CsvSource({"END_OF_SEQUENCE, stop", "STOP_SEQUENCE, stop", "MAX_TOKENS, length", "CONTEXT_LENGTH, length"})
    void responseBody(StopReason reason, String wire) throws IOException {
        String text = "\n\nHello \"world\" ✓";
        JsonNode body = Json.MAPPER.readTree(codec.encodeResponse(new GenerationOutcome(text, 7, 3, reason)));
        assertEquals(List.of("generation", "prompt_token_count", "generation_token_count", "stop_reason"),
                fieldNames(body));
        assertEquals(text, body.get("generation").textValue());
        assertEquals(7, body.get("prompt_token_count").intValue());
        assertTrue(body.get("prompt_token_count").isInt());
        assertEquals(3, body.get("generation_token_count").intValue());
        assertEquals(wire, body.get("stop_reason").textValue());
    }

    @Test
    void firstChunkCarriesThePromptCount() throws IOException {
        byte[] json = codec.encodeChunk(new StreamChunk("Hi", 5, 1, true, null, null));
        assertEquals("{\"generation\":\"Hi\",\"prompt_token_count\":5,\"generation_token_count\":1,"
                + "\"stop_reason\":null}", new String(json, StandardCharsets.UTF_8));
    }

    @Test
    void laterChunksHaveNullPromptCountAndNoMetrics() throws IOException {
        JsonNode chunk = Json.MAPPER.readTree(codec.encodeChunk(new StreamChunk(" there", 5, 2, false, null, null)));
        assertEquals(List.of("generation", "prompt_token_count", "generation_token_count", "stop_reason"),
                fieldNames(chunk));
        assertEquals(" there", chunk.get("generation").textValue());
        assertTrue(chunk.get("prompt_token_count").isNull());
        assertEquals(2, chunk.get("generation_token_count").intValue());
        assertTrue(chunk.get("stop_reason").isNull());
        assertFalse(chunk.has("amazon-bedrock-invocationMetrics"));
    }

    @Test
    void lastChunkCarriesStopReasonAndMetrics() throws IOException {
        InvocationMetrics metrics = new InvocationMetrics(5, 3, 321, 45);
        JsonNode chunk = Json.MAPPER.readTree(
                codec.encodeChunk(new StreamChunk("", 5, 3, false, StopReason.MAX_TOKENS, metrics)));
        assertEquals(List.of("generation", "prompt_token_count", "generation_token_count", "stop_reason",
                "amazon-bedrock-invocationMetrics"), fieldNames(chunk));
        assertEquals("", chunk.get("generation").textValue());
        assertTrue(chunk.get("prompt_token_count").isNull());
        assertEquals("length", chunk.get("stop_reason").textValue());
        JsonNode m = chunk.get("amazon-bedrock-invocationMetrics");
        assertEquals(List.of("inputTokenCount", "outputTokenCount", "invocationLatency", "firstByteLatency"),
                fieldNames(m));
        assertEquals(5, m.get("inputTokenCount").intValue());
        assertEquals(3, m.get("outputTokenCount").intValue());
        assertEquals(321, m.get("invocationLatency").intValue());
        assertEquals(45, m.get("firstByteLatency").intValue());
        assertTrue(m.get("invocationLatency").isIntegralNumber());
    }

    @Test
    void singleChunkStreamIsBothFirstAndLast() throws IOException {
        JsonNode chunk = Json.MAPPER.readTree(codec.encodeChunk(
                new StreamChunk("ok", 4, 1, true, StopReason.END_OF_SEQUENCE, new InvocationMetrics(4, 1, 10, 9))));
        assertEquals(4, chunk.get("prompt_token_count").intValue());
        assertEquals("stop", chunk.get("stop_reason").textValue());
        assertTrue(chunk.get("amazon-bedrock-invocationMetrics").isObject());
    }

    @Test
    void chunkSurvivesFramingUnchanged() {
        byte[] json = codec.encodeChunk(new StreamChunk("\u00e9\n\"", 5, 1, true, null, null));
        byte[] decoded = EventStreamDecoder.decodeAll(EventStreamEncoder.chunkEvent(json)).get(0).chunkBytes();
        assertArrayEquals(json, decoded);
    }

    // --- helpers ---

    private TextGenerationRequest decode(String body) {
        return codec.decodeRequest(body.getBytes(StandardCharsets.UTF_8));
    }

    private void assertMalformed(String body, String violation) {
        BedrockException e = assertThrows(BedrockException.class, () -> decode(body), body);
        assertEquals(BedrockErrorType.VALIDATION, e.type());
        assertTrue(e.getMessage().startsWith("Malformed input request: "), e.getMessage());
        assertTrue(e.getMessage().endsWith(", please reformat your input and try again."), e.getMessage());
        assertTrue(e.getMessage().contains(violation), () -> "expected <" + violation + "> in: " + e.getMessage());
        assertFalse(e.getMessage().contains("`") || e.getMessage().contains("Feature")
                || e.getMessage().contains("com.fasterxml"), () -> "parser internals leak: " + e.getMessage());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
