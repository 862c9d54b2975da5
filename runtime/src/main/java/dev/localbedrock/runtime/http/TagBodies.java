package dev.localbedrock.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON of the tagging operations: {@code {"resourceARN", "tags": [{"key", "value"}]}} (note the capital
 * {@code ARN}, as the service model spells it), {@code {"resourceARN", "tagKeys": [...]}}, {@code {"resourceARN"}}.
 */
final class TagBodies {
    private TagBodies() {
    }

    /** The body as a JSON object; with {@code keys}, any other key is a ValidationException. */
    static JsonNode object(byte[] body, Set<String> keys) {
        JsonNode node;
        try {
            node = body.length == 0 ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(body);
        } catch (IOException | RuntimeException e) {
            throw BedrockException.validation("The request body is not valid JSON.");
        }
        if (node == null || !node.isObject()) {
            throw BedrockException.validation("The request body must be a JSON object.");
        }
        if (keys != null) {
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!keys.contains(name)) {
                    throw BedrockException.validation("Unknown field '" + name + "'; expected " + keys + ".");
                }
            }
        }
        return node;
    }

    static String arn(JsonNode body) {
        JsonNode arn = body.get("resourceARN");
        if (arn == null || !arn.isTextual() || arn.textValue().isEmpty()) {
            throw BedrockException.validation("1 validation error detected: Value at 'resourceARN' failed to "
                    + "satisfy constraint: Member must not be null");
        }
        return arn.textValue();
    }

    /** {@code [{"key", "value"}]} → key → value (a repeated key is an error). */
    static Map<String, String> tags(JsonNode tags, boolean required) {
        Map<String, String> out = new LinkedHashMap<>();
        if (tags == null || tags.isNull()) {
            if (required) {
                throw BedrockException.validation("1 validation error detected: Value at 'tags' failed to satisfy "
                        + "constraint: Member must not be null");
            }
            return out;
        }
        if (!tags.isArray()) {
            throw BedrockException.validation("'tags' must be a list of {\"key\", \"value\"} objects.");
        }
        for (JsonNode tag : tags) {
            JsonNode key = tag.get("key");
            JsonNode value = tag.get("value");
            if (!tag.isObject() || key == null || !key.isTextual() || value == null || !value.isTextual()
                    || tag.size() != 2) {
                throw BedrockException.validation("Each tag is {\"key\": string, \"value\": string}: " + clip(tag));
            }
            if (out.put(key.textValue(), value.textValue()) != null) {
                throw BedrockException.validation("The tag key '" + key.textValue() + "' is given twice.");
            }
        }
        return out;
    }

    static List<String> keys(JsonNode keys) {
        if (keys == null || !keys.isArray()) {
            throw BedrockException.validation("1 validation error detected: Value at 'tagKeys' failed to satisfy "
                    + "constraint: Member must not be null");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode key : keys) {
            if (!key.isTextual()) {
                throw BedrockException.validation("Each of 'tagKeys' is a string: " + clip(key));
            }
            out.add(key.textValue());
        }
        return out;
    }

    private static String clip(JsonNode node) {
        String text = node.toString();
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
