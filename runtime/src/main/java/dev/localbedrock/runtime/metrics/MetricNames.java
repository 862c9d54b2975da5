package dev.localbedrock.runtime.metrics;

/** What every metric of this server is labelled with. */
final class MetricNames {
    /** CloudWatch's {@code ModelId} dimension: the served model's catalogue id. */
    static final String MODEL_ID = "model_id";

    private MetricNames() {
    }
}
