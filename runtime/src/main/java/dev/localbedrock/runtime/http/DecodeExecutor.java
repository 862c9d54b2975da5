package dev.localbedrock.runtime.http;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that turn a request's bytes into admitted work: parse the family body, tokenize the prompt, queue it on
 * the model. Both cost time in proportion to what a client sends (a 25 MB body, a 10 MB prompt), so they must not run
 * on an event loop, where they would stall every other connection on it, their timeouts included. The queue is
 * bounded: when it is full the request is refused with ThrottlingException at once, like a full model queue.
 */
final class DecodeExecutor implements Executor, AutoCloseable {
    /** Requests that may wait for a decode thread; beyond this the server is overloaded at intake. */
    static final int MAX_WAITING = 1024;

    private final ThreadPoolExecutor pool;

    DecodeExecutor(int threads) {
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(MAX_WAITING), task -> {
                    Thread t = new Thread(task, "request-decode-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /** One thread per core, at least two: decoding is CPU work, and one slow body must not hold up the rest. */
    static DecodeExecutor forThisMachine() {
        return new DecodeExecutor(Math.max(2, Runtime.getRuntime().availableProcessors()));
    }

    /**
     * @throws RejectedExecutionException when {@link #MAX_WAITING} requests are already waiting, or after close
     */
    @Override
    public void execute(Runnable task) {
        pool.execute(task);
    }

    /**
     * Takes no more work and waits up to {@code timeoutMillis} for what was accepted to be decoded and handed to the
     * models: at shutdown this runs before the models stop, so no request is tokenized on a closed tokenizer or
     * queued on a stopped worker. What is offered afterwards is rejected (and answered 503 while draining).
     */
    void drain(long timeoutMillis) {
        pool.shutdown();
        try {
            pool.awaitTermination(Math.max(1, timeoutMillis), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lets queued decodes finish briefly (their answers are errors once the models are closed), then stops. */
    @Override
    public void close() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(2, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
