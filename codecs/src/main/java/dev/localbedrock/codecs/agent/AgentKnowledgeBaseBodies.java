package dev.localbedrock.codecs.agent;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.Json;

import java.time.Instant;
import java.util.List;

/**
 * The bodies of Associate, Get, List, Update and DisassociateAgentKnowledgeBase. The association's description
 * tells the agent when to search the knowledge base, so the model requires it.
 */
public final class AgentKnowledgeBaseBodies {
    private static final List<String> STATES = List.of("ENABLED", "DISABLED");

    private AgentKnowledgeBaseBodies() {
    }

    /** An association: the description and state the client gave (ENABLED by default). */
    public record Association(String knowledgeBaseId, String description, String state) {
    }

    public record Described(String agentId, String agentVersion, Instant createdAt, Instant updatedAt,
                            Association association) {
    }

    public static Association readAssociate(byte[] body) {
        AgentJson.Violations v = new AgentJson.Violations();
        AgentJson.Reader in = new AgentJson.Reader(AgentJson.parse(body), "", v);
        String id = in.string("knowledgeBaseId", true, 10, 10, AgentIds.ID, "^[0-9a-zA-Z]{10}$");
        String description = in.string("description", true, 1, 200, null, null);
        String state = in.oneOf("knowledgeBaseState", false, STATES);
        v.throwIfAny();
        return new Association(id, description, state == null ? "ENABLED" : state);
    }

    /** An Update body: what it leaves out stays as it was (both members are optional in the model). */
    public static Association readUpdate(String knowledgeBaseId, Association before, byte[] body) {
        AgentJson.Violations v = new AgentJson.Violations();
        AgentJson.Reader in = new AgentJson.Reader(AgentJson.parse(body), "", v);
        String description = in.string("description", false, 1, 200, null, null);
        String state = in.oneOf("knowledgeBaseState", false, STATES);
        v.throwIfAny();
        return new Association(knowledgeBaseId, description == null ? before.description() : description,
                state == null ? before.state() : state);
    }

    public static ObjectNode association(Described a) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ObjectNode n = out.putObject("agentKnowledgeBase");
        n.put("agentId", a.agentId());
        n.put("agentVersion", a.agentVersion());
        n.put("knowledgeBaseId", a.association().knowledgeBaseId());
        n.put("description", a.association().description());
        n.put("knowledgeBaseState", a.association().state());
        n.put("createdAt", a.createdAt().toString());
        n.put("updatedAt", a.updatedAt().toString());
        return out;
    }

    public static ObjectNode list(List<Described> page, String nextToken) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode summaries = out.putArray("agentKnowledgeBaseSummaries");
        for (Described a : page) {
            ObjectNode s = summaries.addObject();
            s.put("knowledgeBaseId", a.association().knowledgeBaseId());
            s.put("description", a.association().description());
            s.put("knowledgeBaseState", a.association().state());
            s.put("updatedAt", a.updatedAt().toString());
        }
        AgentJson.nextToken(out, nextToken);
        return out;
    }
}
