package dev.localbedrock.codecs.parameters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.TextFamilies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BodyShapeJsonTest {

    static Stream<String> families() {
        return TextFamilies.names().stream();
    }

    @Test
    void llamaIsWrittenExactlyAsDocumented() {
        String json = new String(BodyShapeJson.write(TextFamilies.forName("meta-llama2").bodyShape()),
                StandardCharsets.UTF_8);
        assertEquals("{\"promptPath\":\"prompt\",\"parameters\":["
                + "{\"path\":\"temperature\",\"kind\":\"number\",\"required\":false,\"min\":0,\"max\":1,\"step\":0.01,"
                + "\"default\":0.5,\"description\":\"Randomness: lower is more deterministic; 0 always picks the most"
                + " likely token.\"},"
                + "{\"path\":\"top_p\",\"kind\":\"number\",\"required\":false,\"min\":0,\"max\":1,\"step\":0.01,"
                + "\"default\":0.9,\"description\":\"Nucleus sampling: keep the most likely tokens up to this"
                + " probability mass; 0 or 1 disables it.\"},"
                + "{\"path\":\"max_gen_len\",\"kind\":\"integer\",\"required\":false,\"min\":1,\"max\":2048,\"step\":1,"
                + "\"default\":512,\"description\":\"The most tokens to generate; a longer generation is cut off.\"}]}",
                json);
    }

    @Test
    void eachKindCarriesOnlyItsOwnKeys() throws IOException {
        JsonNode titan = Json.MAPPER.readTree(BodyShapeJson.write(TextFamilies.forName("amazon-titan-text")
                .bodyShape()));
        assertEquals("inputText", titan.get("promptPath").textValue());
        JsonNode stops = titan.get("parameters").get(3);
        assertEquals(Set.of("path", "kind", "required", "maxItems", "maxLength", "default", "description"),
                names(stops));
        assertEquals("textGenerationConfig.stopSequences", stops.get("path").textValue());
        assertEquals("[]", stops.get("default").toString());

        JsonNode cohere = Json.MAPPER.readTree(BodyShapeJson.write(TextFamilies.forName("cohere-command")
                .bodyShape()));
        JsonNode truncate = byPath(cohere, "truncate");
        assertEquals(Set.of("path", "kind", "required", "allowedValues", "default", "description"), names(truncate));
        assertEquals("[\"NONE\",\"START\",\"END\"]", truncate.get("allowedValues").toString());
        JsonNode bias = byPath(cohere, "logit_bias");
        assertEquals(-10, bias.get("min").intValue());
        assertEquals(10, bias.get("max").intValue());
        assertEquals("0.1", bias.get("step").toString());
        assertTrue(bias.get("default").isNull());

        JsonNode claude = Json.MAPPER.readTree(BodyShapeJson.write(TextFamilies.forName("anthropic-claude")
                .bodyShape()));
        JsonNode maxTokens = byPath(claude, "max_tokens_to_sample");
        assertTrue(maxTokens.get("required").booleanValue());
        assertTrue(maxTokens.get("default").isNull());
    }

    /** Reading the JSON back gives the very table the codec validates with: nothing is lost or rounded. */
    @ParameterizedTest
    @MethodSource("families")
    void theJsonReadsBackAsTheTable(String family) throws IOException {
        BodyShape shape = TextFamilies.forName(family).bodyShape();
        JsonNode json = Json.MAPPER.readTree(BodyShapeJson.write(shape));
        assertEquals(shape, read(json));
        assertEquals(json.toString(), BodyShapeJson.toNode(shape).toString()); // the tree is what write() writes
        for (JsonNode parameter : json.get("parameters")) {
            assertFalse(parameter.get("description").textValue().isBlank(), parameter.toString());
        }
    }

    @Test
    void stepsFollowTheRangesOrderOfMagnitude() {
        assertEquals(new BigDecimal("0.01"), BodyParameter.number("t", 0, 1, 0, "d").step());
        assertEquals(new BigDecimal("0.01"), BodyParameter.number("t", 0, 5, 0, "d").step());
        assertEquals(new BigDecimal("0.1"), BodyParameter.numberMap("b", -10, 10, "d").step());
        assertEquals(0, BigDecimal.ONE.compareTo(BodyParameter.number("f", 0, 500, 0, "d").step()));
        assertEquals(BigDecimal.ONE, BodyParameter.integer("n", 0, 8000, 512, "d").step());
        assertEquals(null, BodyParameter.bool("b", true, "d").step());
    }

    @Test
    void aRowThatContradictsItselfIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> BodyParameter.number("t", 0, 1, 2, "d"));
        assertThrows(IllegalArgumentException.class, () -> BodyParameter.number("t", 1, 0, 0.5, "d"));
        assertThrows(IllegalArgumentException.class, () -> BodyParameter.oneOf("s", List.of("A"), "B", "d"));
        assertThrows(IllegalArgumentException.class, () -> BodyParameter.number("a..b", 0, 1, 0, "d"));
        assertThrows(IllegalArgumentException.class, () -> BodyShape.of("prompt",
                BodyParameter.number("t", 0, 1, 0, "d"), BodyParameter.number("t", 0, 1, 0, "d")));
    }

    @Test
    void aParameterReadFromTheWrongObjectIsABug() {
        BodyParameter nested = BodyParameter.number("textGenerationConfig.topP", 0, 1, 1, "d");
        assertEquals("#/textGenerationConfig/topP", nested.pointer());
        nested.requireKindAt(ParameterKind.NUMBER, "/textGenerationConfig");
        assertThrows(IllegalStateException.class, () -> nested.requireKindAt(ParameterKind.NUMBER, ""));
        assertThrows(IllegalStateException.class,
                () -> nested.requireKindAt(ParameterKind.INTEGER, "/textGenerationConfig"));
    }

    // --- reading the JSON back (what a client of the endpoint would do) ---

    private static BodyShape read(JsonNode json) {
        List<BodyParameter> parameters = new ArrayList<>();
        for (JsonNode p : json.get("parameters")) {
            ParameterKind kind = ParameterKind.valueOf(p.get("kind").textValue().toUpperCase(Locale.ROOT));
            JsonNode d = p.get("default");
            Object defaultValue = d.isNull() ? null : switch (kind) {
                case NUMBER -> d.doubleValue();
                case INTEGER -> d.intValue();
                case BOOLEAN -> d.booleanValue();
                case STRING -> d.textValue();
                case STRING_LIST -> strings(d);
                case NUMBER_MAP -> throw new AssertionError("a number map has no default");
            };
            parameters.add(new BodyParameter(p.get("path").textValue(), kind,
                    p.has("min") ? p.get("min").doubleValue() : null,
                    p.has("max") ? p.get("max").doubleValue() : null, defaultValue,
                    p.has("maxItems") ? p.get("maxItems").intValue() : null,
                    p.has("maxLength") ? p.get("maxLength").intValue() : null,
                    p.has("allowedValues") ? strings(p.get("allowedValues")) : null,
                    p.get("required").booleanValue(), p.get("description").textValue()));
            if (kind.isNumeric()) {
                assertEquals(0, parameters.get(parameters.size() - 1).step().compareTo(p.get("step").decimalValue()),
                        p.toString());
            }
        }
        return new BodyShape(json.get("promptPath").textValue(), parameters);
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.textValue()));
        return values;
    }

    private static Set<String> names(JsonNode node) {
        Set<String> names = new HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static JsonNode byPath(JsonNode shape, String path) {
        for (JsonNode p : shape.get("parameters")) {
            if (p.get("path").textValue().equals(path)) {
                return p;
            }
        }
        throw new AssertionError("no " + path);
    }
}
