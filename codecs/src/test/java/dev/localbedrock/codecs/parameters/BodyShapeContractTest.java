package dev.localbedrock.codecs.parameters;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.SamplingValues;
import dev.localbedrock.codecs.TextFamilies;
import dev.localbedrock.codecs.TextFamilyCodec;
import dev.localbedrock.codecs.inference.LikelihoodMode;
import dev.localbedrock.codecs.inference.Penalty;
import dev.localbedrock.codecs.inference.PromptTruncation;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Each text family's {@link BodyShape} is a statement of what its codec accepts: every numeric parameter is
 * accepted at its bounds and refused a step beyond them with a message naming it and its range, every list, flag and
 * enumeration behaves as its row says, and a body holding only the prompt decodes to the table's defaults. A row
 * that drifts from the codec, or a codec that drifts from its row, fails here.
 */
class BodyShapeContractTest {

    /** How the neutral request shows one parameter: where to read it, and what a wire value becomes there. */
    private record Exposure(Function<TextGenerationRequest, Object> read, Function<Object, Object> fromWire) {
    }

    /** A family under test: its codec, a prompt its codec accepts, and how its parameters reach the request. */
    private record Family(String name, String prompt, Map<String, Exposure> exposures) {
        TextFamilyCodec codec() {
            return TextFamilies.forName(name);
        }

