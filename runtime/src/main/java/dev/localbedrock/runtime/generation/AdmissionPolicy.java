package dev.localbedrock.runtime.generation;

/**
 * Decides the order in which waiting requests are admitted, and may hold some back. The default is FIFO: every
 * request has priority 0 and may start whenever the batch has room.
 *
 * <p>Reserved capacity for provisioned throughput is not a policy: {@link CapacityReservations} guarantees each tag
 * its share and orders reserved requests first. A policy adds rules on top: it orders requests within the reserved
 * and the unreserved group, and is asked about a request only once the reservations allow it to start. A request
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
