package dev.localbedrock.runtime.metrics;

import dev.localbedrock.runtime.catalog.ModelEntry;
import dev.localbedrock.runtime.generation.InMemorySchedulerMetrics;
import dev.localbedrock.runtime.generation.SchedulerMetrics;
import dev.localbedrock.runtime.generation.WorkerHooks;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.function.Function;

/**
 * The server's one metrics registry: the invocation metrics (a call listener) and each model scheduler's sink,
 * scraped as Prometheus text for {@code GET /metrics}.
 */
public final class RuntimeMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final InvocationMetrics invocations = new InvocationMetrics(registry);

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The call listener that keeps the CloudWatch runtime metrics. */
    public InvocationMetrics invocations() {
        return invocations;
    }

    /** The text exposition (format 0.0.4) of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    /**
     * {@code hooks} with each model's metrics sink also feeding this registry, and the model's invocation meters
     * registered at zero.
     */
    public Function<ModelEntry, WorkerHooks> wrap(Function<ModelEntry, WorkerHooks> hooks) {
        return entry -> {
            WorkerHooks given = hooks.apply(entry);
            invocations.register(entry.id());
            SchedulerMetrics ours = new MicrometerSchedulerMetrics(registry, entry.id());
            // The in-memory sink (the default) forwards, so worker.metrics() stays the object its readers cast to.
            if (given.metrics() instanceof InMemorySchedulerMetrics inMemory && inMemory.forwardTo(ours)) {
                return given;
            }
            SchedulerMetrics sink = given.metrics() == SchedulerMetrics.NONE ? ours
                    : new BothSchedulerMetrics(given.metrics(), ours);
            return new WorkerHooks(given.admission(), sink);
        };
    }
}
