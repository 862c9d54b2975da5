package dev.localbedrock.codecs.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a client says an action group is: kept as sent (description, executor, API or function schema, parent
 * signature), with its state and the members the server acts on read out.
 *
 * @param state   {@code ENABLED} (the default) or {@code DISABLED}
 * @param members every defined member but the name and state
 */
public record ActionGroupDefinition(String name, String state, ObjectNode members) {
    public static final String USER_INPUT = "AMAZON.UserInput";

    public boolean enabled() {
        return "ENABLED".equals(state);
    }

    /** The {@code actionGroupExecutor.lambda} ARN or name, or null. */
    public String lambda() {
        JsonNode n = members.path("actionGroupExecutor").get("lambda");
        return n == null ? null : n.asText();
    }

    /** Whether the executor is {@code customControl: RETURN_CONTROL} (the caller runs the action). */
    public boolean returnsControl() {
        return "RETURN_CONTROL".equals(members.path("actionGroupExecutor").path("customControl").asText(null));
    }

    /** {@code AMAZON.UserInput} (the agent may ask the user), or null for an ordinary action group. */
    public String parentSignature() {
        JsonNode n = members.get("parentActionGroupSignature");
        return n == null ? null : n.asText();
    }

    /** {@code apiSchema} as sent ({@code payload} or {@code s3}), or null. */
    public JsonNode apiSchema() {
        return members.get("apiSchema");
    }

    /** {@code functionSchema} as sent, or null. */
    public JsonNode functionSchema() {
        return members.get("functionSchema");
    }

    public String description() {
        JsonNode n = members.get("description");
        return n == null ? null : n.asText();
    }
}
