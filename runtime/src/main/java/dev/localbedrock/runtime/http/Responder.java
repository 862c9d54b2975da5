package dev.localbedrock.runtime.http;

import dev.localbedrock.runtime.generation.GenerationJob;
import dev.localbedrock.runtime.generation.GenerationListener;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;

/**
 * Base of the two response writers. Listener callbacks arrive on the inference thread and are re-posted to the
 * connection's event loop, where all encoding and writing happens (JSON and framing stay off the inference thread).
 * While the response is open, closing the connection or HTTP/2 stream cancels the generation.
 */
abstract class Responder implements GenerationListener {
    protected final ChannelHandlerContext ctx;
    protected final CallRecord call;
    protected final String requestId;
    private GenerationJob job;
    /** Set on the event loop once the response is complete. */
    private boolean done;
    private final ChannelFutureListener cancelOnClose = this::clientGone;

    Responder(ChannelHandlerContext ctx, CallRecord call) {
        this.ctx = ctx;
        this.call = call;
        this.requestId = call.requestId();
    }

    /**
     * Links the admitted job so a disconnect cancels it. Called on the decode thread right after admission; the link
     * is made on the event loop, where {@link #finished} runs too, so a response that completed first (a fast
     * generation, an immediate error) leaves no listener behind on a keep-alive connection. A connection that closed
     * in between cancels the job at once (a listener added to a done future runs immediately).
     */
    final void watch(GenerationJob admitted) {
        onLoop(() -> {
            if (done) {
                return;
            }
            this.job = admitted;
            ChannelFuture closed = ctx.channel().closeFuture();
            closed.addListener(cancelOnClose);
        });
    }

    /** The client went away with the response unfinished: recorded with the tokens so far, then the job stopped. */
    private void clientGone(ChannelFuture ignored) {
        call.clientGone();
        if (job != null) {
            job.cancel();
        }
    }

    /** Called on the event loop once the response is complete: the job no longer needs watching. */
    protected final void finished() {
        done = true;
        ctx.channel().closeFuture().removeListener(cancelOnClose);
    }

    protected final long millisSinceStart() {
        return call.millisSinceStart();
    }

    protected final void onLoop(Runnable task) {
        ctx.executor().execute(task);
    }
}
