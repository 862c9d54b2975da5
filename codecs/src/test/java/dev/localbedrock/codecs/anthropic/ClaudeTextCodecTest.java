package dev.localbedrock.codecs.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.CodecOptions;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.TextFamilies;
import dev.localbedrock.codecs.TextFamilyCodec;
import dev.localbedrock.codecs.eventstream.EventStreamDecoder;
import dev.localbedrock.codecs.inference.Generation;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClaudeTextCodecTest {

    private static final String START = "prompt must start with \"\n\nHuman:\" turn after an optional system prompt";
    private static final String END = "prompt must end with \"\n\nAssistant:\" turn";
    private static final String ALTERNATE = "prompt must alternate \"\n\nHuman:\" and \"\n\nAssistant:\" turns";
    private static final String GOOD_PROMPT = "\n\nHuman: Hi\n\nAssistant:";

    private final ClaudeTextCodec lenient = new ClaudeTextCodec();
    private final ClaudeTextCodec strict = new ClaudeTextCodec(true);

    // --- family and configuration ---

    @Test
    void registeredLenientUnderItsFamilyName() {
        TextFamilyCodec registered = TextFamilies.forName("anthropic-claude");
        assertInstanceOf(ClaudeTextCodec.class, registered);
        assertFalse(((ClaudeTextCodec) registered).strictPromptFormat());
        assertEquals("anthropic-claude", strict.family());
        assertTrue(lenient.streams());
    }

    @Test
    void configuredPicksThePromptRule() {
        TextFamilyCodec s = lenient.configured(new CodecOptions(true));
        assertTrue(((ClaudeTextCodec) s).strictPromptFormat());
        assertSame(lenient, lenient.configured(CodecOptions.DEFAULTS));
        assertSame(strict, strict.configured(new CodecOptions(true)));
        assertFalse(((ClaudeTextCodec) strict.configured(CodecOptions.DEFAULTS)).strictPromptFormat());
        assertRefused(s, "Human: hi\nAssistant:", START, END);
        decode(s.configured(CodecOptions.DEFAULTS), body("Human: hi\nAssistant:", ""));
    }

    // --- requests ---

    @Test
    void specExampleBodyDecodes() {
        // bedrock-spec §2.5's template with the guide's example values (L1522-1527).
        TextGenerationRequest request = decode(lenient, """
                {
                    "prompt": "\\n\\nHuman:explain black holes to 8th graders\\n\\nAssistant:",
                    "temperature": 0.1,
                    "top_p": 0.9,
                    "top_k": 250,
                    "max_tokens_to_sample": 300,
                    "stop_sequences": ["\\n\\nHuman:"]
                }""");
        assertEquals("\n\nHuman:explain black holes to 8th graders\n\nAssistant:", request.prompt());
        assertEquals(0.1f, request.sampling().temperature());
        assertEquals(0.9f, request.sampling().topP());
        assertEquals(250, request.sampling().topK());
        assertEquals(300, request.maxTokens());
        assertEquals(List.of("\n\nHuman:"), request.stopSequences());
        // The same body passes the strict rule too.
        decode(strict, "{\"prompt\":\"\\n\\nHuman:explain\\n\\nAssistant:\",\"max_tokens_to_sample\":100}");
    }

    @Test
    void defaults() {
        TextGenerationRequest request = decode(lenient, body(GOOD_PROMPT, ""));
        assertEquals(200, request.maxTokens(), "as sent: max_tokens_to_sample has no default");
        assertEquals(0.5f, request.sampling().temperature());
        assertEquals(1f, request.sampling().topP());
        assertEquals(250, request.sampling().topK());
        assertEquals(List.of(), request.stopSequences());
        TextGenerationRequest nulls = decode(lenient, body(GOOD_PROMPT, ",\"temperature\":null,\"top_p\":null,"
                + "\"top_k\":null,\"stop_sequences\":null,\"anthropic_version\":null"));
        assertEquals(0.5f, nulls.sampling().temperature());
        assertEquals(250, nulls.sampling().topK());
    }

    @Test
    void frameworkBodiesValidate() {
        // LangChain4j's BedrockAnthropicCompletionChatModel defaults: temperature 1, top_p 0.999, top_k 250, 300
        // tokens, anthropic_version bedrock-2023-05-31; its prompt joins turns with one newline.
        TextGenerationRequest lc4j = decode(lenient, "{\"prompt\":\"\\n\\nHuman: hi\\nAssistant:\","
                + "\"max_tokens_to_sample\":300,\"temperature\":1.0,\"top_k\":250,\"top_p\":0.999,"
                + "\"stop_sequences\":[],\"anthropic_version\":\"bedrock-2023-05-31\"}");
        assertEquals(1f, lc4j.sampling().temperature());
        assertEquals(0.999f, lc4j.sampling().topP());
        assertEquals(300, lc4j.maxTokens());
        // Spring AI's defaults: temperature 0.8, top_k 10, 500 tokens, stop ["\n\nHuman:"].
        TextGenerationRequest spring = decode(lenient, "{\"prompt\":\"\\n\\nHuman: hi\\n\\nAssistant:\","
                + "\"temperature\":0.8,\"max_tokens_to_sample\":500,\"top_k\":10,"
                + "\"stop_sequences\":[\"\\n\\nHuman:\"],\"anthropic_version\":\"bedrock-2023-05-31\"}");
        assertEquals(10, spring.sampling().topK());
        assertEquals(List.of("\n\nHuman:"), spring.stopSequences());
        // Greedy with everything "off", as AWS samples send it.
        TextGenerationRequest greedy = decode(lenient, body(GOOD_PROMPT,
                ",\"temperature\":0,\"top_p\":0,\"top_k\":0"));
        assertTrue(greedy.sampling().isGreedy());
        assertEquals(0, greedy.sampling().topK(), "top_k 0 means no top-k");
        assertEquals(Float.MIN_VALUE, greedy.sampling().topP(), "top_p 0 keeps only the top token");
    }

    @Test
    void maxTokensToSampleIsRequired() {
        assertMalformed(lenient, "{\"prompt\":\"\\n\\nHuman: x\\n\\nAssistant:\"}",
                "#: required key [max_tokens_to_sample] not found");
        assertMalformed(lenient, "{\"prompt\":\"\\n\\nHuman: x\\n\\nAssistant:\",\"max_tokens_to_sample\":null}",
                "#: required key [max_tokens_to_sample] not found");
        String both = assertThrows(BedrockException.class, () -> decode(lenient, "{}")).getMessage();
        assertTrue(both.contains("#: 2 schema violations found"), both);
        assertTrue(both.contains("#: required key [prompt] not found"), both);
        assertTrue(both.contains("#: required key [max_tokens_to_sample] not found"), both);
    }

    /** Every parameter at and just beyond each edge, and with a wrong type. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // field              | value     | ok    | violation
            "max_tokens_to_sample | -1        | false | #/max_tokens_to_sample: -1 is not greater or equal to 0 (allowed range: 0 to 4096)",
            "max_tokens_to_sample | 0         | true  | ",
            "max_tokens_to_sample | 4096      | true  | ",
            "max_tokens_to_sample | 4097      | false | #/max_tokens_to_sample: 4097 is not less or equal to 4096 (allowed range: 0 to 4096)",
            "max_tokens_to_sample | 30.5      | false | #/max_tokens_to_sample: expected type: Integer, found: Double (allowed range: 0 to 4096)",
            "max_tokens_to_sample | \"300\"   | false | #/max_tokens_to_sample: expected type: Integer, found: String (allowed range: 0 to 4096)",
            "temperature          | -0.01     | false | #/temperature: -0.01 is not greater or equal to 0 (allowed range: 0 to 1)",
            "temperature          | 0         | true  | ",
            "temperature          | 1         | true  | ",
            "temperature          | 1.01      | false | #/temperature: 1.01 is not less or equal to 1 (allowed range: 0 to 1)",
            "temperature          | \"hot\"   | false | #/temperature: expected type: Number, found: String (allowed range: 0 to 1)",
            "top_p                | -0.5      | false | #/top_p: -0.5 is not greater or equal to 0 (allowed range: 0 to 1)",
            "top_p                | 0         | true  | ",
            "top_p                | 1         | true  | ",
            "top_p                | 1.1       | false | #/top_p: 1.1 is not less or equal to 1 (allowed range: 0 to 1)",
            "top_p                | [0.5]     | false | #/top_p: expected type: Number, found: JSONArray (allowed range: 0 to 1)",
            "top_k                | -1        | false | #/top_k: -1 is not greater or equal to 0 (allowed range: 0 to 500)",
            "top_k                | 0         | true  | ",
            "top_k                | 500       | true  | ",
            "top_k                | 501       | false | #/top_k: 501 is not less or equal to 500 (allowed range: 0 to 500)",
            "top_k                | 2.5       | false | #/top_k: expected type: Integer, found: Double (allowed range: 0 to 500)",
            "top_k                | false     | false | #/top_k: expected type: Integer, found: Boolean (allowed range: 0 to 500)",
            "stop_sequences       | []        | true  | ",
            "stop_sequences       | [\"a\",\"b\",\"c\",\"d\"] | true | ",
            "stop_sequences       | [\"a\",\"b\",\"c\",\"d\",\"e\"] | false | #/stop_sequences: expected maximum item count: 4, found: 5",
            "stop_sequences       | \"\\n\\nHuman:\" | false | #/stop_sequences: expected type: JSONArray, found: String",
            "stop_sequences       | [null]    | false | #/stop_sequences/0: expected type: String, found: Null",
            "stop_sequences       | [\"\"]    | false | #/stop_sequences: an item is an empty string (expected minLength: 1)",
            "anthropic_version    | \"bedrock-2023-05-31\" | true | ",
            "anthropic_version    | \"2023-06-01\" | false | #/anthropic_version: 2023-06-01 is not a valid enum value (allowed values: bedrock-2023-05-31)",
            "anthropic_version    | 1         | false | #/anthropic_version: expected type: String, found: Integer (allowed values: bedrock-2023-05-31)",
    })
    void everyParameterEdge(String field, String value, boolean ok, String violation) {
        // max_tokens_to_sample is required: the other rows carry a valid one.
        String rest = field.equals("max_tokens_to_sample") ? "" : ",\"max_tokens_to_sample\":200";
        String body = "{\"prompt\":\"\\n\\nHuman: x\\n\\nAssistant:\",\"" + field + "\":" + value + rest + "}";
        if (ok) {
            decode(lenient, body);
            decode(strict, body);
        } else {
            assertMalformed(lenient, body, violation);
            assertMalformed(strict, body, violation);
        }
    }

    @Test
    void stopSequenceLengthIsBounded() {
        String longest = "x".repeat(ClaudeTextCodec.MAX_STOP_SEQUENCE_LENGTH);
        assertEquals(List.of(longest), decode(lenient, body(GOOD_PROMPT,
                ",\"stop_sequences\":[\"" + longest + "\"]")).stopSequences());
        assertMalformed(lenient, body(GOOD_PROMPT, ",\"stop_sequences\":[\"" + longest + "x\"]"),
                "#/stop_sequences/0: expected maxLength: 256, actual: 257");
    }

    @Test
    void edgeValuesReachTheRequest() {
        assertEquals(0, decode(lenient, "{\"prompt\":\"" + esc(GOOD_PROMPT) + "\",\"max_tokens_to_sample\":0}")
                .maxTokens());
        assertEquals(4096, decode(lenient, "{\"prompt\":\"" + esc(GOOD_PROMPT)
                + "\",\"max_tokens_to_sample\":4096.0}").maxTokens());
        assertEquals(500, decode(lenient, body(GOOD_PROMPT, ",\"top_k\":500")).sampling().topK());
    }

    @Test
    void unknownFieldsAndBadPrompts() {
        assertMalformed(lenient, body(GOOD_PROMPT, ",\"model\":\"claude-2\""),
                "#: extraneous key [model] is not permitted");
        assertMalformed(lenient, body(GOOD_PROMPT, ",\"topP\":0.5"), "#: extraneous key [topP] is not permitted");
        assertMalformed(lenient, body(GOOD_PROMPT, ",\"stream\":true"), "#: extraneous key [stream] is not permitted");
        assertMalformed(lenient, "{\"max_tokens_to_sample\":5}", "#: required key [prompt] not found");
        assertMalformed(lenient, "{\"prompt\":\"\",\"max_tokens_to_sample\":5}",
                "#/prompt: expected minLength: 1, actual: 0");
        assertMalformed(lenient, "{\"prompt\":{},\"max_tokens_to_sample\":5}",
                "#/prompt: expected type: String, found: JSONObject");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "prompt", "{\"prompt\":\"x\",}", "{\"prompt\":\"x\",\"prompt\":\"y\"}",
            "{\"prompt\":\"x\",\"max_tokens_to_sample\":Infinity}", "{\"prompt\":\"x\"}]"})
    void malformedJson(String body) {
        assertMalformed(lenient, body, "the request body is not valid JSON");
    }

    @Test
    void emptyBlankAndNonObjectBodies() {
        for (byte[] body : new byte[][] {null, new byte[0], "\t".getBytes(StandardCharsets.UTF_8)}) {
            BedrockException e = assertThrows(BedrockException.class, () -> lenient.decodeRequest(body));
            assertEquals(BedrockErrorType.VALIDATION, e.type());
            assertTrue(e.getMessage().startsWith("Malformed input request: #: expected type: JSONObject"),
                    e.getMessage());
        }
        assertMalformed(lenient, "\"\\n\\nHuman: x\\n\\nAssistant:\"", "#: expected type: JSONObject, found: String");
    }

    @Test
    void schemaViolationsComeBeforeThePromptRule() {
        assertMalformed(strict, "{\"prompt\":\"no turns\",\"max_tokens_to_sample\":9999}",
                "#/max_tokens_to_sample: 9999 is not less or equal to 4096");
    }

    // --- the prompt rule ---

    @ParameterizedTest
    @ValueSource(strings = {
            "\n\nHuman: Hi\n\nAssistant:",
            "\n\nHuman:Hi\n\nAssistant:",                                    // no space after the marker (guide L1366)
            "\n\nHuman: Hi\n\nAssistant: ",                                  // trailing whitespace
            "\n\nHuman: Hi\n\nAssistant: <output>",                          // prefill
            "You are terse.\n\nHuman: Hi\n\nAssistant:",                     // Claude 2.1 system prompt
            "\n\nHuman: a\n\nAssistant: b\n\nHuman: c\n\nAssistant:",        // multi-turn
            "\n\nHuman: Use H: and A: in examples\n\nAssistant:",            // guide L2890: H:/A: are not turns
            "\n\nHuman:\n\nAssistant:",                                      // empty turn
    })
    void promptsBothRulesAccept(String prompt) {
        assertEquals(prompt, decode(strict, body(prompt, "")).prompt());
        assertEquals(prompt, decode(lenient, body(prompt, "")).prompt());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "\n\nHuman: Hi\nAssistant:",                                     // LangChain4j: one newline
            "Human: Hi\n\nAssistant:",                                       // Human: at the very start
            "Human: Hi\nAssistant:",
            "You are terse.\nHuman: Hi\nAssistant:",                         // system line, single newlines
            "\n\nHuman: a\nHuman: b\nAssistant:",                            // repeated Human turns
            "\n\nHuman: a\nAssistant: b\nHuman: c\nAssistant:",
            "\n\nHuman: Hi\r\nAssistant:",                                   // CRLF: the marker follows "\n"
    })
    void frameworkPromptsOnlyLenientAccepts(String prompt) {
        assertEquals(prompt, decode(lenient, body(prompt, "")).prompt());
        assertThrows(BedrockException.class, () -> decode(strict, body(prompt, "")));
    }

    @Test
    void strictRefusalsInBedrocksWords() {
        assertRefused(strict, "Human: Hi\n\nAssistant:", START);
        assertRefused(strict, "\n\nHuman: Hi", END);
        assertRefused(strict, "\n\nHuman: Hi\nAssistant:", END);
        assertRefused(strict, "Tell me a joke", START, END);
        assertRefused(strict, "\n\nAssistant: Hi\n\nHuman: x\n\nAssistant:", START);
        assertRefused(strict, "\n\nHuman: a\n\nHuman: b\n\nAssistant:", ALTERNATE);
        assertRefused(strict, "\n\nHuman: a\n\nAssistant: b\n\nAssistant:", ALTERNATE);
        assertRefused(strict, "\n\nHuman: a\n\nAssistant: b\n\nHuman: c", END);
        assertRefused(strict, "\n\nAssistant:", START);
    }

    @Test
    void exactStrictMessage() {
        BedrockException e = assertThrows(BedrockException.class,
                () -> decode(strict, body("Tell me a joke", "")));
        assertEquals(BedrockErrorType.VALIDATION, e.type());
        assertEquals(400, e.type().httpStatus());
        assertEquals("prompt must start with \"\n\nHuman:\" turn after an optional system prompt, "
                + "prompt must end with \"\n\nAssistant:\" turn", e.getMessage());
    }

    @Test
    void lenientStillRefusesPromptsWithoutTurns() {
        assertRefused(lenient, "Tell me a joke", START, END);
        assertRefused(lenient, "What does Human: mean?", START, END);   // not at a line start
        assertRefused(lenient, " Human: Hi\n Assistant:", START, END); // indented markers are not turns
        assertRefused(lenient, "\n\nHuman: Hi", END);
        assertRefused(lenient, "\n\nHuman: Hi\nAssistant: ok\nHuman: more", END);
        assertRefused(lenient, "Assistant: I am ready.", START);
        assertRefused(lenient, "human: hi\nassistant:", START, END);     // markers are case-sensitive
    }

    @Test
    void lenientAcceptsEverythingStrictAccepts() {
        // A prefill holding a line that starts with "Human:" reads, line by line, as ending on a Human turn.
        String prompt = "\n\nHuman: Quote the dialogue\n\nAssistant: Here it is:\nHuman: hello";
        decode(strict, body(prompt, ""));
        decode(lenient, body(prompt, ""));
    }

    @Test
    void hostilePromptsAreLinear() {
        String manyHumans = "\n\nHuman: x".repeat(50_000) + "\n\nAssistant:";
        String manyLines = "\n".repeat(500_000) + "Human: x\nAssistant:";
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertRefused(strict, manyHumans, ALTERNATE);
            decode(lenient, body(manyHumans, ""));
            decode(lenient, body(manyLines, ""));
            assertRefused(strict, manyLines, END); // "\n\nHuman:" is there, "\n\nAssistant:" is not
        });
    }

    // --- responses ---

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "END_OF_SEQUENCE | stop_sequence | ",
            "STOP_SEQUENCE   | stop_sequence | </output>",
            "MAX_TOKENS      | max_tokens    | ",
            "CONTEXT_LENGTH  | max_tokens    | ",
    })
    void responseBodyMatchesTheRealShape(StopReason reason, String wire, String stop) throws IOException {
        String text = " Black holes are \"heavy\" ✓";
        GenerationOutcome outcome = GenerationOutcome.of(11, List.of(new Generation(0, text, null, 6, reason,
                null, stop)), null);
        JsonNode body = Json.MAPPER.readTree(lenient.encodeResponse(outcome));
        assertEquals(List.of("completion", "stop_reason", "stop"), fieldNames(body));
        assertEquals(text, body.get("completion").textValue());
        assertEquals(wire, body.get("stop_reason").textValue());
        if (stop == null) {
            assertTrue(body.get("stop").isNull());
        } else {
            assertEquals(stop, body.get("stop").textValue());
        }
    }

    @Test
    void responseExactBytes() {
        GenerationOutcome outcome = GenerationOutcome.of(3, List.of(new Generation(0, " Hello!", null, 2,
                StopReason.STOP_SEQUENCE, null, "\n\nHuman:")), null);
        assertEquals("{\"completion\":\" Hello!\",\"stop_reason\":\"stop_sequence\",\"stop\":\"\\n\\nHuman:\"}",
                new String(lenient.encodeResponse(outcome), StandardCharsets.UTF_8));
        assertEquals("{\"completion\":\"\",\"stop_reason\":\"max_tokens\",\"stop\":null}", new String(
                lenient.encodeResponse(new GenerationOutcome(null, 3, 0, StopReason.MAX_TOKENS)),
                StandardCharsets.UTF_8));
    }

    @Test
    void intermediateChunksHaveNullStop() throws IOException {
        for (boolean first : new boolean[] {true, false}) {
            JsonNode chunk = Json.MAPPER.readTree(lenient.encodeChunk(new StreamChunk(" Black", 11, 1, first, null,
                    null)));
            assertEquals(List.of("completion", "stop_reason", "stop"), fieldNames(chunk));
            assertEquals(" Black", chunk.get("completion").textValue());
            assertTrue(chunk.get("stop_reason").isNull());
            assertTrue(chunk.get("stop").isNull());
        }
    }

    @Test
    void lastChunkCarriesReasonStopAndMetrics() throws IOException {
        JsonNode chunk = Json.MAPPER.readTree(lenient.encodeChunk(new StreamChunk("", 11, 7, false,
                StopReason.STOP_SEQUENCE, new InvocationMetrics(11, 7, 640, 80), 0, "</output>")));
        assertEquals(List.of("completion", "stop_reason", "stop", "amazon-bedrock-invocationMetrics"),
                fieldNames(chunk));
        assertEquals("", chunk.get("completion").textValue());
        assertEquals("stop_sequence", chunk.get("stop_reason").textValue());
        assertEquals("</output>", chunk.get("stop").textValue());
        JsonNode m = chunk.get("amazon-bedrock-invocationMetrics");
        assertEquals(List.of("inputTokenCount", "outputTokenCount", "invocationLatency", "firstByteLatency"),
                fieldNames(m));
        assertEquals(11, m.get("inputTokenCount").intValue());
        assertEquals(7, m.get("outputTokenCount").intValue());
        assertEquals(640, m.get("invocationLatency").longValue());
        assertEquals(80, m.get("firstByteLatency").longValue());
    }

    @ParameterizedTest
    @CsvSource({"END_OF_SEQUENCE, stop_sequence", "MAX_TOKENS, max_tokens", "CONTEXT_LENGTH, max_tokens"})
    void lastChunkWithoutAStopSequence(StopReason reason, String wire) throws IOException {
        JsonNode chunk = Json.MAPPER.readTree(lenient.encodeChunk(new StreamChunk(".", 11, 7, false, reason, null)));
        assertEquals(List.of("completion", "stop_reason", "stop"), fieldNames(chunk));
        assertEquals(wire, chunk.get("stop_reason").textValue());
        assertTrue(chunk.get("stop").isNull());
    }

    @Test
    void chunkSurvivesFramingUnchanged() {
        List<byte[]> frames = new ArrayList<>();
        StreamChunk chunk = new StreamChunk("\u00e9\n\"", 5, 1, true, null, null);
        strict.openStream(decode(strict, body(GOOD_PROMPT, ""))).encode(chunk, frames::add);
        assertEquals(1, frames.size());
        assertArrayEquals(strict.encodeChunk(chunk), EventStreamDecoder.decodeAll(frames.get(0)).get(0).chunkBytes());
    }

    // --- request and assertion builders ---

    /** A body with the prompt, max_tokens_to_sample 200 and {@code extra} (",\"key\":value..." or ""). */
    private static String body(String prompt, String extra) {
        return "{\"prompt\":\"" + esc(prompt) + "\",\"max_tokens_to_sample\":200" + extra + "}";
    }

    private static String esc(String text) {
        String quoted = Json.MAPPER.getNodeFactory().textNode(text).toString();
        return quoted.substring(1, quoted.length() - 1);
    }

    private static TextGenerationRequest decode(TextFamilyCodec codec, String body) {
        return codec.decodeRequest(body.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertRefused(TextFamilyCodec codec, String prompt, String... problems) {
        BedrockException e = assertThrows(BedrockException.class, () -> decode(codec, body(prompt, "")),
                () -> "accepted: " + prompt);
        assertEquals(BedrockErrorType.VALIDATION, e.type());
        assertEquals(String.join(", ", problems), e.getMessage(), () -> "for prompt: " + prompt);
    }

    private static void assertMalformed(TextFamilyCodec codec, String body, String violation) {
        BedrockException e = assertThrows(BedrockException.class, () -> decode(codec, body), body);
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
