package dev.localbedrock.codecs.parameters;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.Json;

import java.io.UncheckedIOException;
import java.util.List;

/**
 * A {@link BodyShape} as JSON, for a form that builds its controls from the codec's own table:
 * <pre>{@code
 * {"promptPath": "inputText",
 *  "parameters": [
 *    {"path": "textGenerationConfig.temperature", "kind": "number", "required": false,
 *     "min": 0, "max": 1, "step": 0.01, "default": 0, "description": "..."},
 *    {"path": "textGenerationConfig.maxTokenCount", "kind": "integer", "required": false,
 *     "min": 0, "max": 8000, "step": 1, "default": 512, "description": "..."},
 *    {"path": "textGenerationConfig.stopSequences", "kind": "string_list", "required": false,
 *     "maxItems": 4, "maxLength": 20, "default": [], "description": "..."},
 *    {"path": "countPenalty.applyToNumbers", "kind": "boolean", "required": false, "default": true, ...},
 *    {"path": "truncate", "kind": "string", "required": false, "allowedValues": ["NONE", "START", "END"],
 *     "default": "END", ...},
 *    {"path": "logit_bias", "kind": "number_map", "required": false, "min": -10, "max": 10, "step": 0.1,
 *     "default": null, ...}]}
 * }</pre>
 * <ul>
 *   <li>{@code promptPath}: dotted key path of the prompt string, or {@code null} when the body has none.</li>
 *   <li>{@code path}: dotted key path from the top of the body; the value goes in nested objects named by the
 *       leading keys.</li>
 *   <li>{@code kind}: {@code number}, {@code integer}, {@code string_list}, {@code boolean}, {@code string} (one of
 *       {@code allowedValues}) or {@code number_map} (an object of caller-chosen keys, each value in
 *       {@code [min, max]}).</li>
 *   <li>{@code min}, {@code max}, {@code step}: numeric kinds only; bounds inclusive. Whole numbers are written
 *       without a fraction ({@code 1}, not {@code 1.0}).</li>
 *   <li>{@code default}: the value the codec uses when the key is absent; {@code null} when there is none (a
 *       {@code required} parameter, a {@code number_map}).</li>
 *   <li>{@code maxItems}, {@code maxLength}: {@code string_list} only.</li>
 *   <li>{@code allowedValues}: {@code string} only.</li>
 * </ul>
 * Keys a kind does not use are left out, except {@code default}, which is always present.
 */
public final class BodyShapeJson {

    private BodyShapeJson() {
    }

    /** The shape as a tree (to embed in a larger document). */
    public static ObjectNode toNode(BodyShape shape) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("promptPath", shape.promptPath());
        ArrayNode parameters = root.putArray("parameters");
        for (BodyParameter parameter : shape.parameters()) {
            parameters.add(toNode(parameter));
        }
        return root;
    }

    /** The shape as UTF-8 JSON bytes. */
    public static byte[] write(BodyShape shape) {
        try {
            return Json.MAPPER.writeValueAsBytes(toNode(shape));
        } catch (JsonProcessingException e) {
            // A tree of strings, numbers and booleans always serialises.
            throw new UncheckedIOException("cannot write a body shape", e);
        }
    }

    private static ObjectNode toNode(BodyParameter parameter) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("path", parameter.path());
        node.put("kind", parameter.kind().wireName());
        node.put("required", parameter.required());
        if (parameter.kind().isNumeric()) {
            putNumber(node, "min", parameter.min());
            putNumber(node, "max", parameter.max());
            putNumber(node, "step", parameter.step().doubleValue());
        }
        if (parameter.kind() == ParameterKind.STRING_LIST) {
            node.put("maxItems", parameter.maxItems());
            node.put("maxLength", parameter.maxLength());
        }
        if (parameter.kind() == ParameterKind.STRING) {
            ArrayNode allowed = node.putArray("allowedValues");
            parameter.allowedValues().forEach(allowed::add);
        }
        putDefault(node, parameter.defaultValue());
        node.put("description", parameter.description());
        return node;
    }

    private static void putDefault(ObjectNode node, Object value) {
        if (value == null) {
            node.putNull("default");
        } else if (value instanceof Double d) {
            putNumber(node, "default", d);
        } else if (value instanceof Integer i) {
            node.put("default", i);
        } else if (value instanceof Boolean b) {
            node.put("default", b);
        } else if (value instanceof String s) {
            node.put("default", s);
        } else if (value instanceof List<?> list) {
            ArrayNode items = node.putArray("default");
            list.forEach(item -> items.add(String.valueOf(item)));
        } else {
            throw new IllegalArgumentException("no JSON form for default " + value);
        }
    }

    /** Whole numbers as integers, so a form shows {@code 1}, not {@code 1.0}. */
    private static void putNumber(ObjectNode node, String name, double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            node.put(name, (long) value);
        } else {
            node.put(name, value);
        }
    }
}
