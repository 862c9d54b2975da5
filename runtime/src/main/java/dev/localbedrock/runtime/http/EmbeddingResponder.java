package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.EmbeddingFamilyCodec;
import dev.localbedrock.codecs.inference.EmbeddingOutcome;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;

/**
 * Writes an embedding model's InvokeModel response: the family's JSON body plus the token-count headers (output
 * tokens 0, as Bedrock reports for embeddings) and the latency.
 */
final class EmbeddingResponder extends FutureResponder<EmbeddingOutcome> {
    private final EmbeddingFamilyCodec codec;

    EmbeddingResponder(ChannelHandlerContext ctx, CallRecord call, EmbeddingFamilyCodec codec, boolean keepAlive) {
        super(ctx, call, keepAlive);
        this.codec = codec;
    }

    @Override
    FullHttpResponse answer(EmbeddingOutcome outcome) {
        byte[] body = codec.encodeResponse(outcome);
        call.tokens(outcome.inputTokenCount(), 0);
        call.responseBody(body);
        return UnaryResponder.ok(call.requestId(), body, outcome.inputTokenCount(), 0, call.millisSinceStart());
    }
}
