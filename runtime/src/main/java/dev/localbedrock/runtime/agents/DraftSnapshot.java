package dev.localbedrock.runtime.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.agent.ActionGroupBodies;
import dev.localbedrock.codecs.agent.ActionGroupDefinition;
import dev.localbedrock.codecs.agent.AgentBodies;
import dev.localbedrock.codecs.agent.AgentDefinition;
import dev.localbedrock.codecs.agent.AgentJson;
import dev.localbedrock.codecs.agent.AgentKnowledgeBaseBodies;
import dev.localbedrock.runtime.state.StoredAgentPart;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The frozen form of an agent's draft, as PrepareAgent makes it and a numbered version keeps it: the definition,
 * every action group (with the schema text it was prepared with, so an {@code s3} schema changed later does not
 * change the version) and every knowledge-base association. One JSON text in the state.
 */
record DraftSnapshot(AgentDefinition definition, Instant preparedAt, List<Group> actionGroups,
                     List<Association> knowledgeBases) {

    /** An action group as frozen; {@code schemaText} is the OpenAPI document's text, or null. */
    record Group(String id, ActionGroupDefinition definition, String schemaText, Instant createdAt,
                 Instant updatedAt) {
    }

    record Association(AgentKnowledgeBaseBodies.Association association, Instant createdAt, Instant updatedAt) {
    }

    String toJson() {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("agentName", definition.name());
        n.set("definition", definition.members());
        n.put("preparedAt", preparedAt.toEpochMilli());
        ArrayNode groups = n.putArray("actionGroups");
        for (Group g : actionGroups) {
            ObjectNode o = groups.addObject();
            o.put("id", g.id());
            o.put("name", g.definition().name());
            o.put("state", g.definition().state());
            o.set("body", g.definition().members());
            if (g.schemaText() != null) {
                o.put("schemaText", g.schemaText());
            }
            o.put("createdAt", g.createdAt().toEpochMilli());
            o.put("updatedAt", g.updatedAt().toEpochMilli());
        }
        ArrayNode kbs = n.putArray("knowledgeBases");
        for (Association a : knowledgeBases) {
            ObjectNode o = kbs.addObject();
            o.put("knowledgeBaseId", a.association().knowledgeBaseId());
            o.put("description", a.association().description());
            o.put("state", a.association().state());
            o.put("createdAt", a.createdAt().toEpochMilli());
            o.put("updatedAt", a.updatedAt().toEpochMilli());
        }
        return n.toString();
    }

    static DraftSnapshot fromJson(String json) {
        ObjectNode n = AgentJson.parse(json.getBytes(StandardCharsets.UTF_8));
        AgentDefinition d = new AgentDefinition(n.path("agentName").asText(), (ObjectNode) n.get("definition"));
        List<Group> groups = new ArrayList<>();
        for (JsonNode o : n.path("actionGroups")) {
            groups.add(new Group(o.path("id").asText(), ActionGroupBodies.fromStored(o.path("name").asText(),
                    o.path("state").asText(), o.get("body").toString()),
                    o.hasNonNull("schemaText") ? o.get("schemaText").asText() : null,
                    Instant.ofEpochMilli(o.path("createdAt").asLong()),
                    Instant.ofEpochMilli(o.path("updatedAt").asLong())));
        }
        List<Association> kbs = new ArrayList<>();
        for (JsonNode o : n.path("knowledgeBases")) {
            kbs.add(new Association(new AgentKnowledgeBaseBodies.Association(o.path("knowledgeBaseId").asText(),
                    o.path("description").asText(), o.path("state").asText()),
                    Instant.ofEpochMilli(o.path("createdAt").asLong()),
                    Instant.ofEpochMilli(o.path("updatedAt").asLong())));
        }
        return new DraftSnapshot(d, Instant.ofEpochMilli(n.path("preparedAt").asLong()), groups, kbs);
    }

    /** A draft action group row as frozen. */
    static Group group(StoredAgentPart p, String schemaText) {
        return new Group(p.id(), ActionGroupBodies.fromStored(p.name(), p.state(), p.bodyJson()), schemaText,
                p.createdAt(), p.updatedAt());
    }

    static AgentDefinition definitionOf(String name, String draftJson) {
        return AgentBodies.fromStored(name, draftJson);
    }
}
