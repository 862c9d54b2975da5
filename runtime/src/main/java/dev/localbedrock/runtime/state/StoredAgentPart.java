package dev.localbedrock.runtime.state;

import java.time.Instant;

/**
 * A row of one of an agent's child tables ({@link AgentPartKind}): an action group, a knowledge-base association
 * (whose id and name are the knowledge base's id) or an alias.
 *
 * @param state    ENABLED or DISABLED (action groups, associations), the alias status (aliases)
 * @param bodyJson what the client defined, as the codecs write it
 */
public record StoredAgentPart(String agentId, String id, String name, String state, String bodyJson,
                              Instant createdAt, Instant updatedAt, String clientToken) {
    public StoredAgentPart with(String newName, String newState, String newBody, Instant at) {
        return new StoredAgentPart(agentId, id, newName, newState, newBody, createdAt, at, clientToken);
    }
}
