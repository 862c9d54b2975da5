package dev.localbedrock.runtime.metrics;

import dev.localbedrock.runtime.observe.CompletedCall;
import dev.localbedrock.runtime.observe.ImageOutput;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which outcome counts where: the cases the end-to-end run cannot provoke on a healthy server. */
class InvocationMetricsTest {
    private static final String MODEL = "meta.llama2-13b-chat-v1";
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final InvocationMetrics metrics = new InvocationMetrics(registry);

    @Test
    void outcomesAreCountedByTheirErrorTypesStatus() {
        metrics.completed(call("bedrock-runtime", MODEL, 503, "ModelNotReadyException", 12, -1));
        metrics.completed(call("bedrock-runtime", MODEL, 500, "InternalServerException", -1, -1));
        // A stream that failed after its 200: the exception's type decides (ModelStreamErrorException is a 424).
        metrics.completed(call("bedrock-runtime", MODEL, 200, "ModelStreamErrorException", 12, 3));
        // A client that went away: an invocation with its tokens, no error.
        metrics.completed(call("bedrock-runtime", MODEL, 200, "ClientDisconnected", 12, 5));
        metrics.completed(call("bedrock-runtime", MODEL, 200, null, 12, 7));
        // Not counted: a control-plane call, and an invocation that never reached a model.
        metrics.completed(call("bedrock", null, 200, null, -1, -1));
        metrics.completed(call("bedrock-runtime", null, 404, "ResourceNotFoundException", -1, -1));

        Map<String, Double> s = PrometheusText.parse(registry.scrape());
        String m = "{model_id=\"" + MODEL + "\"}";
        assertEquals(5.0, s.get("bedrock_invocations_total" + m));
        assertEquals(2.0, s.get("bedrock_invocation_server_errors_total" + m));
        assertEquals(1.0, s.get("bedrock_invocation_client_errors_total" + m));
        assertEquals(0.0, s.get("bedrock_invocation_throttles_total" + m));
        assertEquals(48.0, s.get("bedrock_input_tokens_total" + m));
        assertEquals(15.0, s.get("bedrock_output_tokens_total" + m));
        assertEquals(1.0, s.get("bedrock_invocation_latency_seconds_count" + m));
        assertEquals(0.25, s.get("bedrock_invocation_latency_seconds_sum" + m), 1e-9);
        // 250 ms falls in the (10^-0.64, 10^-0.6] = (0.229, 0.251] s bucket (25 bounds a decade from 1 ms).
        assertEquals(0.0, s.get("bedrock_invocation_latency_seconds_bucket{le=\"0.229086765\",model_id=\"" + MODEL + "\"}"));
        assertEquals(1.0, s.get("bedrock_invocation_latency_seconds_bucket{le=\"0.251188643\",model_id=\"" + MODEL + "\"}"));
        assertEquals(1, s.keySet().stream().filter(k -> k.contains("model_id=")).map(k -> k.replaceAll(".*model_id=\"([^\"]*)\".*", "$1")).distinct().count());
    }

    @Test
    void imagesAreCountedPerModelAndByCloudWatchsSizeAndStepDimensions() {
        String sdxl = "stability.stable-diffusion-xl-v1";
        metrics.completed(image(sdxl, new ImageOutput(2, "1024x1024", 30)));
        metrics.completed(image(sdxl, new ImageOutput(1, "1024x1024", 50)));
        metrics.completed(image(sdxl, new ImageOutput(1, "1152x896", 51)));
        metrics.completed(image(sdxl, new ImageOutput(0, "1152x896", 150))); // an ERROR artifact: no image

        Map<String, Double> s = PrometheusText.parse(registry.scrape());
        assertEquals(4.0, s.get("bedrock_output_images_total{model_id=\"" + sdxl + "\"}"));
        String bySize = "bedrock_output_images_by_size_total{bucketed_step_size=\"%s\",image_size=\"%s\",model_id=\""
                + sdxl + "\"}";
        assertEquals(3.0, s.get(bySize.formatted("1-50", "1024x1024")));
        assertEquals(1.0, s.get(bySize.formatted("51-100", "1152x896")));
        assertEquals(null, s.get(bySize.formatted("101-150", "1152x896")));
        assertEquals(4.0, s.get("bedrock_invocations_total{model_id=\"" + sdxl + "\"}"));
    }

    @Test
    void stepBucketsAreFifties() {
        assertEquals("1-50", new ImageOutput(1, "1024x1024", 1).bucketedStepSize());
        assertEquals("1-50", new ImageOutput(1, "1024x1024", 50).bucketedStepSize());
        assertEquals("51-100", new ImageOutput(1, "1024x1024", 51).bucketedStepSize());
        assertEquals("101-150", new ImageOutput(1, "1024x1024", 150).bucketedStepSize());
    }

    private static CompletedCall image(String modelId, ImageOutput output) {
        return new CompletedCall("id", Instant.EPOCH, "bedrock-runtime", "InvokeModel", "POST", "/model/x/invoke",
                null, null, modelId, "127.0.0.1", null, 200, null, null, 250_000_000L, -1, -1, false, null, null, null,
                null, null, null, output);
    }

    private static CompletedCall call(String service, String modelId, int status, String errorCode, int in, int out) {
        return new CompletedCall("id", Instant.EPOCH, service, "InvokeModel", "POST", "/model/x/invoke", null, null,
                modelId, "127.0.0.1", null, status, errorCode, errorCode == null ? null : "message", 250_000_000L, in, out,
                false, null, null, null);
    }
}
