package dev.localbedrock.runtime.worker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The thread a model worker runs on, and how it stops: both the text worker (a scheduler stepping a batch) and the
 * embedding worker (a queue drained in batches) run one loop on one daemon thread and stop the same way, so the
 * stopping lives here once. A shutdown first asks the loop to finish what it accepted ({@link #closing()}), waits
 * the grace period, then asks it to fail what is left ({@link #aborting()}) and waits for the step in flight (at
 * most {@link #ABORT_WAIT_MILLIS}); a loop that still runs is interrupted. The loop reads the two flags between
 * units of work; a parked loop is woken with {@link #wake()}.
 */
public final class WorkerThread {
    private static final Logger log = LoggerFactory.getLogger(WorkerThread.class);
    /** How long an aborting loop may take to finish its step in flight before it is interrupted. */
    static final long ABORT_WAIT_MILLIS = TimeUnit.SECONDS.toMillis(10);

    private final Thread thread;
    private final long abortWaitMillis;
    private volatile boolean closing;
    private volatile boolean aborting;

    /**
     * A daemon thread named {@code name} that will run {@code loop}. Call {@link #start()} once the owner has stored
     * this object, since the loop reads the flags through it.
     */
    public WorkerThread(String name, Runnable loop) {
        this(name, loop, ABORT_WAIT_MILLIS);
    }

    WorkerThread(String name, Runnable loop, long abortWaitMillis) {
        this.thread = new Thread(loop, name);
        this.thread.setDaemon(true);
        this.abortWaitMillis = abortWaitMillis;
    }

    /** Starts the loop. */
    public WorkerThread start() {
        thread.start();
        return this;
    }

    /** True once a shutdown began: accept nothing new, finish what was accepted, then return. */
    public boolean closing() {
        return closing;
    }

    /** True once the grace period is over: fail what is left and return. */
    public boolean aborting() {
        return aborting;
    }

    public boolean isAlive() {
        return thread.isAlive();
    }

    /** Wakes the loop if it is parked ({@link LockSupport#parkNanos(Object, long)}). */
    public void wake() {
        LockSupport.unpark(thread);
    }

    /**
     * Closes, waits up to {@code graceMillis} for the loop to return, then aborts and waits for its step in flight.
     *
     * @return whether the loop returned (false: it was interrupted and may still hold what it runs)
     */
    public boolean stop(long graceMillis) {
        closing = true;
        wake();
        join(Math.max(1, graceMillis));
        if (thread.isAlive()) {
            aborting = true;
            wake();
            join(abortWaitMillis);
        }
        if (thread.isAlive()) {
            log.warn("worker thread {} did not stop; interrupting it", thread.getName());
            thread.interrupt();
            return false;
        }
        return true;
    }

    private void join(long millis) {
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
