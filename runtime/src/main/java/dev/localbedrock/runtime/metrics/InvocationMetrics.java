package dev.localbedrock.runtime.metrics;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.runtime.observe.CallListener;
import dev.localbedrock.runtime.observe.CompletedCall;
import dev.localbedrock.runtime.observe.ImageOutput;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Bedrock's CloudWatch runtime metrics (namespace {@code AWS/Bedrock}, dimension {@code ModelId}), kept per served
 * model from the calls the HTTP layer completes. CloudWatch's names become Prometheus' conventions: the dimension is
 * the label {@code model_id} (the catalogue id of the served model), counters end in {@code _total}, the latency is a
 * histogram in seconds. Which call counts where:
 * <ul>
 *     <li>{@code bedrock_invocations_total}: every invocation that reached a model, whatever its outcome (CloudWatch's
 *     "number of requests"); a call refused before its model was known (an unknown model id) has no {@code ModelId}
 *     and is not counted here.</li>
 *     <li>{@code bedrock_invocation_throttles_total}: ThrottlingException (429) — and only there.</li>
 *     <li>{@code bedrock_invocation_client_errors_total}: every other 4xx error type, a stream's mid-stream exception
 *     counted by its type's status.</li>
 *     <li>{@code bedrock_invocation_server_errors_total}: 5xx error types.</li>
 *     <li>a client that went away is neither error (no error reached anyone) but its tokens are counted.</li>
 *     <li>{@code bedrock_invocation_latency_seconds}: successful invocations only, so throttles answered in
 *     microseconds do not drag the quantiles down.</li>
 * </ul>
 */
public final class InvocationMetrics implements CallListener {
    private static final Map<String, Integer> STATUS_OF_TYPE = statusOfType();

    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, ModelMeters> models = new ConcurrentHashMap<>();

    public InvocationMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Registers a model's meters at zero (dashboards show a served model before its first call). */
    public void register(String modelId) {
        meters(modelId);
    }

    @Override
    public void completed(CompletedCall call) {
        if (!call.isInvocation() || call.modelId() == null) {
            return;
        }
        ModelMeters m = meters(call.modelId());
        m.invocations.increment();
        if (call.inputTokens() > 0) {
            m.inputTokens.increment(call.inputTokens());
        }
        if (call.outputTokens() > 0) {
            m.outputTokens.increment(call.outputTokens());
        }
        if (call.outputImages() > 0) {
            m.outputImages.increment(call.outputImages());
            ImageOutput images = call.imageOutput();
            Counter.builder("bedrock.output.images.by.size").tag(MetricNames.MODEL_ID, call.modelId())
                    .tag("image_size", images.imageSize()).tag("bucketed_step_size", images.bucketedStepSize())
                    .description("OutputImageCount by CloudWatch's ModelId + ImageSize + BucketedStepSize dimensions")
                    .register(registry).increment(images.images());
        }
        if (!call.failed()) {
            m.latency.record(call.latencyNanos(), TimeUnit.NANOSECONDS);
            return;
        }
        int status = errorStatus(call);
        if (status == 429) {
            m.throttles.increment();
        } else if (status >= 500) {
            m.serverErrors.increment();
        } else if (status >= 400) {
            m.clientErrors.increment();
        }
    }

    /** The status of the call's error: the response's, or for a stream that failed after its 200, its type's. */
    private static int errorStatus(CompletedCall call) {
        if (call.httpStatus() >= 400) {
            return call.httpStatus();
        }
        return STATUS_OF_TYPE.getOrDefault(call.errorCode(), 0); // 0: the client went away
    }

    private ModelMeters meters(String modelId) {
        ModelMeters m = models.get(modelId);
        return m != null ? m : models.computeIfAbsent(modelId, id -> new ModelMeters(registry, id));
    }

    private static Map<String, Integer> statusOfType() {
        Map<String, Integer> map = new HashMap<>();
        for (BedrockErrorType t : BedrockErrorType.values()) {
            map.put(t.shapeName(), t.httpStatus());
        }
        return Map.copyOf(map);
    }

    /** One model's meters, looked up once per call. */
    private static final class ModelMeters {
        final Counter invocations;
        final Timer latency;
        final Counter clientErrors;
        final Counter serverErrors;
        final Counter throttles;
        final Counter inputTokens;
        final Counter outputTokens;
        final Counter outputImages;

        ModelMeters(MeterRegistry registry, String modelId) {
            invocations = counter(registry, "bedrock.invocations", modelId, "Invocations: requests to InvokeModel, "
                    + "InvokeModelWithResponseStream, Converse and ConverseStream");
            latency = Timer.builder("bedrock.invocation.latency").tag(MetricNames.MODEL_ID, modelId)
                    .description("InvocationLatency: arrival to the last byte of successful invocations")
                    .serviceLevelObjectives(LatencyBuckets.invocation())
                    .register(registry);
            clientErrors = counter(registry, "bedrock.invocation.client.errors", modelId,
                    "InvocationClientErrors: invocations that ended in a client-side (4xx, not throttling) error");
            serverErrors = counter(registry, "bedrock.invocation.server.errors", modelId,
                    "InvocationServerErrors: invocations that ended in a server-side (5xx) error");
            throttles = counter(registry, "bedrock.invocation.throttles", modelId,
                    "InvocationThrottles: invocations refused with ThrottlingException");
            inputTokens = counter(registry, "bedrock.input.tokens", modelId, "InputTokenCount: prompt tokens");
            outputTokens = counter(registry, "bedrock.output.tokens", modelId, "OutputTokenCount: generated tokens");
            outputImages = counter(registry, "bedrock.output.images", modelId,
                    "OutputImageCount: images returned by image models");
        }

        private static Counter counter(MeterRegistry registry, String name, String modelId, String description) {
            return Counter.builder(name).tag(MetricNames.MODEL_ID, modelId).description(description)
                    .register(registry);
        }
    }
}
