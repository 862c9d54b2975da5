package dev.localbedrock.runtime.invocationlog;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One destination's delivery: a bounded buffer the call path offers records to (never blocking; a full buffer drops
 * the record and counts it), and a daemon thread of its own that takes batches and writes them, retrying a failed
 * batch with exponential backoff until it lands or has been retried for the policy's maximum age. Being
 * per destination, an S3 endpoint that is down holds back only the S3 records.
 */
final class DeliveryWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeliveryWorker.class);

    /** Writes one batch; must be idempotent for a given {@code batchId}, which stays the same across retries. */
    interface Sink {
        void deliver(List<PendingRecord> batch, String batchId) throws Exception;

        /** Counts a delivered batch's records as successes, or a failed attempt's as failures. */
        void count(int records, boolean success);
    }

    private final String name;
    private final Sink sink;
    private final DeliveryPolicy policy;
    private final DeliveryCounters counters;
    private final Clock clock;
    private final BlockingQueue<PendingRecord> buffer;
    private final AtomicLong bufferedBytes = new AtomicLong();
    /** Records accepted and not yet delivered or given up (for {@link #pending()}). */
    private final AtomicLong outstanding = new AtomicLong();
    private final Thread thread;
    private volatile boolean closing;

    DeliveryWorker(String name, Sink sink, DeliveryPolicy policy, DeliveryCounters counters, Clock clock) {
        this.name = name;
        this.sink = sink;
        this.policy = policy;
        this.counters = counters;
        this.clock = clock;
        this.buffer = new ArrayBlockingQueue<>(policy.bufferRecords());
        this.thread = new Thread(this::run, "invocation-log-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Hands a record over without blocking; false (and counted as dropped) when the buffer is full. */
    boolean offer(PendingRecord record) {
        long bytes = record.bytes();
        outstanding.incrementAndGet();
        if (bufferedBytes.addAndGet(bytes) > policy.bufferBytes() || !buffer.offer(record)) {
            bufferedBytes.addAndGet(-bytes);
            outstanding.decrementAndGet();
            counters.dropped.incrementAndGet();
            return false;
        }
        return true;
    }

    /** Records buffered or being delivered. */
    long pending() {
        return outstanding.get();
    }

    private void run() {
        List<PendingRecord> batch = new ArrayList<>(policy.batchRecords());
        while (!closing || !buffer.isEmpty()) {
            try {
                PendingRecord first = buffer.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                fill(batch);
                for (PendingRecord r : batch) {
                    bufferedBytes.addAndGet(-r.bytes());
                }
                deliverWithRetries(batch);
            } catch (InterruptedException e) {
                if (!closing) {
                    Thread.currentThread().interrupt();
                    return;
                }
            } finally {
                outstanding.addAndGet(-batch.size());
                batch.clear();
            }
        }
    }

    /** Adds what arrives within the linger time, up to a full batch. */
    private void fill(List<PendingRecord> batch) throws InterruptedException {
        long deadline = System.nanoTime() + policy.linger().toNanos();
        while (batch.size() < policy.batchRecords()) {
            buffer.drainTo(batch, policy.batchRecords() - batch.size());
            long left = deadline - System.nanoTime();
            if (batch.size() >= policy.batchRecords() || left <= 0 || closing) {
                return;
            }
            PendingRecord next = buffer.poll(left, TimeUnit.NANOSECONDS);
            if (next == null) {
                return;
            }
            batch.add(next);
        }
    }

    private void deliverWithRetries(List<PendingRecord> batch) throws InterruptedException {
        String batchId = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        long backoff = policy.initialBackoff().toMillis();
        java.time.Instant giveUpAt = clock.instant().plus(policy.maxAge());
        for (int attempt = 1; ; attempt++) {
            try {
                sink.deliver(batch, batchId);
                sink.count(batch.size(), true);
                return;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                sink.count(batch.size(), false);
                if (clock.instant().isAfter(giveUpAt)) {
                    counters.dropped.addAndGet(batch.size());
                    log.error("invocation log delivery to {} gave up on {} records after {} attempts: {}", name,
                            batch.size(), attempt, e.toString());
                    return;
                }
                log.warn("invocation log delivery to {} failed (attempt {}, {} records; retrying in {} ms): {}",
                        name, attempt, batch.size(), backoff, e.toString());
                Thread.sleep(backoff);
                backoff = Math.min(policy.maxBackoff().toMillis(), backoff * 2);
            }
        }
    }

    /** Stops taking records and lets the thread deliver what is buffered for up to {@code waitMillis}. */
    @Override
    public void close() {
        close(5_000);
    }

    void close(long waitMillis) {
        closing = true;
        try {
            thread.join(waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt(); // a destination still down: what is left is lost, and counted
            counters.dropped.addAndGet(pending());
        }
    }
}
