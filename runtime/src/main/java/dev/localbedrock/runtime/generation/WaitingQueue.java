package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.InferenceFailure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * Requests waiting for admission, in admission order (the policy's priority, highest first, then arrival). Bounded
 * twice: by length, and by expected wait ({@link WaitEstimator}); a request beyond either is refused as
 * overloaded at once, so the queue never grows without bound and nobody queues for a wait that is already
 * known to be too long. Submitting threads offer; the scheduler thread reads snapshots and removes.
 */
final class WaitingQueue {
    private static final Comparator<GenerationJob> ORDER = Comparator
            .comparingInt((GenerationJob j) -> -j.priority())
            .thenComparingLong(GenerationJob::arrivalOrder);

    private final String name;
    private final int capacity;
    private final long maxWaitNanos;
    private final AdmissionPolicy policy;
    private final WaitEstimator estimator = new WaitEstimator();
    private final TreeSet<GenerationJob> jobs = new TreeSet<>(ORDER);
    private long arrivals;

    WaitingQueue(String name, int capacity, Duration maxWait, AdmissionPolicy policy) {
        this.name = name;
        this.capacity = Math.max(1, capacity);
        this.maxWaitNanos = maxWait.toNanos();
        this.policy = policy;
    }

    /**
     * Queues {@code job}.
     *
     * @throws InferenceFailure OVERLOADED when the queue is full or the expected wait exceeds the limit
     */
    void offer(GenerationJob job) {
        int priority = policy.priority(job);
        synchronized (this) {
            if (jobs.size() >= capacity) {
                throw throttled("(" + name + ": " + jobs.size() + " requests already waiting)");
            }
            long expected = estimator.expectedWaitNanos(jobs.size());
            if (expected > maxWaitNanos) {
                throw throttled("(" + name + ": the expected wait of " + Duration.ofNanos(expected).toMillis()
                        + " ms exceeds the limit of " + Duration.ofNanos(maxWaitNanos).toMillis() + " ms)");
            }
            job.enqueued(priority, arrivals++);
            jobs.add(job);
        }
    }

    static InferenceFailure throttled(String detail) {
        return new InferenceFailure(InferenceFailure.Kind.OVERLOADED,
                "Too many requests, please wait before trying again. " + detail);
    }

    synchronized int size() {
        return jobs.size();
    }

    synchronized boolean isEmpty() {
        return jobs.isEmpty();
    }

    /** The waiting jobs in admission order. */
    synchronized List<GenerationJob> snapshot() {
        return jobs.isEmpty() ? List.of() : new ArrayList<>(jobs);
    }

    /** Removes a job that leaves without being admitted (cancelled, timed out, waited too long). */
    synchronized boolean remove(GenerationJob job) {
        return jobs.remove(job);
    }

    /** Removes a job the scheduler admitted at {@code now}. */
    synchronized void admitted(GenerationJob job, long now) {
        if (jobs.remove(job)) {
            estimator.onAdmission(now, jobs.size());
        }
    }

    /** Removes and returns everything (shutdown). */
    synchronized List<GenerationJob> drain() {
        List<GenerationJob> all = new ArrayList<>(jobs);
        jobs.clear();
        return all;
    }

    long maxWaitNanos() {
        return maxWaitNanos;
    }
}
