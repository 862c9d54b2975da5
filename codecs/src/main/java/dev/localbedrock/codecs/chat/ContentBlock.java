package dev.localbedrock.codecs.chat;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Objects;

/** One block of a turn's content, API-neutral: what Converse and the Messages API both carry. */
public sealed interface ContentBlock {

    /** Plain text. */
    record Text(String text) implements ContentBlock {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /** A JSON value (inside a tool result). */
    record Json(JsonNode value) implements ContentBlock {
        public Json {
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * The assistant calling a tool.
     *
     * @param toolUseId the call's id, which the matching {@link ToolResult} names
     * @param name      the tool
     * @param input     the arguments, a JSON object valid against the tool's input schema
     */
    record ToolUse(String toolUseId, String name, JsonNode input) implements ContentBlock {
        public ToolUse {
            Objects.requireNonNull(toolUseId, "toolUseId");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(input, "input");
        }
    }

    /**
     * The user's answer to a tool call.
     *
     * @param toolUseId the call it answers
     * @param content   its text and JSON blocks
     * @param error     whether the tool failed (Converse {@code status: error}, Messages {@code is_error})
     */
    record ToolResult(String toolUseId, List<ContentBlock> content, boolean error) implements ContentBlock {
        public ToolResult {
            Objects.requireNonNull(toolUseId, "toolUseId");
            content = List.copyOf(content);
        }
    }
}
