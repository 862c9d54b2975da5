package dev.localbedrock.codecs.inference;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/**
 * A restriction on what a generation may produce, enforced token by token while sampling (constrained decoding):
 * the whole output must be one JSON value valid against {@code schema}. Used for tool calls (the call's arguments
 * always parse and validate, even on random weights) and for JSON output where a family asks for it.
 *
 * @param schema a JSON Schema (the subset the runtime's grammar compiler documents: object, array, string, number,
 *               integer, boolean, null, enum, const, anyOf/oneOf, required, items, nested)
 */
public record OutputConstraint(JsonNode schema) {
    public OutputConstraint {
        Objects.requireNonNull(schema, "schema");
    }
}
