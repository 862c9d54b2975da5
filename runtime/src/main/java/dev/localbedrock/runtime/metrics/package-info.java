/**
 * The server's metrics through Micrometer, exposed in Prometheus text format on {@code GET /metrics}: Bedrock's
 * CloudWatch runtime metrics per {@code ModelId} ({@link dev.localbedrock.runtime.metrics.InvocationMetrics}, fed by
 * the HTTP layer's completed calls) and each model scheduler's own
 * ({@link dev.localbedrock.runtime.metrics.MicrometerSchedulerMetrics}). docs/observability.md lists every name.
 */
package dev.localbedrock.runtime.metrics;
