package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.ImageFamilyCodec;
import dev.localbedrock.codecs.inference.ImageArtifact;
import dev.localbedrock.codecs.inference.ImageGenerationOutcome;
import dev.localbedrock.codecs.inference.ImageGenerationRequest;
import dev.localbedrock.runtime.observe.ImageOutput;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;

/**
 * Writes an image model's InvokeModel response: the family's JSON (base64 PNGs) and the latency header. An image
 * model reads and writes no tokens, so the token-count headers are left out rather than written as 0.
 */
final class ImageResponder extends FutureResponder<ImageGenerationOutcome> {
    private final ImageFamilyCodec codec;
    /** What the call asked for: its size and steps label OutputImageCount. */
    private final ImageGenerationRequest request;

    ImageResponder(ChannelHandlerContext ctx, CallRecord call, ImageFamilyCodec codec, ImageGenerationRequest request,
                   boolean keepAlive) {
        super(ctx, call, keepAlive);
        this.codec = codec;
        this.request = request;
    }

    @Override
    FullHttpResponse answer(ImageGenerationOutcome outcome) {
        byte[] body = codec.encodeResponse(outcome);
        call.imageOutput(new ImageOutput(images(outcome), request.size().width() + "x" + request.size().height(),
                request.steps()));
        call.responseBody(body);
        FullHttpResponse response = UnaryResponder.ok(call.requestId(), body, 0, 0, call.millisSinceStart());
        response.headers().remove(UnaryResponder.INPUT_TOKENS).remove(UnaryResponder.OUTPUT_TOKENS);
        return response;
    }

    /** The images the response carries (an ERROR artifact has none): CloudWatch's OutputImageCount. */
    static int images(ImageGenerationOutcome outcome) {
        int images = 0;
        for (ImageArtifact artifact : outcome.artifacts()) {
            if (artifact.pngBytes().length > 0) {
                images++;
            }
        }
        return images;
    }
}
