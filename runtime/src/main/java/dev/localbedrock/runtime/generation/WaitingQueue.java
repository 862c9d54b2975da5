package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.InferenceFailure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * Requests waiting for admission, in admission order: requests whose tag has a reservation
 * ({@link CapacityReservations}) first, then the policy's priority, highest first, then arrival. Bounded twice: by
 * length, and by expected wait ({@link WaitEstimator}); a request beyond either is refused as overloaded at once, so
 * the queue never grows without bound and nobody queues for a wait that is already known to be too long.
 *
 * <p>Both limits count only the requests that would be admitted before the new one: for a reserved request, the
 * reserved ones already waiting, so an on-demand backlog that fills the queue never refuses provisioned traffic (the
 * queue then holds at most twice {@code capacity}). Whether a request counts as reserved is decided when it is
 * queued; a reservation made or released later does not reorder requests already waiting. Submitting threads
 * offer; the scheduler thread reads snapshots and removes.
 */
final class WaitingQueue {
    private static final Comparator<GenerationJob> ORDER = Comparator
            .comparingInt((GenerationJob j) -> j.reservedWhenQueued() ? 0 : 1)
            .thenComparingInt(j -> -j.priority())
            .thenComparingLong(GenerationJob::arrivalOrder);

    private final String name;
    private final int capacity;
    private final long maxWaitNanos;
    private final AdmissionPolicy policy;
    private final CapacityReservations reservations;
    private final WaitEstimator estimator = new WaitEstimator();
    private final TreeSet<GenerationJob> jobs = new TreeSet<>(ORDER);
    private long arrivals;
    /** Queued jobs that were reserved when queued. */
    private int reservedWaiting;

    WaitingQueue(String name, int capacity, Duration maxWait, AdmissionPolicy policy,
                 CapacityReservations reservations) {
        this.name = name;
        this.capacity = Math.max(1, capacity);
        this.maxWaitNanos = maxWait.toNanos();
        this.policy = policy;
        this.reservations = reservations;
    }

    /**
     * Queues {@code job}.
     *
     * @throws InferenceFailure OVERLOADED when the queue is full or the expected wait exceeds the limit
     */
    void offer(GenerationJob job) {
        int priority = policy.priority(job);
        boolean reserved = reservations.has(job.capacityTag());
        synchronized (this) {
            int ahead = reserved ? reservedWaiting : jobs.size();
            if (ahead >= capacity) {
                throw throttled("(" + name + ": " + ahead + " requests already waiting)");
            }
            long expected = estimator.expectedWaitNanos(ahead);
            if (expected > maxWaitNanos) {
                throw throttled("(" + name + ": the expected wait of " + Duration.ofNanos(expected).toMillis()
                        + " ms exceeds the limit of " + Duration.ofNanos(maxWaitNanos).toMillis() + " ms)");
            }
            job.enqueued(reserved, priority, arrivals++);
            jobs.add(job);
            if (reserved) {
                reservedWaiting++;
            }
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
        return removed(job);
    }

    private boolean removed(GenerationJob job) {
        if (!jobs.remove(job)) {
            return false;
        }
        if (job.reservedWhenQueued()) {
            reservedWaiting--;
        }
        return true;
    }

    /** Removes a job the scheduler admitted at {@code now}. */
    synchronized void admitted(GenerationJob job, long now) {
        if (removed(job)) {
            estimator.onAdmission(now, jobs.size());
        }
    }

    /** Removes and returns everything (shutdown). */
    synchronized List<GenerationJob> drain() {
        List<GenerationJob> all = new ArrayList<>(jobs);
        jobs.clear();
        reservedWaiting = 0;
        return all;
    }

    long maxWaitNanos() {
        return maxWaitNanos;
    }
}
