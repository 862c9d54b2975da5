package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.agent.RetrieveBodies;
import dev.localbedrock.runtime.knowledge.KnowledgeBaseService;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * {@code bedrock-agent-runtime} on the wire (restJson1, API 2023-07-26): Retrieve, on the knowledge bases of
 * {@code runtime/knowledge}. A response carries no {@code nextToken}: every result asked for (at most 100) comes in
 * the one answer. Runs on a decode thread (it waits for the query's embedding).
 */
final class AgentRuntimeApi {
    /** The model's KnowledgeBaseId, or a knowledge base's ARN (the path segment may be either). */
    private static final Pattern KNOWLEDGE_BASE = Pattern.compile("[0-9a-zA-Z]{1,10}"
            + "|arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:knowledge-base/[0-9a-zA-Z]{1,10}");

    private AgentRuntimeApi() {
    }

    /** @throws BedrockException the AWS error to write */
    static void handle(KnowledgeBaseService service, ChannelHandlerContext ctx, byte[] requestBody,
                       ResolvedOperation call, CallRecord record, boolean keepAlive) {
        if (!call.operation().equals(Operation.RETRIEVE)) {
            throw new IllegalStateException("no bedrock-agent-runtime handler for " + call.operation());
        }
        String knowledgeBase = call.pathParameter("knowledgeBaseId");
        if (knowledgeBase == null || !KNOWLEDGE_BASE.matcher(knowledgeBase).matches()) {
            throw BedrockException.validation("1 validation error detected: Value '" + knowledgeBase
                    + "' at 'knowledgeBaseId' failed to satisfy constraint: Member must satisfy regular expression"
                    + " pattern: ^[0-9a-zA-Z]+$ (or be a knowledge base's ARN)");
        }
        if (service == null) {
            throw BedrockException.notFound("Knowledge bases are not kept by this server.");
        }
        RetrieveBodies.Request request = RetrieveBodies.read(requestBody);
        byte[] body = RetrieveBodies.response(service.retrieval().retrieve(knowledgeBase, request)).toString()
                .getBytes(StandardCharsets.UTF_8);
        AwsResponses.send(ctx, record, AwsResponses.json(record.requestId(), HttpResponseStatus.OK, body), keepAlive);
    }
}
