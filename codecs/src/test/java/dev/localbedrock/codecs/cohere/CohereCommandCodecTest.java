package dev.localbedrock.codecs.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.StreamEncoder;
import dev.localbedrock.codecs.TextFamilies;
import dev.localbedrock.codecs.eventstream.EventStreamDecoder;
import dev.localbedrock.codecs.inference.Generation;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.InvocationMetrics;
import dev.localbedrock.codecs.inference.LikelihoodMode;
import dev.localbedrock.codecs.inference.PromptTruncation;
import dev.localbedrock.codecs.inference.StopReason;
import dev.localbedrock.codecs.inference.StreamChunk;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.codecs.inference.TokenLikelihood;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CohereCommandCodecTest {

    private final CohereCommandCodec codec = new CohereCommandCodec();

    // --- requests ---

    @Test
    void guideExampleBody() {
        TextGenerationRequest request =
                decode("{\"prompt\": \"How do you tie a tie?\", \"max_tokens\": 200, \"temperature\": 0.5, \"p\": 0.5}");
        assertEquals("How do you tie a tie?", request.prompt());
        assertEquals(200, request.maxTokens());
        assertEquals(0.5f, request.sampling().temperature());
        assertEquals(0.5f, request.sampling().topP());
    }

    @Test
    void defaults() {
        TextGenerationRequest request = decode("{\"prompt\":\"x\"}");
        assertEquals(20, request.maxTokens());
        assertEquals(0.9f, request.sampling().temperature());
        assertEquals(0.75f, request.sampling().topP());
        assertEquals(0, request.sampling().topK());
        assertEquals(1, request.numGenerations());
        assertEquals(LikelihoodMode.NONE, request.returnLikelihoods());
        assertEquals(PromptTruncation.END, request.promptTruncation());
        assertEquals(Map.of(), request.sampling().logitBias());
        assertFalse(request.sampling().penalties().isActive());
        assertEquals("cohere-command", codec.family());
        assertTrue(codec.streams());
        assertSame(CohereCommandCodec.class, TextFamilies.forName("cohere-command").getClass());
    }

    @Test
    void specBodyWithEveryField() {
        TextGenerationRequest request = decode("{\"prompt\":\"Write a haiku\",\"temperature\":5,\"p\":0.3,\"k\":500,"
                + "\"max_tokens\":4096,\"stop_sequences\":[\"a\",\"b\",\"c\",\"d\"],\"return_likelihoods\":\"ALL\","
                + "\"stream\":true,\"num_generations\":5,\"logit_bias\":{\"123\":-10,\"7\":10,\"0\":2.5},"
                + "\"truncate\":\"START\"}");
        assertEquals(5f, request.sampling().temperature());
        assertEquals(0.3f, request.sampling().topP());
        assertEquals(500, request.sampling().topK());
        assertEquals(4096, request.maxTokens());
        assertEquals(List.of("a", "b", "c", "d"), request.stopSequences());
        assertEquals(LikelihoodMode.ALL, request.returnLikelihoods());
        assertEquals(5, request.numGenerations());
        assertEquals(Map.of(123, -10f, 7, 10f, 0, 2.5f), request.sampling().logitBias());
        assertEquals(PromptTruncation.START, request.promptTruncation());
    }

    @Test
    void whatSpringAiSends() {
        TextGenerationRequest request = decode("{\"prompt\":\"What is the capital of Bulgaria?\",\"temperature\":0.5,"
                + "\"p\":0.8,\"k\":15,\"max_tokens\":100,\"stop_sequences\":[\"END\"],\"return_likelihoods\":\"ALL\","
                + "\"stream\":false,\"num_generations\":3,\"truncate\":\"NONE\"}");
        assertEquals(15, request.sampling().topK());
        assertEquals(3, request.numGenerations());
        assertEquals(PromptTruncation.NONE, request.promptTruncation());
    }

    @Test
    void whatLangChain4jSends() {
        TextGenerationRequest request = decode("{\"prompt\":\"Hello\",\"max_tokens\":300,\"temperature\":1.0,"
                + "\"p\":0.999,\"k\":0,\"stop_sequences\":[],\"return_likelihoods\":\"NONE\"}");
        assertEquals(300, request.maxTokens());
        assertEquals(0.999f, request.sampling().topP());
    }

    @ParameterizedTest
    @CsvSource({"0, 1.0", "1, 1.0", "1.0, 1.0", "0.5, 0.5"})
    void pOfZeroOrOneDisablesIt(String json, float expected) {
        assertEquals(expected, decode("{\"prompt\":\"x\",\"p\":" + json + "}").sampling().topP());
    }

    @Test
    void temperatureZeroIsGreedyAndIntegralFloatKIsAccepted() {
        TextGenerationRequest request = decode("{\"prompt\":\"x\",\"temperature\":0,\"k\":15.0}");
        assertTrue(request.sampling().isGreedy());
        assertEquals(15, request.sampling().topK());
    }

    /** Each parameter at, just past its edges and with the wrong type; an empty cell means accepted. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "temperature | -0.1   | #/temperature: -0.1 is not greater or equal to 0 (allowed range: 0 to 5)",
            "temperature | 0      | -",
            "temperature | 5      | -",
            "temperature | 5.01   | #/temperature: 5.01 is not less or equal to 5 (allowed range: 0 to 5)",
            "temperature | \"hot\" | #/temperature: expected type: Number, found: String (allowed range: 0 to 5)",
            "p           | -0.01  | #/p: -0.01 is not greater or equal to 0 (allowed range: 0 to 1)",
            "p           | 0      | -",
            "p           | 1      | -",
            "p           | 1.01   | #/p: 1.01 is not less or equal to 1 (allowed range: 0 to 1)",
            "p           | [0.5]  | #/p: expected type: Number, found: JSONArray (allowed range: 0 to 1)",
            "k           | -1     | #/k: -1 is not greater or equal to 0 (allowed range: 0 to 500)",
            "k           | 0      | -",
            "k           | 500    | -",
            "k           | 501    | #/k: 501 is not less or equal to 500 (allowed range: 0 to 500)",
            "k           | 2.5    | #/k: expected type: Integer, found: Double (allowed range: 0 to 500)",
            "max_tokens  | 0      | #/max_tokens: 0 is not greater or equal to 1 (allowed range: 1 to 4096)",
            "max_tokens  | 1      | -",
            "max_tokens  | 4096   | -",
            "max_tokens  | 4097   | #/max_tokens: 4097 is not less or equal to 4096 (allowed range: 1 to 4096)",
            "max_tokens  | \"20\" | #/max_tokens: expected type: Integer, found: String (allowed range: 1 to 4096)",
            "num_generations | 0  | #/num_generations: 0 is not greater or equal to 1 (allowed range: 1 to 5)",
            "num_generations | 1  | -",
            "num_generations | 5  | -",
            "num_generations | 6  | #/num_generations: 6 is not less or equal to 5 (allowed range: 1 to 5)",
            "num_generations | true | #/num_generations: expected type: Integer, found: Boolean",
            "stop_sequences | []                        | -",
            "stop_sequences | [\"a\",\"b\",\"c\",\"d\"] | -",
            "stop_sequences | [\"a\",\"b\",\"c\",\"d\",\"e\"] | #/stop_sequences: expected maximum item count: 4,"
                    + " found: 5",
            "stop_sequences | \"END\"                   | #/stop_sequences: expected type: JSONArray, found: String",
            "stop_sequences | [null]                    | #/stop_sequences/0: expected type: String, found: Null",
            "return_likelihoods | \"GENERATION\" | -",
            "return_likelihoods | \"ALL\"        | -",
            "return_likelihoods | \"NONE\"       | -",
            "return_likelihoods | \"all\"        | #/return_likelihoods: all is not a valid enum value"
                    + " (allowed values: GENERATION, ALL, NONE)",
            "return_likelihoods | 1              | #/return_likelihoods: expected type: String, found: Integer"
                    + " (allowed values: GENERATION, ALL, NONE)",
            "truncate | \"NONE\"  | -",
            "truncate | \"START\" | -",
            "truncate | \"END\"   | -",
            "truncate | \"LEFT\"  | #/truncate: LEFT is not a valid enum value (allowed values: NONE, START, END)",
            "truncate | false     | #/truncate: expected type: String, found: Boolean",
            "stream   | true      | -",
            "stream   | false     | -",
            "stream   | \"true\"  | #/stream: expected type: Boolean, found: String",
            "logit_bias | {\"5\":-10}    | -",
            "logit_bias | {\"5\":10}     | -",
            "logit_bias | {\"5\":-10.5}  | #/logit_bias/5: -10.5 is not greater or equal to -10 (allowed range: -10 to 10)",
            "logit_bias | {\"5\":11}     | #/logit_bias/5: 11 is not less or equal to 10 (allowed range: -10 to 10)",
            "logit_bias | {\"5\":\"1\"}  | #/logit_bias/5: expected type: Number, found: String",
            "logit_bias | [5]            | #/logit_bias: expected type: JSONObject, found: JSONArray",
            "logit_bias | {\"hello\":1}  | #/logit_bias/hello: expected a token id (a non-negative integer) as key,"
                    + " found: \"hello\"",
            "logit_bias | {\"-3\":1}     | #/logit_bias/-3: expected a token id",
            "logit_bias | {\"1.5\":1}    | #/logit_bias/1.5: expected a token id",
            "logit_bias | {\"\":1}       | #/logit_bias/: expected a token id",
            "logit_bias | {\"99999999999\":1} | #/logit_bias/99999999999: expected a token id",
            "logit_bias | {\"7\":1,\"07\":2} | #/logit_bias/07: token id 7 is given more than once",
    })
    void parameterTable(String field, String value, String violation) {
        String body = "{\"prompt\":\"x\",\"" + field + "\":" + value + "}";
        if (violation == null) {
            decode(body);
        } else {
            assertMalformed(body, violation);
        }
    }

    @Test
    void whatSpringAiWritesForItsLogitBiasRecordIsRefusedNamingTheKey() {
        assertMalformed("{\"prompt\":\"x\",\"logit_bias\":{\"token\":\"abc\",\"bias\":1.0}}",
                "#/logit_bias/bias: expected a token id");
    }

    @Test
    void unknownFieldsAndMissingPrompt() {
        assertMalformed("{\"prompt\":\"x\",\"top_p\":0.5}", "#: extraneous key [top_p] is not permitted");
        assertMalformed("{\"prompt\":\"x\",\"model\":\"command\"}", "#: extraneous key [model] is not permitted");
        assertMalformed("{\"max_tokens\":5}", "#: required key [prompt] not found");
        assertMalformed("{\"prompt\":\"\"}", "#/prompt: expected minLength: 1, actual: 0");
        assertMalformed("{\"prompt\":7}", "#/prompt: expected type: String, found: Integer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "{\"prompt\":\"x\",}", "{\"prompt\":\"x\"}]", "{\"prompt\":\"x\",\"k\":1,\"k\":2}",
            "{\"prompt\":\"x\",\"logit_bias\":{\"1\":1,\"1\":2}}"})
    void malformedJson(String body) {
        assertMalformed(body, "the request body is not valid JSON");
    }

    @Test
    void emptyBody() {
        for (byte[] body : new byte[][] {null, new byte[0], "\n".getBytes(StandardCharsets.UTF_8)}) {
            BedrockException e = assertThrows(BedrockException.class, () -> codec.decodeRequest(body));
            assertEquals(BedrockErrorType.VALIDATION, e.type());
            assertTrue(e.getMessage().contains("#: expected type: JSONObject"), e.getMessage());
        }
    }

    // --- responses ---

    @Test
    void responseWithoutLikelihoodsMatchesFieldForField() throws IOException {
        TextGenerationRequest request = decode("{\"prompt\":\"How do you tie a tie?\"}");
        JsonNode body = Json.MAPPER.readTree(codec.encodeResponse(request,
                new GenerationOutcome(" Carefully.", 7, 3, StopReason.END_OF_SEQUENCE)));
        String id = body.get("id").textValue();
        assertEquals(id, UUID.fromString(id).toString());
        JsonNode generation = body.get("generations").get(0);
        String generationId = generation.get("id").textValue();
        assertEquals(generationId, UUID.fromString(generationId).toString());
        ((ObjectNode) body).remove("id");
        ((ObjectNode) generation).remove("id");
        assertEquals("{\"generations\":[{\"finish_reason\":\"COMPLETE\",\"text\":\" Carefully.\"}],"
                + "\"prompt\":\"How do you tie a tie?\"}", body.toString());
    }

    @ParameterizedTest
    @CsvSource({"END_OF_SEQUENCE, COMPLETE", "STOP_SEQUENCE, COMPLETE", "MAX_TOKENS, MAX_TOKENS",
            "CONTEXT_LENGTH, MAX_TOKENS"})
    void finishReasons(StopReason reason, String wire) throws IOException {
        JsonNode body = Json.MAPPER.readTree(codec.encodeResponse(new GenerationOutcome("x", 1, 1, reason)));
        assertEquals(wire, body.get("generations").get(0).get("finish_reason").textValue());
    }

    @Test
    void generationLikelihoods() throws IOException {
        TextGenerationRequest request = decode("{\"prompt\":\"Hi\",\"return_likelihoods\":\"GENERATION\"}");
        Generation generation = new Generation(0, " there", new int[] {4, 5}, 2, StopReason.MAX_TOKENS,
                List.of(new TokenLikelihood(4, " the", -1f), new TokenLikelihood(5, "re", -2f)));
        GenerationOutcome outcome = GenerationOutcome.of(1, List.of(generation),
                List.of(new TokenLikelihood(9, "Hi", Float.NaN)));
        JsonNode g = Json.MAPPER.readTree(codec.encodeResponse(request, outcome)).get("generations").get(0);
        assertEquals(List.of("finish_reason", "id", "text", "likelihood", "token_likelihoods"), fieldNames(g));
        assertEquals(-1.5f, g.get("likelihood").floatValue(), "the mean of the generated tokens' log-likelihoods");
        assertEquals("[{\"token\":\" the\",\"likelihood\":-1.0},{\"token\":\"re\",\"likelihood\":-2.0}]",
                g.get("token_likelihoods").toString(), "GENERATION leaves the prompt's tokens out");
    }

    @Test
    void allLikelihoodsPutThePromptFirst() throws IOException {
        TextGenerationRequest request = decode("{\"prompt\":\"Hi you\",\"return_likelihoods\":\"ALL\"}");
        Generation generation = new Generation(0, "!", new int[] {3}, 1, StopReason.END_OF_SEQUENCE,
                List.of(new TokenLikelihood(3, "!", -0.5f)));
        GenerationOutcome outcome = GenerationOutcome.of(2, List.of(generation),
                List.of(new TokenLikelihood(1, "Hi", Float.NaN), new TokenLikelihood(2, " you", -3f)));
        JsonNode g = Json.MAPPER.readTree(codec.encodeResponse(request, outcome)).get("generations").get(0);
        assertEquals("[{\"token\":\"Hi\"},{\"token\":\" you\",\"likelihood\":-3.0},"
                + "{\"token\":\"!\",\"likelihood\":-0.5}]", g.get("token_likelihoods").toString());
        assertEquals(-0.5f, g.get("likelihood").floatValue());
    }

    @Test
    void severalGenerationsEachWithItsOwnId() throws IOException {
        TextGenerationRequest request = decode("{\"prompt\":\"x\",\"num_generations\":2}");
        GenerationOutcome outcome = GenerationOutcome.of(1, List.of(
                new Generation(0, "a", new int[] {1}, 1, StopReason.END_OF_SEQUENCE, null),
                new Generation(1, "b", new int[] {2}, 1, StopReason.MAX_TOKENS, null)), null);
        JsonNode generations = Json.MAPPER.readTree(codec.encodeResponse(request, outcome)).get("generations");
        assertEquals(2, generations.size());
        assertEquals("a", generations.get(0).get("text").textValue());
        assertEquals("MAX_TOKENS", generations.get(1).get("finish_reason").textValue());
        assertFalse(generations.get(0).get("id").equals(generations.get(1).get("id")));
        assertFalse(generations.get(0).has("index"), "index is a streaming field");
    }

    // --- streaming ---

    @Test
    void singleGenerationStreamIsFlatWithoutIndex() {
        StreamEncoder encoder = codec.openStream(decode("{\"prompt\":\"x\",\"stream\":true}"));
        InvocationMetrics metrics = new InvocationMetrics(3, 2, 120, 30);
        List<String> chunks = new ArrayList<>();
        encode(encoder, new StreamChunk(" Hello", 3, 1, true, null, null), chunks);
        encode(encoder, new StreamChunk(" world", 3, 2, false, StopReason.END_OF_SEQUENCE, metrics), chunks);
        assertEquals(List.of(
                "{\"text\":\" Hello\",\"is_finished\":false}",
                "{\"text\":\" world\",\"is_finished\":false}",
                "{\"is_finished\":true,\"finish_reason\":\"COMPLETE\",\"amazon-bedrock-invocationMetrics\":"
                        + "{\"inputTokenCount\":3,\"outputTokenCount\":2,\"invocationLatency\":120,"
                        + "\"firstByteLatency\":30}}"), chunks);
    }

    @Test
    void emptyFinalChunkIsOneFrame() {
        StreamEncoder encoder = codec.openStream(decode("{\"prompt\":\"x\"}"));
        List<String> chunks = new ArrayList<>();
        encode(encoder, new StreamChunk("", 3, 20, false, StopReason.MAX_TOKENS, new InvocationMetrics(3, 20, 5, 1)),
                chunks);
        assertEquals(1, chunks.size());
        assertTrue(chunks.get(0).startsWith("{\"is_finished\":true,\"finish_reason\":\"MAX_TOKENS\","), chunks.get(0));
    }

    @Test
    void severalGenerationsAreIndexedOnEveryChunk() {
        StreamEncoder encoder = codec.openStream(decode("{\"prompt\":\"x\",\"num_generations\":2}"));
        List<String> chunks = new ArrayList<>();
        encode(encoder, new StreamChunk("a", 1, 1, true, null, null, 0), chunks);
        encode(encoder, new StreamChunk("b", 1, 2, false, null, null, 1), chunks);
        encode(encoder, new StreamChunk("", 1, 2, false, StopReason.END_OF_SEQUENCE, null, 0), chunks);
        encode(encoder, new StreamChunk("", 1, 2, false, StopReason.MAX_TOKENS, new InvocationMetrics(1, 2, 9, 3), 1),
                chunks);
        assertEquals("{\"text\":\"a\",\"is_finished\":false,\"index\":0}", chunks.get(0));
        assertEquals("{\"text\":\"b\",\"is_finished\":false,\"index\":1}", chunks.get(1));
        assertEquals("{\"is_finished\":true,\"finish_reason\":\"COMPLETE\",\"index\":0}", chunks.get(2));
        assertTrue(chunks.get(3).startsWith("{\"is_finished\":true,\"finish_reason\":\"MAX_TOKENS\",\"index\":1,"
                + "\"amazon-bedrock-invocationMetrics\":{"), chunks.get(3));
        assertEquals(4, chunks.size());
    }

    @Test
    void encodeChunkIsTheSingleGenerationShape() throws IOException {
        assertEquals("{\"text\":\"Hi\",\"is_finished\":false}",
                new String(codec.encodeChunk(new StreamChunk("Hi", 1, 1, true, null, null)), StandardCharsets.UTF_8));
        JsonNode last = Json.MAPPER.readTree(codec.encodeChunk(
                new StreamChunk("!", 1, 2, false, StopReason.STOP_SEQUENCE, new InvocationMetrics(1, 2, 3, 4))));
        assertEquals(List.of("text", "is_finished", "finish_reason", "amazon-bedrock-invocationMetrics"),
                fieldNames(last));
        assertTrue(last.get("is_finished").booleanValue());
    }

    // --- helpers ---

    private static void encode(StreamEncoder encoder, StreamChunk chunk, List<String> out) {
        encoder.encode(chunk, frame -> out.add(new String(EventStreamDecoder.decodeAll(frame).get(0).chunkBytes(),
                StandardCharsets.UTF_8)));
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
