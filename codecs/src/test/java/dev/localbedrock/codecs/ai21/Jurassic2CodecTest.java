package dev.localbedrock.codecs.ai21;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.TextFamilies;
import dev.localbedrock.codecs.TextFamilyCodec;
import dev.localbedrock.codecs.inference.Generation;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.LikelihoodMode;
import dev.localbedrock.codecs.inference.Penalty;
import dev.localbedrock.codecs.inference.PromptTruncation;
import dev.localbedrock.codecs.inference.RepetitionPenalties;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Jurassic2CodecTest {

    private final Jurassic2Codec codec = new Jurassic2Codec();

    // --- requests ---

    @Test
    void guideExampleBody() {
        TextGenerationRequest request = decode("{\"prompt\": \"Translate to spanish: 'Amazon Bedrock is the easiest "
                + "way to build and scale generative AI applications.'\", \"maxTokens\": 200, \"temperature\": 0.5, "
                + "\"topP\": 0.5}");
        assertTrue(request.prompt().startsWith("Translate to spanish: "));
        assertEquals(200, request.maxTokens());
        assertEquals(0.5f, request.sampling().temperature());
        assertEquals(0.5f, request.sampling().topP());
    }

    @Test
    void defaults() {
        TextGenerationRequest request = decode("{\"prompt\":\"x\"}");
        assertEquals(200, request.maxTokens());
        assertEquals(0.5f, request.sampling().temperature());
        assertEquals(0.5f, request.sampling().topP());
        assertEquals(0, request.sampling().topK());
        assertEquals(RepetitionPenalties.NONE, request.sampling().penalties());
        assertEquals(List.of(), request.stopSequences());
        assertEquals(1, request.numGenerations());
        assertEquals(LikelihoodMode.GENERATION, request.returnLikelihoods(), "J2 always reports per-token data");
        assertEquals(PromptTruncation.NONE, request.promptTruncation());
        assertTrue(request.sampling().logitBias().isEmpty());
        assertEquals("ai21-j2", codec.family());
        assertSame(Jurassic2Codec.class, TextFamilies.forName("ai21-j2").getClass());
    }

    @Test
    void specBodyWithEveryPenaltyFlag() {
        TextGenerationRequest request = decode("{\"prompt\":\"x\",\"temperature\":0.7,\"topP\":1,\"maxTokens\":8191,"
                + "\"stopSequences\":[\"##\",\"\\n\\n\"],"
                + "\"countPenalty\":{\"scale\":1,\"applyToWhitespaces\":false,\"applyToPunctuations\":true,"
                + "\"applyToNumbers\":false,\"applyToStopwords\":true,\"applyToEmojis\":false},"
                + "\"presencePenalty\":{\"scale\":2.5},"
                + "\"frequencyPenalty\":{\"scale\":500,\"applyToEmojis\":true,\"applyToStopwords\":false}}");
        assertEquals(8191, request.maxTokens());
        assertEquals(1f, request.sampling().topP());
        assertEquals(List.of("##", "\n\n"), request.stopSequences());
        RepetitionPenalties penalties = request.sampling().penalties();
        assertEquals(new Penalty(1f, false, true, false, true, false), penalties.count());
        assertEquals(Penalty.of(2.5f), penalties.presence());
        assertEquals(new Penalty(500f, true, true, true, false, true), penalties.frequency());
        assertTrue(penalties.isActive());
    }

    @Test
    void whatLangChain4jSends() {
        // Its defaults: temperature 1, topP 0.999, 300 tokens, no stop sequences, every penalty {"scale": 0}.
        TextGenerationRequest request = decode("{\"prompt\":\"Hello\",\"maxTokens\":300,\"temperature\":1.0,"
                + "\"topP\":0.999,\"stopSequences\":[],\"countPenalty\":{\"scale\":0},"
                + "\"presencePenalty\":{\"scale\":0},\"frequencyPenalty\":{\"scale\":0}}");
        assertEquals(300, request.maxTokens());
        assertEquals(0.999f, request.sampling().topP());
        assertFalse(request.sampling().penalties().isActive());
    }

    @Test
    void whatSpringAiSends() {
        // Its penalty records have primitive booleans: every flag is written, false unless set.
        TextGenerationRequest request = decode("{\"prompt\":\"Hi\",\"temperature\":0.8,\"topP\":0.9,\"maxTokens\":100,"
                + "\"countPenalty\":{\"scale\":1,\"applyToWhitespaces\":false,\"applyToPunctuations\":false,"
                + "\"applyToNumbers\":false,\"applyToStopwords\":false,\"applyToEmojis\":false},"
                + "\"presencePenalty\":{\"scale\":0.5,\"applyToWhitespaces\":false,\"applyToPunctuations\":false,"
                + "\"applyToNumbers\":false,\"applyToStopwords\":false,\"applyToEmojis\":false}}");
        assertEquals(new Penalty(1f, false, false, false, false, false), request.sampling().penalties().count());
        assertEquals(new Penalty(0.5f, false, false, false, false, false),
                request.sampling().penalties().presence());
        assertEquals(Penalty.NONE, request.sampling().penalties().frequency());
    }

    @Test
    void penaltyWithoutScaleIsNoPenaltyButKeepsFlags() {
        Penalty count = decode("{\"prompt\":\"x\",\"countPenalty\":{\"applyToNumbers\":false}}")
                .sampling().penalties().count();
        assertEquals(new Penalty(0f, true, true, false, true, true), count);
        assertFalse(count.isActive());
        assertEquals(Penalty.NONE,
                decode("{\"prompt\":\"x\",\"countPenalty\":null}").sampling().penalties().count());
    }

    @Test
    void temperatureZeroIsGreedyAndTopPZeroKeepsOnlyTheTopToken() {
        TextGenerationRequest request = decode("{\"prompt\":\"x\",\"temperature\":0,\"topP\":0}");
        assertTrue(request.sampling().isGreedy());
        float p = request.sampling().topP();
        assertTrue(p > 0f && p < 1e-30f, "0 must not become the neutral 'keep everything': " + p);
    }

    /** Each parameter at, just past and far past its edges, and with the wrong type; an empty cell means accepted. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "temperature | -0.01  | #/temperature: -0.01 is not greater or equal to 0 (allowed range: 0 to 1)",
            "temperature | 0      | -",
            "temperature | 1      | -",
            "temperature | 1.01   | #/temperature: 1.01 is not less or equal to 1 (allowed range: 0 to 1)",
            "temperature | \"1\"  | #/temperature: expected type: Number, found: String (allowed range: 0 to 1)",
            "topP        | -1     | #/topP: -1 is not greater or equal to 0 (allowed range: 0 to 1)",
            "topP        | 0      | -",
            "topP        | 1.0    | -",
            "topP        | 1.5    | #/topP: 1.5 is not less or equal to 1 (allowed range: 0 to 1)",
            "topP        | true   | #/topP: expected type: Number, found: Boolean (allowed range: 0 to 1)",
            "maxTokens   | -1     | #/maxTokens: -1 is not greater or equal to 0 (allowed range: 0 to 8191)",
            "maxTokens   | 0      | -",
            "maxTokens   | 8191   | -",
            "maxTokens   | 8192   | #/maxTokens: 8192 is not less or equal to 8191 (allowed range: 0 to 8191)",
            "maxTokens   | 20.5   | #/maxTokens: expected type: Integer, found: Double (allowed range: 0 to 8191)",
            "maxTokens   | \"20\" | #/maxTokens: expected type: Integer, found: String (allowed range: 0 to 8191)",
            "countPenalty     | {\"scale\":-0.1} | #/countPenalty/scale: -0.1 is not greater or equal to 0"
                    + " (allowed range: 0 to 1)",
            "countPenalty     | {\"scale\":0}    | -",
            "countPenalty     | {\"scale\":1}    | -",
            "countPenalty     | {\"scale\":1.1}  | #/countPenalty/scale: 1.1 is not less or equal to 1"
                    + " (allowed range: 0 to 1)",
            "countPenalty     | {\"scale\":\"a\"} | #/countPenalty/scale: expected type: Number, found: String",
            "presencePenalty  | {\"scale\":-1}   | #/presencePenalty/scale: -1 is not greater or equal to 0"
                    + " (allowed range: 0 to 5)",
            "presencePenalty  | {\"scale\":5}    | -",
            "presencePenalty  | {\"scale\":5.01} | #/presencePenalty/scale: 5.01 is not less or equal to 5"
                    + " (allowed range: 0 to 5)",
            "frequencyPenalty | {\"scale\":500}  | -",
            "frequencyPenalty | {\"scale\":501}  | #/frequencyPenalty/scale: 501 is not less or equal to 500"
                    + " (allowed range: 0 to 500)",
            "frequencyPenalty | {\"scale\":-5}   | #/frequencyPenalty/scale: -5 is not greater or equal to 0",
            "countPenalty     | 0.5              | #/countPenalty: expected type: JSONObject, found: Double",
            "presencePenalty  | [1]              | #/presencePenalty: expected type: JSONObject, found: JSONArray",
            "presencePenalty  | {\"applyToEmojis\":\"yes\"} | #/presencePenalty/applyToEmojis: expected type:"
                    + " Boolean, found: String",
            "countPenalty     | {\"applyToWhitespaces\":1}  | #/countPenalty/applyToWhitespaces: expected type:"
                    + " Boolean, found: Integer",
            "frequencyPenalty | {\"applyToPunctuation\":true} | #/frequencyPenalty: extraneous key"
                    + " [applyToPunctuation] is not permitted",
            "stopSequences | \"##\"      | #/stopSequences: expected type: JSONArray, found: String",
            "stopSequences | [\"a\",5]   | #/stopSequences/1: expected type: String, found: Integer",
            "stopSequences | []          | -",
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
    void stopSequenceLimits() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < Jurassic2Codec.MAX_STOP_SEQUENCES; i++) {
            many.add("\"s" + i + "\"");
        }
        assertEquals(64, decode("{\"prompt\":\"x\",\"stopSequences\":[" + String.join(",", many) + "]}")
                .stopSequences().size());
        many.add("\"one more\"");
        assertMalformed("{\"prompt\":\"x\",\"stopSequences\":[" + String.join(",", many) + "]}",
                "#/stopSequences: expected maximum item count: 64, found: 65");
        assertMalformed("{\"prompt\":\"x\",\"stopSequences\":[\"" + "a".repeat(1001) + "\"]}",
                "#/stopSequences/0: expected maxLength: 1000, actual: 1001");
    }

    @Test
    void unknownFieldsAndMissingPrompt() {
        assertMalformed("{\"prompt\":\"x\",\"numResults\":2}", "#: extraneous key [numResults] is not permitted");
        assertMalformed("{\"prompt\":\"x\",\"top_p\":0.5}", "#: extraneous key [top_p] is not permitted");
        assertMalformed("{\"maxTokens\":5}", "#: required key [prompt] not found");
        assertMalformed("{\"prompt\":\"\"}", "#/prompt: expected minLength: 1, actual: 0");
        assertMalformed("{\"prompt\":[\"x\"]}", "#/prompt: expected type: String, found: JSONArray");
    }

    @Test
    void nestedAndTopLevelViolationsAreReportedTogether() {
        String message = assertThrows(BedrockException.class, () -> decode(
                "{\"prompt\":\"x\",\"topP\":2,\"countPenalty\":{\"scale\":3,\"bogus\":1}}")).getMessage();
        assertTrue(message.contains("3 schema violations found"), message);
        assertTrue(message.contains("#/topP: 2 is not less or equal to 1"), message);
        assertTrue(message.contains("#/countPenalty/scale: 3 is not less or equal to 1"), message);
        assertTrue(message.contains("#/countPenalty: extraneous key [bogus] is not permitted"), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "{\"prompt\":\"x\",}", "{\"prompt\":\"x\"} x", "{\"prompt\":\"x\",\"prompt\":\"y\"}",
            "{\"prompt\":\"x\",\"countPenalty\":{\"scale\":NaN}}"})
    void malformedJson(String body) {
        assertMalformed(body, "the request body is not valid JSON");
    }

    @Test
    void emptyBody() {
        for (byte[] body : new byte[][] {null, new byte[0], " ".getBytes(StandardCharsets.UTF_8)}) {
            BedrockException e = assertThrows(BedrockException.class, () -> codec.decodeRequest(body));
            assertEquals(BedrockErrorType.VALIDATION, e.type());
            assertTrue(e.getMessage().contains("#: expected type: JSONObject"), e.getMessage());
        }
        assertMalformed("[]", "#: expected type: JSONObject, found: JSONArray");
    }

    // --- responses ---

    @Test
    void responseMatchesTheJ2ShapeFieldForField() throws IOException {
        List<TokenLikelihood> tokens = List.of(new TokenLikelihood(10, "Hola", -0.25f),
                new TokenLikelihood(11, " mundo", -1.5f));
        Generation generation = new Generation(0, "Hola mundo", new int[] {10, 11}, 2, StopReason.END_OF_SEQUENCE,
                tokens);
        GenerationOutcome outcome = GenerationOutcome.of(4, List.of(generation), null);
        TextGenerationRequest request = decode("{\"prompt\":\"Translate: Hello world\"}");

        JsonNode body = Json.MAPPER.readTree(codec.encodeResponse(request, outcome));
        assertTrue(body.get("id").isInt(), "LangChain4j reads id as an int: " + body.get("id"));
        assertTrue(body.get("id").intValue() > 0);
        ((ObjectNode) body).remove("id");
        assertEquals("{\"prompt\":{\"text\":\"Translate: Hello world\",\"tokens\":[]},"
                + "\"completions\":[{\"data\":{\"text\":\"Hola mundo\",\"tokens\":["
                + "{\"generatedToken\":{\"token\":\"Hola\",\"logprob\":-0.25,\"raw_logprob\":-0.25},"
                + "\"topTokens\":null,\"textRange\":{\"start\":0,\"end\":4}},"
                + "{\"generatedToken\":{\"token\":\" mundo\",\"logprob\":-1.5,\"raw_logprob\":-1.5},"
                + "\"topTokens\":null,\"textRange\":{\"start\":4,\"end\":10}}]},"
                + "\"finishReason\":{\"reason\":\"endoftext\"}}]}", body.toString());
        // What the guide's example reads.
        assertEquals("Hola mundo", body.get("completions").get(0).get("data").get("text").textValue());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "MAX_TOKENS     | {\"reason\":\"length\",\"length\":3}",
            "CONTEXT_LENGTH | {\"reason\":\"length\",\"length\":3}",
            "STOP_SEQUENCE  | {\"reason\":\"stop\",\"sequence\":\"##\"}",
            "END_OF_SEQUENCE | {\"reason\":\"endoftext\"}",
    })
    void finishReasons(StopReason reason, String expected) throws IOException {
        String stop = reason == StopReason.STOP_SEQUENCE ? "##" : null;
        Generation generation = new Generation(0, "a b", new int[] {1, 2, 3}, 3, reason, List.of(), stop);
        JsonNode body = Json.MAPPER.readTree(codec.encodeResponse(GenerationOutcome.of(2, List.of(generation),
                null)));
        assertEquals(expected, body.get("completions").get(0).get("finishReason").toString());
    }

    @Test
    void textRangesClampWhenPiecesDoNotSpellTheText() throws IOException {
        // A half character decoded alone, then tokens of a stop sequence that lie past the returned text.
        List<TokenLikelihood> tokens = List.of(new TokenLikelihood(1, "ab", -1f), new TokenLikelihood(2, "\uFFFD", -1f),
                new TokenLikelihood(3, "é", -1f), new TokenLikelihood(4, "##", -1f));
        Generation generation = new Generation(0, "abé", new int[] {1, 2, 3, 4}, 4, StopReason.STOP_SEQUENCE, tokens,
                "##");
        JsonNode data = Json.MAPPER.readTree(codec.encodeResponse(GenerationOutcome.of(1, List.of(generation), null)))
                .get("completions").get(0).get("data");
        List<String> ranges = new ArrayList<>();
        for (JsonNode token : data.get("tokens")) {
            ranges.add(token.get("textRange").get("start").intValue() + "-" + token.get("textRange").get("end")
                    .intValue());
        }
        assertEquals(List.of("0-2", "2-3", "3-3", "3-3"), ranges);
    }

    @Test
    void promptTokensWhenTheRuntimeSuppliedThem() throws IOException {
        List<TokenLikelihood> prompt = List.of(new TokenLikelihood(5, "Hi", Float.NaN),
                new TokenLikelihood(6, "!", -2f));
        GenerationOutcome outcome = new GenerationOutcome("", 2, 0, StopReason.END_OF_SEQUENCE, null, prompt);
        JsonNode tokens = Json.MAPPER.readTree(codec.encodeResponse(decode("{\"prompt\":\"Hi!\"}"), outcome))
                .get("prompt").get("tokens");
        assertEquals(2, tokens.size());
        assertTrue(tokens.get(0).get("generatedToken").get("logprob").isNull(), "no NaN in JSON");
        assertEquals(-2f, tokens.get(1).get("generatedToken").get("raw_logprob").floatValue());
        assertEquals("{\"start\":2,\"end\":3}", tokens.get(1).get("textRange").toString());
    }

    @Test
    void withoutTheRequestThePromptTextIsEmpty() throws IOException {
        JsonNode body = Json.MAPPER.readTree(codec.encodeResponse(
                new GenerationOutcome("ok", 1, 1, StopReason.END_OF_SEQUENCE)));
        assertEquals("", body.get("prompt").get("text").textValue());
        assertEquals("ok", body.get("completions").get(0).get("data").get("text").textValue());
    }

    @Test
    void doesNotStream() {
        assertFalse(codec.streams());
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> codec.encodeChunk(new StreamChunk("x", 1, 1, true, null, null)));
        assertEquals(TextFamilyCodec.NOT_STREAMING, e.getMessage());
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
    }
}