        BodyShape shape() {
            return codec().bodyShape();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<Family> FAMILIES = List.of(
            new Family("meta-llama2", "Hello", Map.of(
                    "temperature", temperature(),
                    "top_p", topPZeroDisables(),
                    "max_gen_len", maxTokens())),
            new Family("amazon-titan-text", "Hello", Map.of(
                    "textGenerationConfig.temperature", temperature(),
                    "textGenerationConfig.topP", topPKeepingTheTopToken(),
                    "textGenerationConfig.maxTokenCount", maxTokens(),
                    "textGenerationConfig.stopSequences", stops())),
            new Family("anthropic-claude", "\n\nHuman: Hello\n\nAssistant:", Map.of(
                    "temperature", temperature(),
                    "top_p", topPKeepingTheTopToken(),
                    "top_k", integer(r -> r.sampling().topK()),
                    "max_tokens_to_sample", maxTokens(),
                    "stop_sequences", stops())),
            new Family("ai21-j2", "Hello", jurassicExposures()),
            new Family("cohere-command", "Hello", Map.of(
                    "temperature", temperature(),
                    "p", topPZeroDisables(),
                    "k", integer(r -> r.sampling().topK()),
                    "max_tokens", maxTokens(),
                    "stop_sequences", stops(),
                    "return_likelihoods", new Exposure(TextGenerationRequest::returnLikelihoods,
                            v -> LikelihoodMode.valueOf((String) v)),
                    "num_generations", integer(TextGenerationRequest::numGenerations),
                    "logit_bias", new Exposure(r -> r.sampling().logitBias(), BodyShapeContractTest::tokenBias),
                    "truncate", new Exposure(TextGenerationRequest::promptTruncation,
                            v -> PromptTruncation.valueOf((String) v)))));

    // --- the cases ---

    @ParameterizedTest(name = "{0}")
    @MethodSource("numericParameters")
    void aNumericParameterIsAcceptedAtItsBoundsAndReachesTheRequest(Case c) {
        for (BigDecimal bound : List.of(min(c.parameter()), max(c.parameter()))) {
            Object wire = wireNumber(c.parameter(), bound);
            TextGenerationRequest request = decode(c.family(), c.parameter(), wire);
            expectExposed(c, request, wire);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("numericParameters")
    void aNumericParameterOneStepOutsideItsRangeIsRefusedByName(Case c) {
        BodyParameter p = c.parameter();
        String range = "(allowed range: " + plain(min(p)) + " to " + plain(max(p)) + ")";
        Object below = wireNumber(p, min(p).subtract(p.step()));
        Object above = wireNumber(p, max(p).add(p.step()));
        String belowMessage = refused(c.family(), p, below);
        assertTrue(belowMessage.contains(p.pointer() + ": " + below + " is not greater or equal to " + plain(min(p))
                + " " + range), belowMessage);
        String aboveMessage = refused(c.family(), p, above);
        assertTrue(aboveMessage.contains(p.pointer() + ": " + above + " is not less or equal to " + plain(max(p))
                + " " + range), aboveMessage);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("numberMapParameters")
    void aNumberMapTakesValuesInItsRangeOnly(Case c) {
        BodyParameter p = c.parameter();
        for (BigDecimal bound : List.of(min(p), max(p))) {
            ObjectNode map = Json.MAPPER.createObjectNode().put("7", bound);
            expectExposed(c, decode(c.family(), p, map), map);
        }
        String message = refused(c.family(), p, Json.MAPPER.createObjectNode().put("7", max(p).add(p.step())));
        assertTrue(message.contains(p.pointer() + "/7: " + max(p).add(p.step()) + " is not less or equal to "
                + plain(max(p))), message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stringListParameters")
    void aStringListTakesAtMostItsItemsOfAtMostItsLength(Case c) {
        BodyParameter p = c.parameter();
        String longest = "x".repeat(p.maxLength() - 1) + "y";
        List<String> full = new ArrayList<>(Collections.nCopies(p.maxItems() - 1, "z"));
        full.add(longest);
        expectExposed(c, decode(c.family(), p, strings(full)), strings(full));

        List<String> tooMany = new ArrayList<>(Collections.nCopies(p.maxItems() + 1, "z"));
        String message = refused(c.family(), p, strings(tooMany));
        assertTrue(message.contains(p.pointer() + ": expected maximum item count: " + p.maxItems() + ", found: "
                + (p.maxItems() + 1)), message);
        message = refused(c.family(), p, strings(List.of(longest + "!")));
        assertTrue(message.contains(p.pointer() + "/0: expected maxLength: " + p.maxLength() + ", actual: "
                + (p.maxLength() + 1)), message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("booleanParameters")
    void aFlagTakesBothValuesAndNothingElse(Case c) {
        for (boolean value : new boolean[] {true, false}) {
            expectExposed(c, decode(c.family(), c.parameter(), value), value);
        }
        String message = refused(c.family(), c.parameter(), "yes");
        assertTrue(message.contains(c.parameter().pointer() + ": expected type: Boolean, found: String"), message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stringParameters")
    void anEnumerationTakesItsValuesAndNothingElse(Case c) {
        BodyParameter p = c.parameter();
        for (String value : p.allowedValues()) {
            expectExposed(c, decode(c.family(), p, value), value);
        }
        String message = refused(c.family(), p, "SOMETIMES");
        assertTrue(message.contains(p.pointer() + ": SOMETIMES is not a valid enum value (allowed values: "
                + String.join(", ", p.allowedValues()) + ")"), message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requiredParameters")
    void aRequiredParameterCannotBeLeftOut(Case c) {
        ObjectNode body = baseBody(c.family());
        body.remove(c.parameter().keys().get(0));
        String message = assertThrows(BedrockException.class,
                () -> c.family().codec().decodeRequest(bytes(body))).getMessage();
        assertTrue(message.contains("#" + c.parameter().parentPointer() + ": required key [" + c.parameter().key()
                + "] not found"), message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void aBodyWithOnlyThePromptDecodesToTheTableDefaults(Family family) {
        TextGenerationRequest request = family.codec().decodeRequest(bytes(baseBody(family)));
        assertEquals(family.prompt(), request.prompt());
        for (BodyParameter p : family.shape().parameters()) {
            if (p.defaultValue() != null) {
                Exposure exposure = exposure(family, p);
                assertEquals(exposure.fromWire().apply(wireDefault(p)), exposure.read().apply(request), p.path());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void writingEveryDefaultOutChangesNothing(Family family) {
        ObjectNode explicit = baseBody(family);
        for (BodyParameter p : family.shape().parameters()) {
            if (p.defaultValue() != null) {
                put(explicit, p.keys(), Json.MAPPER.valueToTree(wireDefault(p)));
            }
        }
        assertEquals(family.codec().decodeRequest(bytes(baseBody(family))),
                family.codec().decodeRequest(bytes(explicit)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void everyParameterWithADefaultIsCheckedAgainstTheRequest(Family family) {
        // Guards this test's own tables: a row added to a codec without an exposure here would go unchecked.
        for (BodyParameter p : family.shape().parameters()) {
            exposure(family, p);
        }
        assertEquals(family.shape().parameters().stream().map(BodyParameter::path).collect(Collectors.toSet()),
                family.exposures().keySet());
    }

    // --- sources ---

    /** One parameter of one family, named for the test report. */
    record Case(Family family, BodyParameter parameter) {
        @Override
        public String toString() {
            return family.name() + " " + parameter.path();
        }
    }

    static Stream<Family> families() {
        return FAMILIES.stream();
    }

    static Stream<Arguments> numericParameters() {
        return cases(Set.of(ParameterKind.NUMBER, ParameterKind.INTEGER));
    }

    static Stream<Arguments> numberMapParameters() {
        return cases(Set.of(ParameterKind.NUMBER_MAP));
    }

    static Stream<Arguments> stringListParameters() {
        return cases(Set.of(ParameterKind.STRING_LIST));
    }

    static Stream<Arguments> booleanParameters() {
        return cases(Set.of(ParameterKind.BOOLEAN));
    }

    static Stream<Arguments> stringParameters() {
        return cases(Set.of(ParameterKind.STRING));
    }

    static Stream<Arguments> requiredParameters() {
        return FAMILIES.stream().flatMap(f -> f.shape().parameters().stream().filter(BodyParameter::required)
                .map(p -> Arguments.of(Named.of(f.name() + " " + p.path(), new Case(f, p)))));
    }

    private static Stream<Arguments> cases(Set<ParameterKind> kinds) {
        return FAMILIES.stream().flatMap(f -> f.shape().parameters().stream().filter(p -> kinds.contains(p.kind()))
                .map(p -> Arguments.of(Named.of(f.name() + " " + p.path(), new Case(f, p)))));
    }

    // --- bodies ---

    /** The prompt, plus every required parameter at its minimum (the only values a body must carry). */
    private static ObjectNode baseBody(Family family) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        put(body, List.of(family.shape().promptPath().split("\\.")), Json.MAPPER.getNodeFactory()
                .textNode(family.prompt()));
        for (BodyParameter p : family.shape().parameters()) {
            if (p.required()) {
                put(body, p.keys(), Json.MAPPER.valueToTree(wireNumber(p, min(p))));
            }
        }
        return body;
    }

    private static TextGenerationRequest decode(Family family, BodyParameter p, Object value) {
        ObjectNode body = baseBody(family);
        put(body, p.keys(), Json.MAPPER.valueToTree(value));
        try {
            return family.codec().decodeRequest(bytes(body));
        } catch (BedrockException e) {
            return fail(p.path() + " = " + value + " was refused: " + e.getMessage());
        }
    }

    private static String refused(Family family, BodyParameter p, Object value) {
        ObjectNode body = baseBody(family);
        put(body, p.keys(), Json.MAPPER.valueToTree(value));
        BedrockException e = assertThrows(BedrockException.class, () -> family.codec().decodeRequest(bytes(body)),
                p.path() + " = " + value);
        assertEquals(BedrockErrorType.VALIDATION, e.type());
        return e.getMessage();
    }

    private static void put(ObjectNode body, List<String> keys, JsonNode value) {
        ObjectNode at = body;
        for (String key : keys.subList(0, keys.size() - 1)) {
            at = at.has(key) ? (ObjectNode) at.get(key) : at.putObject(key);
        }
        at.set(keys.get(keys.size() - 1), value);
    }

    private static byte[] bytes(ObjectNode body) {
        try {
            return Json.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        values.forEach(array::add);
        return array;
    }

    // --- values ---

    private void expectExposed(Case c, TextGenerationRequest request, Object wire) {
        Exposure exposure = exposure(c.family(), c.parameter());
        assertEquals(exposure.fromWire().apply(wire), exposure.read().apply(request), c + " = " + wire);
    }

    private static Exposure exposure(Family family, BodyParameter p) {
        Exposure exposure = family.exposures().get(p.path());
        if (exposure == null) {
            throw new AssertionError(family + " " + p.path() + " has no exposure in this test");
        }
        return exposure;
    }

    private static BigDecimal min(BodyParameter p) {
        return BigDecimal.valueOf(p.min());
    }

    private static BigDecimal max(BodyParameter p) {
        return BigDecimal.valueOf(p.max());
    }

    /** An integer parameter's values are written as JSON integers, a number's as decimals. */
    private static Object wireNumber(BodyParameter p, BigDecimal value) {
        return p.kind() == ParameterKind.INTEGER ? (Object) value.toBigIntegerExact() : value;
    }

    private static Object wireDefault(BodyParameter p) {
        return p.kind() == ParameterKind.NUMBER ? BigDecimal.valueOf(p.defaultNumber()) : p.defaultValue();
    }

    private static String plain(BigDecimal value) {
        return value.stripTrailingZeros().toPlainString();
    }

    private static double number(Object wire) {
        return ((Number) wire).doubleValue();
    }

    private static Exposure temperature() {
        return new Exposure(r -> r.sampling().temperature(), v -> SamplingValues.temperature(number(v)));
    }

    private static Exposure topPZeroDisables() {
        return new Exposure(r -> r.sampling().topP(), v -> SamplingValues.topPZeroDisables(number(v)));
    }

    private static Exposure topPKeepingTheTopToken() {
        return new Exposure(r -> r.sampling().topP(), v -> SamplingValues.topPKeepingTheTopToken(number(v)));
    }

    private static Exposure maxTokens() {
        return integer(TextGenerationRequest::maxTokens);
    }

    private static Exposure integer(Function<TextGenerationRequest, Object> read) {
        return new Exposure(read, v -> ((Number) v).intValue());
    }

    private static Exposure stops() {
        return new Exposure(TextGenerationRequest::stopSequences, v -> v instanceof ArrayNode array
                ? Json.MAPPER.convertValue(array, List.class) : v);
    }

    private static Object tokenBias(Object wire) {
        Map<Integer, Float> bias = new HashMap<>();
        ((ObjectNode) wire).fields().forEachRemaining(e -> bias.put(Integer.parseInt(e.getKey()),
                e.getValue().floatValue() + 0f));
        return bias;
    }

    private static Map<String, Exposure> jurassicExposures() {
        Map<String, Exposure> exposures = new HashMap<>(Map.of(
                "temperature", temperature(),
                "topP", topPKeepingTheTopToken(),
                "maxTokens", maxTokens(),
                "stopSequences", stops()));
        Map<String, Function<TextGenerationRequest, Penalty>> penalties = Map.of(
                "countPenalty", r -> r.sampling().penalties().count(),
                "presencePenalty", r -> r.sampling().penalties().presence(),
                "frequencyPenalty", r -> r.sampling().penalties().frequency());
        penalties.forEach((key, penalty) -> {
            exposures.put(key + ".scale", new Exposure(r -> penalty.apply(r).scale(), v -> (float) number(v) + 0f));
            exposures.put(key + ".applyToWhitespaces", flag(r -> penalty.apply(r).applyToWhitespaces()));
            exposures.put(key + ".applyToPunctuations", flag(r -> penalty.apply(r).applyToPunctuations()));
            exposures.put(key + ".applyToNumbers", flag(r -> penalty.apply(r).applyToNumbers()));
            exposures.put(key + ".applyToStopwords", flag(r -> penalty.apply(r).applyToStopwords()));
            exposures.put(key + ".applyToEmojis", flag(r -> penalty.apply(r).applyToEmojis()));
        });
        return exposures;
    }

    private static Exposure flag(Function<TextGenerationRequest, Object> read) {
        return new Exposure(read, v -> v);
    }
}
