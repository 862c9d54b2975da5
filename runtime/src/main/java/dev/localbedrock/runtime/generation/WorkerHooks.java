package dev.localbedrock.runtime.generation;

import java.util.Objects;

/**
 * What the service plugs into a model's scheduler from outside: the admission policy (the control plane's
 * provisioned throughput) and the metrics sink.
 */
public record WorkerHooks(AdmissionPolicy admission, SchedulerMetrics metrics) {
    public WorkerHooks {
        Objects.requireNonNull(admission, "admission");
        Objects.requireNonNull(metrics, "metrics");
    }

    /** FIFO admission and fresh in-memory metrics. */
    public static WorkerHooks defaults() {
        return new WorkerHooks(AdmissionPolicy.FIFO, new InMemorySchedulerMetrics());
    }
}
