package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.ImageFamilyCodec;
import dev.localbedrock.codecs.inference.ImageArtifact;
import dev.localbedrock.codecs.inference.ImageGenerationOutcome;
import dev.localbedrock.codecs.inference.ImageGenerationRequest;
import dev.localbedrock.runtime.observe.ImageOutput;
import dev.localbedrock.codecs.inference.InferenceFailure;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Writes an image model's InvokeModel response: the family's JSON (base64 PNGs) and the latency header. An image
 * model reads and writes no tokens, so the token-count headers are left out rather than written as 0. The worker
 * completes the result on its scheduler thread; the encoding and the write happen on the connection's event loop.
 * Closing the connection cancels the request, which frees its UNet rows at the next denoising step.
 */
final class ImageResponder {
    private static final Logger log = LoggerFactory.getLogger(ImageResponder.class);

    private final ChannelHandlerContext ctx;
    private final CallRecord call;
    private final ImageFamilyCodec codec;
    /** What the call asked for: its size and steps label OutputImageCount. */
    private final ImageGenerationRequest request;
    private final boolean keepAlive;

    ImageResponder(ChannelHandlerContext ctx, CallRecord call, ImageFamilyCodec codec, ImageGenerationRequest request,
                   boolean keepAlive) {
        this.request = request;
        this.ctx = ctx;
        this.call = call;
        this.codec = codec;
        this.keepAlive = keepAlive;
    }

    /** Answers with {@code result} when it completes, on the event loop (see {@link EmbeddingResponder#respondTo}). */
    void respondTo(CompletableFuture<ImageGenerationOutcome> result) {
        ChannelFutureListener cancelOnClose = closed -> {
            call.clientGone();
            result.cancel(false);
        };
        ctx.channel().closeFuture().addListener(cancelOnClose);
        result.whenComplete((outcome, error) -> ctx.executor().execute(() -> {
            ctx.channel().closeFuture().removeListener(cancelOnClose);
            if (result.isCancelled()) {
                return; // the client is gone
            }
            Throwable failure = error;
            if (failure == null) {
                try {
                    byte[] body = codec.encodeResponse(outcome);
                    call.imageOutput(new ImageOutput(images(outcome), request.size().width() + "x"
                            + request.size().height(), request.steps()));
                    call.responseBody(body);
                    FullHttpResponse response = UnaryResponder.ok(call.requestId(), body, 0, 0,
                            call.millisSinceStart());
                    response.headers().remove(UnaryResponder.INPUT_TOKENS).remove(UnaryResponder.OUTPUT_TOKENS);
                    AwsResponses.send(ctx, call, response, keepAlive);
                    return;
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            AwsResponses.sendError(ctx, call, asBedrock(failure), keepAlive);
        }));
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

    private BedrockException asBedrock(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof InferenceFailure f) {
            return InferenceErrors.toAws(f);
        }
        if (cause instanceof BedrockException e) {
            return e;
        }
        log.error("request {} failed", call.requestId(), cause);
        return new BedrockException(BedrockErrorType.INTERNAL_SERVER, "Internal error: "
                + cause.getClass().getSimpleName());
    }
}
