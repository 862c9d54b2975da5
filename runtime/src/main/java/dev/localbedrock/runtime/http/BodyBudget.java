package dev.localbedrock.runtime.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of request bodies the whole server holds at once: bodies being received (every HTTP/1.1 connection and
 * every HTTP/2 stream aggregates up to {@code max_body_bytes} on its own) and bodies waiting for a decode thread. Per
 * connection and per stream limits do not bound their sum — a few HTTP/2 connections with 100 streams of 25 MB each
 * would fill any heap — so each body reserves its bytes here as they arrive, and a body that does not fit is refused
 * with ThrottlingException rather than risking the process.
 */
final class BodyBudget {
    private final long limit;
    private final AtomicLong held = new AtomicLong();

    BodyBudget(long limitBytes) {
        if (limitBytes < 1) {
            throw new IllegalArgumentException("a body budget needs at least one byte, not " + limitBytes);
        }
        this.limit = limitBytes;
    }

    /** A quarter of the heap the JVM may grow to, at least 64 MiB: bodies are copied once on their way to decoding. */
    static BodyBudget forThisJvm() {
        return new BodyBudget(Math.max(64L << 20, Runtime.getRuntime().maxMemory() / 4));
    }

    /** Takes {@code bytes} if they fit under the limit; false (taking nothing) when they do not. */
    boolean tryReserve(long bytes) {
        while (true) {
            long now = held.get();
            if (now + bytes > limit) {
                return false;
            }
            if (held.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        held.addAndGet(-bytes);
    }

    long held() {
        return held.get();
    }

    long limit() {
        return limit;
    }
}
