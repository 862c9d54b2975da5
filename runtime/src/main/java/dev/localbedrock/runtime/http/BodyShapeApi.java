package dev.localbedrock.runtime.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.TextFamilyCodec;
import dev.localbedrock.codecs.parameters.BodyShapeJson;
import dev.localbedrock.runtime.ModelTarget;
import dev.localbedrock.runtime.ServedModel;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;

/**
 * {@code GET /local-bedrock/body-shapes/{modelId}}: the InvokeModel body of the family a model speaks, as its codec's
 * own table ({@link BodyShapeJson}), with the family's name and where the generated text is in a response and in a
 * stream chunk. The console builds its parameter controls from this, so they are the server's ranges and defaults.
 */
final class BodyShapeApi {
    private BodyShapeApi() {
    }

    static void handle(ChannelHandlerContext ctx, ModelTarget target, CallRecord record, boolean keepAlive) {
        record.model(target.model().entry().id());
        if (!(target.model() instanceof ServedModel.Text text) || text.codec() == null || text.invokesAsChat()) {
            throw BedrockException.validation("The model " + target.model().entry().id() + " takes no text "
                    + "completion body (family " + target.model().entry().family() + "); use Converse for it.");
        }
        TextFamilyCodec codec = text.codec();
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.put("modelId", target.model().entry().id());
        answer.put("family", codec.family());
        answer.put("responseTextPath", codec.responseTextPath());
        answer.put("chunkTextPath", codec.chunkTextPath());
        answer.put("streams", codec.streams());
        answer.setAll(BodyShapeJson.toNode(codec.bodyShape()));
        byte[] bytes = answer.toString().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, AwsResponses.JSON)
                .set(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(AwsResponses.REQUEST_ID, record.requestId());
        ctx.executor().execute(() -> AwsResponses.send(ctx, record, response, keepAlive));
    }
}
