package dev.localbedrock.runtime.state;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Agents, their action groups, knowledge-base associations, aliases and numbered versions. */
public interface AgentRepository {
    /** @throws DuplicateResourceException the name (or client token) is taken */
    void create(StoredAgent agent, Map<String, String> tags);

    Optional<StoredAgent> find(String id);

    Optional<StoredAgent> findByClientToken(String token);

    /** Every agent, oldest first. */
    List<StoredAgent> list();

    /** @throws DuplicateResourceException the new name is taken */
    boolean update(StoredAgent agent);

    /** Deletes the agent with its parts, versions and the tags of it and its aliases. */
    boolean delete(String id);

    /** @throws DuplicateResourceException the name (or client token) is taken within the agent */
    void createPart(AgentPartKind kind, StoredAgentPart part, String arn, Map<String, String> tags);

    Optional<StoredAgentPart> findPart(AgentPartKind kind, String agentId, String id);

    Optional<StoredAgentPart> findPartByClientToken(AgentPartKind kind, String agentId, String token);

    /** The agent's parts of this kind, oldest first. */
    List<StoredAgentPart> listParts(AgentPartKind kind, String agentId);

    boolean updatePart(AgentPartKind kind, StoredAgentPart part);

    /** Deletes the part (and, for an alias, the tags on {@code arn}, when given). */
    boolean deletePart(AgentPartKind kind, String agentId, String id, String arn);

    /** Makes the next numbered version of the agent from {@code snapshotJson}; answers its number. */
    int createVersion(String agentId, String snapshotJson, java.time.Instant at);

    Optional<StoredAgentVersion> findVersion(String agentId, int version);

    /** The agent's numbered versions, lowest first. */
    List<StoredAgentVersion> listVersions(String agentId);

    boolean deleteVersion(String agentId, int version);
}
