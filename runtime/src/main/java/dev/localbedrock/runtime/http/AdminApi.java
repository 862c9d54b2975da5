package dev.localbedrock.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.runtime.controlplane.ModelAccessService;
import dev.localbedrock.runtime.state.ModelAccess;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * This server's own administration endpoints, which no AWS SDK calls (Bedrock's model access lives in its console):
 * {@code GET /local-bedrock/model-access} lists the grants, {@code PUT /local-bedrock/model-access/{modelId}} with
 * {@code {"granted": true|false}} changes one. Runs on a decode thread: a change is a durable write. The
 * {@code bedrock-runtime access} CLI calls these.
 */
final class AdminApi {
    /** Admin bodies are a few bytes; anything larger is not one. */
    static final int MAX_BODY_BYTES = 4096;

    private final ModelAccessService access;

    AdminApi(ModelAccessService access) {
        this.access = access;
    }

    void handle(ChannelHandlerContext ctx, ResolvedOperation call, byte[] body, CallRecord record, boolean keepAlive) {
        if (access == null) {
            throw BedrockException.notFound("Model access is not kept by this server.");
        }
        ObjectNode answer = Json.MAPPER.createObjectNode();
        if (call.operation().equals(Operation.LIST_MODEL_ACCESS)) {
            ArrayNode list = answer.putArray("modelAccess");
            access.list().forEach(a -> list.add(describe(a)));
        } else if (call.operation().equals(Operation.PUT_MODEL_ACCESS)) {
            answer = describe(access.set(call.pathParameter("modelId"), grantedField(body)));
        } else {
            throw new IllegalStateException("no admin handler for " + call.operation());
        }
        byte[] bytes = answer.toString().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = AwsResponses.json(record.requestId(), bytes);
        ctx.executor().execute(() -> AwsResponses.send(ctx, record, response, keepAlive));
    }

    private static boolean grantedField(byte[] body) {
        if (body.length > MAX_BODY_BYTES) {
            throw BedrockException.validation("The body is " + body.length + " bytes; an admin body is at most "
                    + MAX_BODY_BYTES + ".");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (IOException | RuntimeException e) {
            node = null;
        }
        JsonNode granted = node == null ? null : node.get("granted");
        if (granted == null || !granted.isBoolean() || node.size() != 1) {
            throw BedrockException.validation("The body must be {\"granted\": true} or {\"granted\": false}.");
        }
        return granted.booleanValue();
    }

    private static ObjectNode describe(ModelAccess a) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("modelId", a.modelId());
        n.put("granted", a.granted());
        n.put("updatedAt", a.updatedAt().toString());
        return n;
    }
}
