package dev.localbedrock.runtime.events;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded queue drained by one thread of its own, so that slow work (files, webhooks) never runs on the thread
 * that offers. {@link #offer} never blocks: when the queue is full the item is dropped and counted, because the
 * offering thread is a connection's event loop or a control-plane call, and stalling either is worse than a gap in
 * what is recorded. {@link #close} stops taking items and gives the thread a grace period to deliver what is queued.
 *
 * @param <T> what is queued
 */
public final class DeliveryQueue<T> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeliveryQueue.class);
    private static final int MAX_BATCH = 512;

    /** Delivers a batch, in order; runs on the queue's thread only. */
    @FunctionalInterface
    public interface Sink<T> {
        void deliver(List<T> batch) throws InterruptedException;
    }

    private final String name;
    private final BlockingQueue<T> queue;
    private final Sink<T> sink;
    private final Thread thread;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closing;

    public DeliveryQueue(String name, int capacity, Sink<T> sink) {
        this.name = name;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.sink = sink;
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues an item; false (and counted as dropped) when the queue is full or closed. Never blocks. */
    public boolean offer(T item) {
        if (closing || !queue.offer(item)) {
            long n = dropped.incrementAndGet();
            if (Long.bitCount(n) == 1) { // 1, 2, 4, 8 ...: a full queue must not flood the log either
                log.warn("{}: queue full or closed, {} item(s) dropped so far", name, n);
            }
            return false;
        }
        accepted.incrementAndGet();
        return true;
    }

    /** Items dropped because the queue was full or closed. */
    public long dropped() {
        return dropped.get();
    }

    /** Items queued and not yet handed through the sink. */
    public long pending() {
        return accepted.get() - done.get();
    }

    /** Waits until every item accepted so far has been through the sink; false if that took longer than timeout. */
    public boolean awaitDelivered(Duration timeout) throws InterruptedException {
        long target = accepted.get();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (done.get() < target) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    private void run() {
        List<T> batch = new ArrayList<>();
        try {
            while (true) {
                T first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closing && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                try {
                    sink.deliver(batch);
                } catch (RuntimeException e) {
                    log.warn("{}: delivery of {} item(s) failed", name, batch.size(), e);
                } finally {
                    done.addAndGet(batch.size());
                    batch.clear();
                }
            }
        } catch (InterruptedException e) {
            // Closing ran out of grace: what is left is reported by close().
        }
    }

    /**
     * Stops taking items and waits up to {@code grace} for the queued ones to be delivered; past it the thread is
     * interrupted (a retry's back-off ends) and what is left undelivered is logged.
     */
    public void close(Duration grace) {
        closing = true;
        try {
            thread.join(Math.max(1, grace.toMillis()));
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long left = pending();
        if (left > 0) {
            log.warn("{}: closed with {} item(s) undelivered", name, left);
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
