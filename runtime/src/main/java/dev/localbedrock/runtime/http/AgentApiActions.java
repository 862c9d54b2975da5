package dev.localbedrock.runtime.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.agent.ActionGroupBodies;
import dev.localbedrock.codecs.agent.AgentAliasBodies;
import dev.localbedrock.codecs.agent.AgentBodies;
import dev.localbedrock.codecs.agent.AgentIds;
import dev.localbedrock.codecs.agent.AgentJson;
import dev.localbedrock.codecs.agent.AgentKnowledgeBaseBodies;
import dev.localbedrock.runtime.agents.AgentService;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * bedrock-agent's agent operations (agents, action groups, knowledge-base associations, aliases, versions): each
 * operation's handler and the success status the service model gives it. A null body is an empty answer (the model's
 * 204s). {@link AgentControlPlaneApi} sends what these return.
 */
final class AgentApiActions {
    private static final HttpResponseStatus ACCEPTED = HttpResponseStatus.ACCEPTED;
    private static final HttpResponseStatus OK = HttpResponseStatus.OK;
    private static final HttpResponseStatus NO_CONTENT = HttpResponseStatus.NO_CONTENT;

    /** An operation's handler and success status. */
    record Action(HttpResponseStatus status, BiFunction<AgentService, Call, ObjectNode> run) {
    }

    /** One call's path, query and body. */
    record Call(String uri, byte[] body, ResolvedOperation call) {
        String agentId() {
            return AgentIds.check("agentId", call.pathParameter("agentId"));
        }

        String version() {
            return AgentAliasBodies.checkVersion(call.pathParameter("agentVersion"), false);
        }

        String numberedVersion() {
            return AgentAliasBodies.checkVersion(call.pathParameter("agentVersion"), true);
        }

        String actionGroupId() {
            return AgentIds.check("actionGroupId", call.pathParameter("actionGroupId"));
        }

        String knowledgeBaseId() {
            return AgentIds.check("knowledgeBaseId", call.pathParameter("knowledgeBaseId"));
        }

        String aliasId() {
            return AgentAliasBodies.checkId(call.pathParameter("agentAliasId"));
        }

        boolean skipInUseCheck() {
            List<String> v = new QueryStringDecoder(uri).parameters().getOrDefault("skipResourceInUseCheck",
                    List.of());
            return !v.isEmpty() && v.get(0).equalsIgnoreCase("true");
        }

        AgentJson.Page page() {
            return AgentJson.page(body);
        }
    }

