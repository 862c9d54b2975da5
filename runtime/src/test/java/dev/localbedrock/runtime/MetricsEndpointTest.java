package dev.localbedrock.runtime;

import dev.localbedrock.runtime.metrics.PrometheusText;
import dev.localbedrock.runtime.observe.CompletedCall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /metrics} after a known mixed run: each CloudWatch-named counter moves by exactly the invocations, errors
 * and throttles made, and the scheduler's metrics report the same generations.
 */
class MetricsEndpointTest {
    private static final String BODY = "{\"prompt\":\"Hello world\",\"temperature\":0,\"max_gen_len\":5}";
    private static final String INVALID = "{\"prompt\":5}";
    private static final int OK_UNARY = 2;
    private static final int OK_STREAMS = 1;
    private static final int VALIDATION_ERRORS = 3;
    private static final int THROTTLES = 2;

    @TempDir
    Path workDir;
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void eachCounterMovesByExactlyTheCallsMade() throws Exception {
        // The quota admits exactly the successful generations; validation errors are refused before it counts them.
        try (BedrockService service = TestServers.startTinyLlama(workDir,
                "requests_per_minute: " + (OK_UNARY + OK_STREAMS) + "\n")) {
            LinkedBlockingQueue<CompletedCall> calls = new LinkedBlockingQueue<>();
            service.callListeners().add(calls::add);
            String model = "{model_id=\"" + TestServers.LLAMA_ID + "\"}";

            HttpResponse<String> before = get(service, "/metrics");
            assertEquals(200, before.statusCode());
            assertEquals("text/plain; version=0.0.4; charset=utf-8",
                    before.headers().firstValue("Content-Type").orElseThrow());
            Map<String, Double> zero = PrometheusText.parse(before.body());
            for (String counter : new String[]{"bedrock_invocations_total", "bedrock_invocation_client_errors_total",
                    "bedrock_invocation_server_errors_total", "bedrock_invocation_throttles_total",
                    "bedrock_input_tokens_total", "bedrock_output_tokens_total", "bedrock_output_images_total",
                    "bedrock_invocation_latency_seconds_count"}) {
                assertEquals(0.0, zero.get(counter + model), counter + " is registered at zero for a served model");
            }

            long input = 0;
            long output = 0;
            for (int i = 0; i < OK_UNARY; i++) {
                HttpResponse<String> ok = post(service, "invoke", BODY);
                assertEquals(200, ok.statusCode(), ok.body());
                input += Long.parseLong(ok.headers().firstValue("X-Amzn-Bedrock-Input-Token-Count").orElseThrow());
                output += Long.parseLong(ok.headers().firstValue("X-Amzn-Bedrock-Output-Token-Count").orElseThrow());
            }
            for (int i = 0; i < VALIDATION_ERRORS; i++) {
                assertEquals(400, post(service, "invoke", INVALID).statusCode());
            }
            assertEquals(200, post(service, "invoke-with-response-stream", BODY).statusCode());
            for (int i = 0; i < THROTTLES; i++) {
                assertEquals(429, post(service, "invoke", BODY).statusCode());
            }
            // The stream's totals, as its record has them (CallRecordsEndToEndTest checks them against the wire).
            int made = 1 + OK_UNARY + VALIDATION_ERRORS + OK_STREAMS + THROTTLES;
            for (int i = 0; i < made; i++) {
                CompletedCall call = calls.poll(30, TimeUnit.SECONDS);
                assertNotNull(call);
                // No listener here wants bodies: none are kept.
                assertNull(call.requestBody());
                assertNull(call.responseBody());
                assertTrue(call.responseChunks().isEmpty());
                if (call.streamed()) {
                    input += call.inputTokens();
                    output += call.outputTokens();
                }
            }

            Map<String, Double> after = PrometheusText.parse(get(service, "/metrics").body());
            int invocations = OK_UNARY + OK_STREAMS + VALIDATION_ERRORS + THROTTLES;
            assertEquals(invocations, after.get("bedrock_invocations_total" + model));
            assertEquals(VALIDATION_ERRORS, after.get("bedrock_invocation_client_errors_total" + model));
            assertEquals(THROTTLES, after.get("bedrock_invocation_throttles_total" + model));
            assertEquals(0.0, after.get("bedrock_invocation_server_errors_total" + model));
            assertEquals(input, after.get("bedrock_input_tokens_total" + model));
            assertEquals(output, after.get("bedrock_output_tokens_total" + model));
            assertEquals(0.0, after.get("bedrock_output_images_total" + model));
            assertEquals(OK_UNARY + OK_STREAMS, after.get("bedrock_invocation_latency_seconds_count" + model));
            assertEquals(OK_UNARY + OK_STREAMS, after.get(
                    "bedrock_invocation_latency_seconds_bucket{le=\"+Inf\",model_id=\"" + TestServers.LLAMA_ID + "\"}"));
            assertTrue(after.get("bedrock_invocation_latency_seconds_sum" + model) > 0);

            // The scheduler saw the same generations: one first token each, every output token generated.
            assertEquals(OK_UNARY + OK_STREAMS, after.get("bedrock_scheduler_time_to_first_token_seconds_count" + model));
            assertEquals(output, after.get("bedrock_scheduler_generated_tokens_total" + model));
            assertTrue(after.get("bedrock_scheduler_batch_size_count" + model) > 0);
            // Each prompt once, then every generated token but the last fed back.
            assertEquals(input + output - (OK_UNARY + OK_STREAMS),
                    after.get("bedrock_scheduler_processed_tokens_total" + model));
            assertEquals(0.0, after.get("bedrock_scheduler_queue_length" + model));
            assertNotNull(after.get("bedrock_scheduler_kv_cache_tokens{model_id=\"" + TestServers.LLAMA_ID
                    + "\",state=\"free\"}"));
            assertEquals(0.0, after.get("bedrock_scheduler_kv_cache_tokens{model_id=\"" + TestServers.LLAMA_ID
                    + "\",state=\"used\"}"), "every generation finished and gave its KV back");
        }
    }

    private HttpResponse<String> post(BedrockService service, String action, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(service, "/model/" + TestServers.LLAMA_ID + "/" + action))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(BedrockService service, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(service, path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(BedrockService service, String path) {
        return URI.create("http://127.0.0.1:" + service.address().getPort() + path);
    }
}
