package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.EmbeddingFamilyCodec;
import dev.localbedrock.codecs.inference.EmbeddingOutcome;
import dev.localbedrock.codecs.inference.InferenceFailure;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Writes an embedding model's InvokeModel response: the family's JSON body plus the token-count headers (output
 * tokens 0, as Bedrock reports for embeddings) and the latency. The worker completes the result on its own thread;
 * the encoding and the write happen on the connection's event loop, as for text. Closing the connection before the
 * result is ready cancels it, so a queued request the client abandoned is never embedded.
 */
final class EmbeddingResponder {
    private static final Logger log = LoggerFactory.getLogger(EmbeddingResponder.class);

    private final ChannelHandlerContext ctx;
    private final CallRecord call;
    private final EmbeddingFamilyCodec codec;
    private final boolean keepAlive;

    EmbeddingResponder(ChannelHandlerContext ctx, CallRecord call, EmbeddingFamilyCodec codec, boolean keepAlive) {
        this.ctx = ctx;
        this.call = call;
        this.codec = codec;
        this.keepAlive = keepAlive;
    }

    /**
     * Answers with {@code result} when it completes, on the event loop. Called on the decode thread right after
     * submission; the close listener is added before the completion callback is registered, so it is always removed.
     */
    void respondTo(CompletableFuture<EmbeddingOutcome> result) {
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
                    call.tokens(outcome.inputTokenCount(), 0);
                    call.responseBody(body);
                    AwsResponses.send(ctx, call, UnaryResponder.ok(call.requestId(), body, outcome.inputTokenCount(),
                            0, call.millisSinceStart()), keepAlive);
                    return;
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            AwsResponses.sendError(ctx, call, asBedrock(failure), keepAlive);
        }));
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