    static final Map<Operation, Action> ACTIONS = Map.ofEntries(
            Map.entry(Operation.CREATE_AGENT, new Action(ACCEPTED, (a, c) ->
                    AgentBodies.agent(a.create(AgentBodies.readCreate(c.body()))))),
            Map.entry(Operation.GET_AGENT, new Action(OK, (a, c) -> AgentBodies.agent(a.get(c.agentId())))),
            Map.entry(Operation.LIST_AGENTS, new Action(OK, (a, c) -> {
                AgentJson.Page page = c.page();
                List<AgentBodies.Described> all = a.list();
                int from = PageToken.decode(page.nextToken(), all.size());
                int to = Math.min(all.size(), from + page.maxResults());
                return AgentBodies.list(all.subList(from, to), a.latestVersions(), next(to, all.size()));
            })),
            Map.entry(Operation.UPDATE_AGENT, new Action(ACCEPTED, (a, c) -> {
                String id = c.agentId();
                return AgentBodies.agent(a.update(id, AgentBodies.readUpdate(c.body())));
            })),
            Map.entry(Operation.DELETE_AGENT, new Action(ACCEPTED, (a, c) -> {
                String id = c.agentId();
                return AgentBodies.deleted(id, a.delete(id, c.skipInUseCheck()));
            })),
            Map.entry(Operation.PREPARE_AGENT, new Action(ACCEPTED, (a, c) -> {
                AgentService.Prepared p = a.prepare(c.agentId());
                return AgentBodies.prepared(p.agentId(), p.status(), p.preparedAt());
            })),
            Map.entry(Operation.CREATE_AGENT_ACTION_GROUP, new Action(OK, (a, c) -> {
                String id = c.agentId();
                String version = c.version();
                return ActionGroupBodies.actionGroup(a.createActionGroup(id, version,
                        ActionGroupBodies.readCreate(c.body())));
            })),
            Map.entry(Operation.GET_AGENT_ACTION_GROUP, new Action(OK, (a, c) ->
                    ActionGroupBodies.actionGroup(a.getActionGroup(c.agentId(), c.version(), c.actionGroupId())))),
            Map.entry(Operation.LIST_AGENT_ACTION_GROUPS, new Action(OK, (a, c) -> {
                List<ActionGroupBodies.Described> all = a.listActionGroups(c.agentId(), c.version());
                AgentJson.Page page = c.page();
                int from = PageToken.decode(page.nextToken(), all.size());
                int to = Math.min(all.size(), from + page.maxResults());
                return ActionGroupBodies.list(all.subList(from, to), next(to, all.size()));
            })),
            Map.entry(Operation.UPDATE_AGENT_ACTION_GROUP, new Action(OK, (a, c) -> {
                String id = c.agentId();
                String version = c.version();
                String group = c.actionGroupId();
                return ActionGroupBodies.actionGroup(a.updateActionGroup(id, version, group,
                        ActionGroupBodies.readUpdate(c.body())));
            })),
            Map.entry(Operation.DELETE_AGENT_ACTION_GROUP, new Action(NO_CONTENT, (a, c) -> {
                a.deleteActionGroup(c.agentId(), c.version(), c.actionGroupId());
                return null;
            })),
            Map.entry(Operation.ASSOCIATE_AGENT_KNOWLEDGE_BASE, new Action(OK, (a, c) -> {
                String id = c.agentId();
                String version = c.version();
                return AgentKnowledgeBaseBodies.association(a.associate(id, version,
                        AgentKnowledgeBaseBodies.readAssociate(c.body())));
            })),
            Map.entry(Operation.GET_AGENT_KNOWLEDGE_BASE, new Action(OK, (a, c) ->
                    AgentKnowledgeBaseBodies.association(a.getAssociation(c.agentId(), c.version(),
                            c.knowledgeBaseId())))),
            Map.entry(Operation.LIST_AGENT_KNOWLEDGE_BASES, new Action(OK, (a, c) -> {
                List<AgentKnowledgeBaseBodies.Described> all = a.listAssociations(c.agentId(), c.version());
                AgentJson.Page page = c.page();
                int from = PageToken.decode(page.nextToken(), all.size());
                int to = Math.min(all.size(), from + page.maxResults());
                return AgentKnowledgeBaseBodies.list(all.subList(from, to), next(to, all.size()));
            })),
            Map.entry(Operation.UPDATE_AGENT_KNOWLEDGE_BASE, new Action(OK, (a, c) -> {
                String id = c.agentId();
                String version = c.version();
                String kb = c.knowledgeBaseId();
                AgentKnowledgeBaseBodies.Association before = a.association(id, version, kb);
                return AgentKnowledgeBaseBodies.association(a.updateAssociation(id, version,
                        AgentKnowledgeBaseBodies.readUpdate(kb, before, c.body())));
            })),
            Map.entry(Operation.DISASSOCIATE_AGENT_KNOWLEDGE_BASE, new Action(NO_CONTENT, (a, c) -> {
                a.disassociate(c.agentId(), c.version(), c.knowledgeBaseId());
                return null;
            })),
            Map.entry(Operation.CREATE_AGENT_ALIAS, new Action(ACCEPTED, (a, c) -> {
                String id = c.agentId();
                return AgentAliasBodies.alias(a.createAlias(id, AgentAliasBodies.readCreate(c.body())));
            })),
            Map.entry(Operation.GET_AGENT_ALIAS, new Action(OK, (a, c) ->
                    AgentAliasBodies.alias(a.getAlias(c.agentId(), c.aliasId())))),
            Map.entry(Operation.LIST_AGENT_ALIASES, new Action(OK, (a, c) -> {
                List<AgentAliasBodies.Described> all = a.listAliases(c.agentId());
                AgentJson.Page page = c.page();
                int from = PageToken.decode(page.nextToken(), all.size());
                int to = Math.min(all.size(), from + page.maxResults());
                return AgentAliasBodies.list(all.subList(from, to), next(to, all.size()));
            })),
            Map.entry(Operation.UPDATE_AGENT_ALIAS, new Action(ACCEPTED, (a, c) -> {
                String id = c.agentId();
                String alias = c.aliasId();
                return AgentAliasBodies.alias(a.updateAlias(id, alias, AgentAliasBodies.readUpdate(c.body())));
            })),
            Map.entry(Operation.DELETE_AGENT_ALIAS, new Action(ACCEPTED, (a, c) -> {
                String id = c.agentId();
                String alias = c.aliasId();
                return AgentAliasBodies.deleted(id, alias, a.deleteAlias(id, alias));
            })),
            Map.entry(Operation.GET_AGENT_VERSION, new Action(OK, (a, c) -> {
                String id = c.agentId();
                String version = c.numberedVersion();
                return AgentBodies.version(version, a.getVersion(id, version));
            })),
            Map.entry(Operation.LIST_AGENT_VERSIONS, new Action(OK, (a, c) -> {
                List<AgentBodies.VersionSummary> all = a.listVersions(c.agentId());
                AgentJson.Page page = c.page();
                int from = PageToken.decode(page.nextToken(), all.size());
                int to = Math.min(all.size(), from + page.maxResults());
                return AgentBodies.versions(all.subList(from, to), next(to, all.size()));
            })),
            Map.entry(Operation.DELETE_AGENT_VERSION, new Action(ACCEPTED, (a, c) -> {
                String id = c.agentId();
                String version = c.numberedVersion();
                return AgentBodies.versionDeleted(id, version, a.deleteVersion(id, version, c.skipInUseCheck()));
            })));

    private AgentApiActions() {
    }

    private static String next(int to, int size) {
        return to < size ? PageToken.encode(to) : null;
    }
}
