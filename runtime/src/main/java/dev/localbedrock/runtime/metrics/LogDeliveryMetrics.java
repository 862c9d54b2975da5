package dev.localbedrock.runtime.metrics;

import dev.localbedrock.runtime.invocationlog.DeliveryCounters;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.function.ToDoubleFunction;

/**
 * The guide's invocation-log delivery metrics (across all model ids) on {@code /metrics}, read from the delivery's
 * own counters at scrape time: {@code bedrock_model_invocation_logs_delivery_total{destination, outcome}} for the S3,
 * CloudWatch Logs and large-data destinations, and {@code bedrock_model_invocation_logs_dropped_total}.
 */
public final class LogDeliveryMetrics {
    private LogDeliveryMetrics() {
    }

    public static void register(MeterRegistry registry, DeliveryCounters counters) {
        delivery(registry, counters, "s3", "success", DeliveryCounters::s3DeliverySuccess);
        delivery(registry, counters, "s3", "failure", DeliveryCounters::s3DeliveryFailure);
        delivery(registry, counters, "cloudwatch", "success", DeliveryCounters::cloudWatchDeliverySuccess);
        delivery(registry, counters, "cloudwatch", "failure", DeliveryCounters::cloudWatchDeliveryFailure);
        delivery(registry, counters, "large_data_s3", "success", DeliveryCounters::largeDataS3DeliverySuccess);
        delivery(registry, counters, "large_data_s3", "failure", DeliveryCounters::largeDataS3DeliveryFailure);
        FunctionCounter.builder("bedrock.model.invocation.logs.dropped", counters, c -> (double) c.dropped())
                .description("Invocation log records given up on (buffer full, or undeliverable too long)")
                .register(registry);
    }

    private static void delivery(MeterRegistry registry, DeliveryCounters counters, String destination,
                                 String outcome, ToDoubleFunction<DeliveryCounters> value) {
        FunctionCounter.builder("bedrock.model.invocation.logs.delivery", counters, value)
                .description("Invocation log records delivered (success) or in a failed attempt (failure), as "
                        + "ModelInvocationLogs*Delivery* / ModelInvocationLargeDataS3Delivery*")
                .tag("destination", destination).tag("outcome", outcome)
                .register(registry);
    }
}
