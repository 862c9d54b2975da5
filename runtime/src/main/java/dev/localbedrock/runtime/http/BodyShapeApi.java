package dev.localbedrock.runtime.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.TextFamilyCodec;
import dev.localbedrock.codecs.converse.ConverseCodec;
import dev.localbedrock.codecs.inference.ImageSize;
import dev.localbedrock.codecs.parameters.BodyShapeJson;
import dev.localbedrock.engines.diffusion.Samplers;
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
 * its parameter controls from this, so they are the server's ranges and defaults. An image model answers {@code image}
 * instead: the Stability body's table, its allowed sizes and the samplers served.
 */
final class BodyShapeApi {
    private BodyShapeApi() {
    }

    static void handle(ChannelHandlerContext ctx, ModelTarget target, CallRecord record, boolean keepAlive) {
        String id = target.model().entry().id();
        record.model(id);
        if (target.model() instanceof ServedModel.Image image) {
            send(ctx, record, keepAlive, imageShape(id, image));
            return;
        }
        if (!(target.model() instanceof ServedModel.Text text)) {
            throw BedrockException.validation("The model " + id + " is not a text or image model (family "
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
        answer.putNull("image");
        send(ctx, record, keepAlive, answer);
    }

    /**
     * An image model's body: its parameters, where the prompts go, the sizes it takes (the codec's table allows each
     * side's range, but only these pairs), and the samplers this server runs (the codec knows Stability's full list;
     * the others are refused by name).
     */
    private static ObjectNode imageShape(String id, ServedModel.Image image) {
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.put("modelId", id);
        answer.put("family", image.entry().family());
        answer.putNull("text");
        answer.putNull("converse");
        ObjectNode shape = answer.putObject("image");
        shape.put("promptsPath", image.codec().promptsPath());
        ArrayNode sizes = shape.putArray("allowedSizes");
        for (ImageSize size : image.codec().allowedSizes()) {
            sizes.addObject().put("width", size.width()).put("height", size.height());
        }
        ArrayNode samplers = shape.putArray("samplers");
        Samplers.SUPPORTED.forEach(samplers::add);
        shape.setAll(BodyShapeJson.toNode(image.codec().bodyShape()));
        return answer;
    }

    private static void send(ChannelHandlerContext ctx, CallRecord record, boolean keepAlive, ObjectNode answer) {
        byte[] bytes = answer.toString().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = AwsResponses.json(record.requestId(), bytes);
        ctx.executor().execute(() -> AwsResponses.send(ctx, record, response, keepAlive));
    }
}
