package dev.localbedrock.codecs.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a client says an agent is (CreateAgent and UpdateAgent bodies): the members it sent, checked, kept as sent so
 * Get echoes them (with {@code idleSessionTTLInSeconds} filled in), and the few the server acts on read out.
 *
 * @param members every defined member but the name (description, instruction, foundationModel, role, TTL,
 *                promptOverrideConfiguration, ...)
 */
public record AgentDefinition(String name, ObjectNode members) {

    public String description() {
        return text("description");
    }

    public String instruction() {
        return text("instruction");
    }

    public String foundationModel() {
        return text("foundationModel");
    }

    /** The role the client gave, or null (this server does not assume roles). */
    public String roleArn() {
        return text("agentResourceRoleArn");
    }

    public int idleSessionTtlSeconds() {
        return members.path("idleSessionTTLInSeconds").asInt(AgentBodies.DEFAULT_IDLE_TTL);
    }

    /** {@code promptOverrideConfiguration} as sent, or null. */
    public JsonNode promptOverride() {
        return members.get("promptOverrideConfiguration");
    }

    private String text(String key) {
        JsonNode n = members.get(key);
        return n == null || n.isNull() ? null : n.asText();
    }
}
