package dev.localbedrock.runtime.http;

import io.netty.channel.ChannelHandlerContext;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one timeout a connection guard has running at a time, on its channel's event loop: starting it again replaces
 * the pending one, and it forgets itself when it fires, so {@link #pending()} says whether a deadline is running.
 * Guards use it only from the event loop (handler callbacks and the expiry itself), so it needs no locking; what the
 * expiry still has to check (the channel is still active, the condition still holds) is the caller's.
 */
final class ChannelTimeout {
    private ScheduledFuture<?> pending;

    /** Runs {@code expiry} once, {@code delay} from now, unless cancelled or started again before then. */
    void start(ChannelHandlerContext ctx, Duration delay, Runnable expiry) {
        cancel();
        pending = ctx.executor().schedule(() -> {
            pending = null;
            expiry.run();
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    boolean pending() {
        return pending != null;
    }

    void cancel() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }
}
