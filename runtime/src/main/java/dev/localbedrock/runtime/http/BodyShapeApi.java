package dev.localbedrock.runtime.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.TextFamilyCodec;
import dev.localbedrock.codecs.converse.ConverseCodec;
import dev.localbedrock.codecs.parameters.BodyShapeJson;
import dev.localbedrock.runtime.ModelTarget;
import dev.localbedrock.runtime.ServedModel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;

import java.nio.charset.StandardCharsets;

/**
 * {@code GET /local-bedrock/body-shapes/{modelId}}: a text model's request bodies as its codecs' own tables
 * ({@link BodyShapeJson}): {@code text}, the family's InvokeModel completion body with where the generated text is in a
 * response and in a stream chunk (null for a model whose InvokeModel body is a chat body), and {@code converse}, the
 * Converse {@code inferenceConfig} with this model's limits (null where Converse is not set up). The console builds
 * its parameter controls from this, so they are the server's ranges and defaults.
 */
final class BodyShapeApi {
    private BodyShapeApi() {
    }

    static void handle(ChannelHandlerContext ctx, ModelTarget target, CallRecord record, boolean keepAlive) {
        String id = target.model().entry().id();
        record.model(id);
        if (!(target.model() instanceof ServedModel.Text text)) {
            throw BedrockException.validation("The model " + id + " is not a text model (family "
                    + target.model().entry().family() + "); it has no generation body.");
        }
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.put("modelId", id);
        answer.put("family", target.model().entry().family());
        if (text.codec() != null && !text.invokesAsChat()) {
            TextFamilyCodec codec = text.codec();
            ObjectNode completion = answer.putObject("text");
            completion.put("responseTextPath", codec.responseTextPath());
            completion.put("chunkTextPath", codec.chunkTextPath());
            completion.put("streams", codec.streams());
            completion.setAll(BodyShapeJson.toNode(codec.bodyShape()));
        } else {
            answer.putNull("text");
        }
        if (text.chat() != null && text.chat().converse() instanceof ConverseCodec converse) {
            answer.set("converse", BodyShapeJson.toNode(converse.inferenceShape()));
        } else {
            answer.putNull("converse");
        }
        byte[] bytes = answer.toString().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = AwsResponses.json(record.requestId(), bytes);
        ctx.executor().execute(() -> AwsResponses.send(ctx, record, response, keepAlive));
    }
}
