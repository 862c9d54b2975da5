package dev.localbedrock.codecs.chat;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/**
 * A tool the model may call.
 *
 * @param name        its name (Converse: {@code [a-zA-Z0-9_-]+}, 1 to 64 characters)
 * @param description what it does, or null
 * @param inputSchema the JSON Schema its arguments must satisfy
 */
public record ToolSpec(String name, String description, JsonNode inputSchema) {
    public ToolSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(inputSchema, "inputSchema");
    }
}
