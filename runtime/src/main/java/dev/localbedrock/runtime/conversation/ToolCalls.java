package dev.localbedrock.runtime.conversation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.chat.ToolChoice;
import dev.localbedrock.codecs.chat.ToolConfig;
import dev.localbedrock.codecs.chat.ToolSpec;
import dev.localbedrock.codecs.inference.OutputConstraint;


/**
 * How a model calls a tool: it writes one JSON object {@code {"name": "<tool>", "arguments": {...}}} — the shape the
 * open-weight chat models with tool use are trained on (Llama 3.1 writes {@code parameters} for {@code arguments};
 * both are read). When the request requires a call ({@code any}, or one named tool), the output is held to that shape
 * by constrained decoding, so the call always parses and its arguments validate against the tool's schema, whatever
 * the weights. With {@code auto} the model may answer in text; output that is such an object naming an offered tool
 * is read as a call.
 */
public final class ToolCalls {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ToolCalls() {
    }

    /** Whether the request forces a call (its output is then constrained). */
    public static boolean forced(ToolConfig tools) {
        return tools != null && tools.choice().mode() != ToolChoice.Mode.AUTO;
    }

    /**
     * The constraint a forced call puts on the output: one call of the named tool, or of any offered tool; null when
     * the model may answer freely.
     */
    public static OutputConstraint constraint(ToolConfig tools) {
        if (!forced(tools)) {
            return null;
        }
        if (tools.choice().mode() == ToolChoice.Mode.TOOL) {
            return new OutputConstraint(callSchema(tools.tool(tools.choice().toolName())));
        }
        if (tools.tools().size() == 1) {
            return new OutputConstraint(callSchema(tools.tools().get(0)));
        }
        ObjectNode anyOf = JSON.createObjectNode();
        ArrayNode options = anyOf.putArray("anyOf");
        for (ToolSpec tool : tools.tools()) {
            options.add(callSchema(tool));
        }
        return new OutputConstraint(anyOf);
    }

    /** {@code {"name": const, "arguments": <input schema>}}, name first so a stream knows the tool early. */
    static ObjectNode callSchema(ToolSpec tool) {
        ObjectNode schema = JSON.createObjectNode();
        schema.put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        properties.putObject("name").put("const", tool.name());
        properties.set("arguments", tool.inputSchema());
        schema.putArray("required").add("name").add("arguments");
        schema.put("additionalProperties", false);
        return schema;
    }

    /** A parsed call: the tool and its arguments. */
    public record Call(String name, JsonNode arguments) {
    }

    /**
     * The call {@code text} makes, or null when it is not one: a JSON object whose {@code name} is an offered tool and
     * whose {@code arguments} (or {@code parameters}) is an object; surrounding whitespace allowed.
     */
    public static Call parse(String text, ToolConfig tools) {
        if (tools == null) {
            return null;
        }
        String trimmed = text.strip();
        if (!trimmed.startsWith("{")) {
            return null;
        }
        JsonNode node;
        try {
            node = JSON.readTree(trimmed);
        } catch (java.io.IOException e) {
            return null;
        }
        if (node == null || !node.isObject() || !node.path("name").isTextual()) {
            return null;
        }
        String name = node.get("name").asText();
        JsonNode arguments = node.has("arguments") ? node.get("arguments") : node.get("parameters");
        if (tools.tool(name) == null || arguments == null || !arguments.isObject()) {
            return null;
        }
        return new Call(name, arguments);
    }
}
