package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.codecs.TextFamilyCodec;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/** Writes an InvokeModel response: the family's JSON body plus the token-count and latency headers. */
final class UnaryResponder extends Responder {
    static final AsciiString INPUT_TOKENS = AsciiString.cached("X-Amzn-Bedrock-Input-Token-Count");
    static final AsciiString OUTPUT_TOKENS = AsciiString.cached("X-Amzn-Bedrock-Output-Token-Count");
    static final AsciiString LATENCY = AsciiString.cached("X-Amzn-Bedrock-Invocation-Latency");

    private final TextFamilyCodec codec;
    private final TextGenerationRequest request;
    private final boolean keepAlive;

    /** @param request what the body asked for (some families echo it: Cohere's and J2's {@code prompt}) */
    UnaryResponder(ChannelHandlerContext ctx, CallRecord call, TextFamilyCodec codec, TextGenerationRequest request,
                   boolean keepAlive) {
        super(ctx, call);
        this.codec = codec;
        this.request = request;
        this.keepAlive = keepAlive;
    }

    @Override
    public void onComplete(GenerationOutcome outcome) {
        onLoop(() -> {
            byte[] body = codec.encodeResponse(request, outcome);
            FullHttpResponse response = ok(requestId, body, outcome.inputTokenCount(), outcome.outputTokenCount(),
                    millisSinceStart());
            finished();
            call.tokens(outcome.inputTokenCount(), outcome.outputTokenCount());
            call.responseBody(body);
            AwsResponses.send(ctx, call, response, keepAlive);
        });
    }

    /** A 200 InvokeModel response: the family's JSON body with the token-count and latency headers. */
    static FullHttpResponse ok(String requestId, byte[] body, int inputTokens, int outputTokens, long latencyMillis) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, AwsResponses.JSON)
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(AwsResponses.REQUEST_ID, requestId)
                .set(INPUT_TOKENS, inputTokens)
                .set(OUTPUT_TOKENS, outputTokens)
                .set(LATENCY, latencyMillis);
        return response;
    }

    @Override
    public void onError(InferenceFailure error) {
        onLoop(() -> {
            finished();
            AwsResponses.sendError(ctx, call, InferenceErrors.toAws(error), keepAlive);
        });
    }
}
