package dev.localbedrock.runtime.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.agent.AgentIds;
import dev.localbedrock.codecs.agent.AgentJson;
import dev.localbedrock.codecs.agent.DataSourceBodies;
import dev.localbedrock.codecs.agent.IngestionJobBodies;
import dev.localbedrock.codecs.agent.KnowledgeBaseBodies;
import dev.localbedrock.codecs.agent.Tags;
import dev.localbedrock.codecs.Json;
import io.netty.handler.codec.http.QueryStringDecoder;
import dev.localbedrock.runtime.knowledge.KnowledgeBaseService;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The {@code bedrock-agent} control plane on the wire (restJson1, API 2023-06-05): path parameters checked against
 * the model's patterns, bodies read and written by the codecs' agent bodies, the service in {@code runtime/knowledge}.
 * A further operation is one entry in {@link #ACTIONS} (and the OperationTable). Runs on a decode thread.
 */
final class AgentControlPlaneApi {
    private static final HttpResponseStatus ACCEPTED = HttpResponseStatus.ACCEPTED;
    private static final HttpResponseStatus OK = HttpResponseStatus.OK;

    /** An operation's handler and the success status the service model gives it. */
    private record Action(HttpResponseStatus status,
                          BiFunction<KnowledgeBaseService, Request, ObjectNode> run) {
    }

    private record Request(String uri, byte[] body, ResolvedOperation call) {
        String knowledgeBaseId() {
            return AgentIds.check("knowledgeBaseId", call.pathParameter("knowledgeBaseId"));
        }

        String dataSourceId() {
            return AgentIds.check("dataSourceId", call.pathParameter("dataSourceId"));
        }

        String ingestionJobId() {
            return AgentIds.check("ingestionJobId", call.pathParameter("ingestionJobId"));
        }

        String resourceArn() {
            return call.pathParameter("resourceArn");
        }

        List<String> query(String name) {
            return new QueryStringDecoder(uri).parameters().getOrDefault(name, List.of());
        }
    }

    private static final Map<Operation, Action> ACTIONS = Map.ofEntries(
            Map.entry(Operation.CREATE_KNOWLEDGE_BASE, new Action(ACCEPTED, (kb, r) ->
                    KnowledgeBaseBodies.knowledgeBase(kb.create(KnowledgeBaseBodies.readCreate(r.body()))))),
            Map.entry(Operation.GET_KNOWLEDGE_BASE, new Action(OK, (kb, r) ->
                    KnowledgeBaseBodies.knowledgeBase(kb.get(r.knowledgeBaseId())))),
            Map.entry(Operation.LIST_KNOWLEDGE_BASES, new Action(OK, AgentControlPlaneApi::listKnowledgeBases)),
            Map.entry(Operation.UPDATE_KNOWLEDGE_BASE, new Action(ACCEPTED, (kb, r) -> {
                String id = r.knowledgeBaseId();
                return KnowledgeBaseBodies.knowledgeBase(kb.update(id, KnowledgeBaseBodies.readUpdate(r.body())));
            })),
            Map.entry(Operation.DELETE_KNOWLEDGE_BASE, new Action(ACCEPTED, (kb, r) -> {
                String id = r.knowledgeBaseId();
                return KnowledgeBaseBodies.deleted(id, kb.delete(id));
            })),
            Map.entry(Operation.CREATE_DATA_SOURCE, new Action(OK, (kb, r) -> {
                String id = r.knowledgeBaseId();
                return DataSourceBodies.dataSource(kb.createDataSource(id, DataSourceBodies.readCreate(r.body())));
            })),
            Map.entry(Operation.GET_DATA_SOURCE, new Action(OK, (kb, r) ->
                    DataSourceBodies.dataSource(kb.getDataSource(r.knowledgeBaseId(), r.dataSourceId())))),
            Map.entry(Operation.LIST_DATA_SOURCES, new Action(OK, AgentControlPlaneApi::listDataSources)),
            Map.entry(Operation.UPDATE_DATA_SOURCE, new Action(OK, (kb, r) -> {
                String kbId = r.knowledgeBaseId();
                String id = r.dataSourceId();
                return DataSourceBodies.dataSource(kb.updateDataSource(kbId, id,
                        DataSourceBodies.readUpdate(r.body())));
            })),
            Map.entry(Operation.DELETE_DATA_SOURCE, new Action(ACCEPTED, (kb, r) -> {
                String kbId = r.knowledgeBaseId();
                String id = r.dataSourceId();
                return DataSourceBodies.deleted(kbId, id, kb.deleteDataSource(kbId, id));
            })),
            Map.entry(Operation.AGENT_TAG_RESOURCE, new Action(OK, (kb, r) -> {
                kb.tag(r.resourceArn(), Tags.readTagBody(r.body()));
                return Json.MAPPER.createObjectNode();
            })),
            Map.entry(Operation.AGENT_UNTAG_RESOURCE, new Action(OK, (kb, r) -> {
                kb.untag(r.resourceArn(), Tags.checkKeys(r.query("tagKeys")));
                return Json.MAPPER.createObjectNode();
            })),
            Map.entry(Operation.AGENT_LIST_TAGS, new Action(OK, (kb, r) ->
                    Tags.write(kb.listTags(r.resourceArn())))));

    /** The ingestion-job operations (kept apart from {@link #ACTIONS} so each area reads on its own). */
    private static final Map<Operation, Action> INGESTION_ACTIONS = Map.of(
            Operation.START_INGESTION_JOB, new Action(ACCEPTED, (kb, r) -> {
                String kbId = r.knowledgeBaseId();
                String dsId = r.dataSourceId();
                return IngestionJobBodies.ingestionJob(kb.startIngestionJob(kbId, dsId,
                        IngestionJobBodies.readStart(r.body())));
            }),
            Operation.GET_INGESTION_JOB, new Action(OK, (kb, r) -> {
                String kbId = r.knowledgeBaseId();
                String dsId = r.dataSourceId();
                return IngestionJobBodies.ingestionJob(kb.getIngestionJob(kbId, dsId, r.ingestionJobId()));
            }),
            Operation.LIST_INGESTION_JOBS, new Action(OK, AgentControlPlaneApi::listIngestionJobs),
            Operation.STOP_INGESTION_JOB, new Action(ACCEPTED, (kb, r) -> {
                String kbId = r.knowledgeBaseId();
                String dsId = r.dataSourceId();
                return IngestionJobBodies.ingestionJob(kb.stopIngestionJob(kbId, dsId, r.ingestionJobId()));
            }));

    private AgentControlPlaneApi() {
    }

    /**
     * Answers one {@code bedrock-agent} operation.
     *
     * @throws BedrockException the AWS error to write (ValidationException, ResourceNotFoundException, Conflict)
     */
    static void handle(KnowledgeBaseService service, dev.localbedrock.runtime.agents.AgentService agents,
                       ChannelHandlerContext ctx, byte[] requestBody, ResolvedOperation call, CallRecord record,
                       boolean keepAlive) {
        // --- agents (bedrock-agent) ---
        AgentApiActions.Action agentAction = AgentApiActions.ACTIONS.get(call.operation());
        if (agentAction != null || (agents != null && isAgentTagging(call))) {
            handleAgents(agents, agentAction, ctx, requestBody, call, record, keepAlive);
            return;
        }
        // --- end agents ---
        Action action = ACTIONS.getOrDefault(call.operation(), INGESTION_ACTIONS.get(call.operation()));
        if (action == null) {
            throw new IllegalStateException("no bedrock-agent handler for " + call.operation());
        }
        if (service == null) {
            throw BedrockException.notFound("Knowledge bases are not kept by this server.");
        }
        ObjectNode body;
        try {
            body = action.run().apply(service, new Request(record.uri(), requestBody, call));
        } catch (BedrockException e) {
            if (e.type() == dev.localbedrock.codecs.BedrockErrorType.SERVICE_QUOTA_EXCEEDED) {
                // bedrock-agent's model gives ServiceQuotaExceededException 402 (bedrock's is 400).
                AwsResponses.sendError(ctx, record, 402, e.type().shapeName(), e.getMessage(), keepAlive);
                return;
            }
            throw e;
        }
        AwsResponses.send(ctx, record, AwsResponses.json(record.requestId(), action.status(),
                body.toString().getBytes(StandardCharsets.UTF_8)), keepAlive);
    }

    // --- agents (bedrock-agent) ---

    /** Tagging calls on an agent's or alias's ARN go to the agents; a knowledge base's stay with its service. */
    private static boolean isAgentTagging(ResolvedOperation call) {
        Operation op = call.operation();
        return (op.equals(Operation.AGENT_TAG_RESOURCE) || op.equals(Operation.AGENT_UNTAG_RESOURCE)
                || op.equals(Operation.AGENT_LIST_TAGS))
                && call.pathParameter("resourceArn") != null
                && call.pathParameter("resourceArn").matches("arn:aws:bedrock:[^:]*:[^:]*:agent(-alias)?/.*");
    }

    private static void handleAgents(dev.localbedrock.runtime.agents.AgentService agents,
                                     AgentApiActions.Action action, ChannelHandlerContext ctx, byte[] requestBody,
                                     ResolvedOperation call, CallRecord record, boolean keepAlive) {
        if (agents == null) {
            throw BedrockException.notFound("Agents are not kept by this server.");
        }
        Request r = new Request(record.uri(), requestBody, call);
        ObjectNode body;
        HttpResponseStatus status;
        try {
            if (action != null) {
                status = action.status();
                body = action.run().apply(agents, new AgentApiActions.Call(record.uri(), requestBody, call));
            } else {
                status = OK;
                body = Json.MAPPER.createObjectNode();
                Operation op = call.operation();
                if (op.equals(Operation.AGENT_TAG_RESOURCE)) {
                    agents.tag(r.resourceArn(), Tags.readTagBody(requestBody));
                } else if (op.equals(Operation.AGENT_UNTAG_RESOURCE)) {
                    agents.untag(r.resourceArn(), Tags.checkKeys(r.query("tagKeys")));
                } else {
                    body = Tags.write(agents.listTags(r.resourceArn()));
                }
            }
        } catch (BedrockException e) {
            if (e.type() == dev.localbedrock.codecs.BedrockErrorType.SERVICE_QUOTA_EXCEEDED) {
                AwsResponses.sendError(ctx, record, 402, e.type().shapeName(), e.getMessage(), keepAlive);
                return;
            }
            throw e;
        }
        if (body == null) {
            // The model's 204s (DeleteAgentActionGroup, DisassociateAgentKnowledgeBase) have an empty body.
            io.netty.handler.codec.http.FullHttpResponse empty = AwsResponses.json(record.requestId(), status,
                    new byte[0]);
            empty.headers().remove(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_TYPE);
            AwsResponses.send(ctx, record, empty, keepAlive);
            return;
        }
        AwsResponses.send(ctx, record, AwsResponses.json(record.requestId(), status,
                body.toString().getBytes(StandardCharsets.UTF_8)), keepAlive);
    }
    // --- end agents ---

    private static ObjectNode listKnowledgeBases(KnowledgeBaseService service, Request r) {
        AgentJson.Page page = AgentJson.page(r.body());
        List<KnowledgeBaseBodies.Described> all = service.list();
        int from = PageToken.decode(page.nextToken(), all.size());
        int to = Math.min(all.size(), from + page.maxResults());
        return KnowledgeBaseBodies.list(all.subList(from, to), to < all.size() ? PageToken.encode(to) : null);
    }

    private static ObjectNode listDataSources(KnowledgeBaseService service, Request r) {
        String id = r.knowledgeBaseId();
        AgentJson.Page page = AgentJson.page(r.body());
        List<DataSourceBodies.Described> all = service.listDataSources(id);
        int from = PageToken.decode(page.nextToken(), all.size());
        int to = Math.min(all.size(), from + page.maxResults());
        return DataSourceBodies.list(all.subList(from, to), to < all.size() ? PageToken.encode(to) : null);
    }

    private static ObjectNode listIngestionJobs(KnowledgeBaseService service, Request r) {
        String kbId = r.knowledgeBaseId();
        String dsId = r.dataSourceId();
        IngestionJobBodies.ListRequest request = IngestionJobBodies.readList(r.body());
        List<IngestionJobBodies.Described> all = service.listIngestionJobs(kbId, dsId, request);
        int from = PageToken.decode(request.page().nextToken(), all.size());
        int to = Math.min(all.size(), from + request.page().maxResults());
        return IngestionJobBodies.list(all.subList(from, to), to < all.size() ? PageToken.encode(to) : null);
    }
}
