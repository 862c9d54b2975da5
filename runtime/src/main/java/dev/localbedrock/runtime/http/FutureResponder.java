package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.inference.InferenceFailure;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Answers a unary InvokeModel whose worker completes a future (embeddings, images): the worker completes it on its
 * own thread, and the encoding and the write happen on the connection's event loop, as for text. Closing the
 * connection before the result is ready cancels the future, so work the client abandoned is dropped (a queued
 * request never runs; a running image frees its UNet rows at the next step).
 *
 * @param <T> the outcome the worker produces
 */
abstract class FutureResponder<T> {
    private static final Logger log = LoggerFactory.getLogger(FutureResponder.class);

    final ChannelHandlerContext ctx;
    final CallRecord call;
    private final boolean keepAlive;

    FutureResponder(ChannelHandlerContext ctx, CallRecord call, boolean keepAlive) {
        this.ctx = ctx;
        this.call = call;
        this.keepAlive = keepAlive;
    }

    /** The response to a successful outcome, recording what the call returned; runs on the event loop. */
    abstract FullHttpResponse answer(T outcome);

    /**
     * Answers with {@code result} when it completes, on the event loop. Called on the decode thread right after
     * submission; the close listener is added before the completion callback is registered, so it is always removed.
     */
    final void respondTo(CompletableFuture<T> result) {
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
                    AwsResponses.send(ctx, call, answer(outcome), keepAlive);
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
