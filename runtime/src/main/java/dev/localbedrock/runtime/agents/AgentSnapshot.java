package dev.localbedrock.runtime.agents;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.util.List;

/**
 * What an invocation of an agent alias runs: the version the alias routes to, frozen as PrepareAgent checked it
 * (DRAFT's last preparation, or a numbered version), with its enabled action groups' operations parsed and their
 * executors resolved, and its enabled knowledge bases. Nothing in it changes while a session uses it.
 *
 * @param version                {@code DRAFT} or the number the alias routes to
 * @param provisionedThroughput  the provisioned model's ARN the alias routes through (its reserved capacity runs the
 *                               steps), or null for the foundation model on demand
 * @param idleSessionTtlSeconds  how long a session may stay idle before it is forgotten
 * @param promptOverride         {@code promptOverrideConfiguration} as the client sent it, or null
 */
public record AgentSnapshot(String agentId, String agentArn, String agentName, String aliasId, String aliasArn,
                            String version, String instruction, String foundationModel,
                            String provisionedThroughput, int idleSessionTtlSeconds,
                            JsonNode promptOverride, List<ActionGroup> actionGroups,
                            List<KnowledgeBase> knowledgeBases) {
    public AgentSnapshot {
        actionGroups = List.copyOf(actionGroups);
        knowledgeBases = List.copyOf(knowledgeBases);
    }

    /**
     * An enabled action group.
     *
     * @param parentSignature {@code AMAZON.UserInput} (the agent may ask the user; no actions, no executor) or null
     * @param lambda          the {@code actionGroupExecutor.lambda} as the client named it, or null
     * @param functionUrl     where that function runs (models.yaml {@code functions:}), or null
     * @param returnControl   whether the caller runs the actions ({@code customControl: RETURN_CONTROL})
     */
    public record ActionGroup(String id, String name, String description, String parentSignature, String lambda,
                              URI functionUrl, boolean returnControl, List<ApiAction> actions) {
        public ActionGroup {
            actions = List.copyOf(actions);
        }
    }

    /** An enabled knowledge-base association: the description tells the agent when to search it. */
    public record KnowledgeBase(String knowledgeBaseId, String description) {
    }
}
