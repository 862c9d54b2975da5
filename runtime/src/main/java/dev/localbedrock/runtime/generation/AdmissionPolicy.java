package dev.localbedrock.runtime.generation;

/**
 * Decides the order in which waiting requests are admitted, and may hold some back. The default is FIFO: every
 * request has priority 0 and may start whenever the batch has room.
 *
 * <p>This is the hook provisioned throughput uses to reserve capacity: a policy can give tagged requests a higher
 * priority and refuse to start untagged ones while the reserved share of {@link SchedulerLoad} is in use. A request
 * held back stays queued (subject to the queue-wait limit and its deadline); the scheduler moves on to the next.
 * Both methods run on threads the scheduler owns and must be quick and non-blocking.
 */
public interface AdmissionPolicy {
    /** First come, first served. */
    AdmissionPolicy FIFO = new AdmissionPolicy() {
    };

    /** Higher priorities are admitted first; equal priorities in arrival order. Called once, when queued. */
    default int priority(QueuedRequest request) {
        return 0;
    }

    /** Whether {@code request} may start at this step, given the load including this step's earlier admissions. */
    default boolean mayStart(QueuedRequest request, SchedulerLoad load) {
        return true;
    }
}
