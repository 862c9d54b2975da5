package dev.localbedrock.benchmarks.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The provisioned-throughput latency guarantee, measured against a running server: one stream at a time on a
 * provisioned model, its inter-token latency (and time to first token) taken
 * <ol>
 *   <li>idle, the model serving nothing else;</li>
 *   <li>while {@code floodClients} closed-loop on-demand streams with long prompts (more than the model's
 *       {@code max_running_sequences}) saturate the same base model, sent to the provisioned model (the reservation);
 *   </li>
 *   <li>under the same flood, the same requests sent on-demand to the base model (no reservation).</li>
 * </ol>
 * The provisioned model is created through the control plane ({@code CreateProvisionedModelThroughput}, 1 model unit
 * by default) and deleted at the end. Its token budget must cover the measured requests: give the model a
 * {@code model_unit} large enough in models.yaml, or the stream is throttled rather than measured.
 */
public final class ReservedLatencyScenario {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One phase's figures. */
    public record Phase(String name, RunResult result, int floodRequests, int floodErrors) {
    }

    private final URI endpoint;
    private final String baseModelId;
    private final int modelUnits;
    private final Workload measured;
    private final Workload flood;
    private final int floodClients;
    private final Duration floodRampUp;
    private final Duration timeout;

    public ReservedLatencyScenario(URI endpoint, String baseModelId, int modelUnits, Workload measured,
                                   Workload flood, int floodClients, Duration floodRampUp, Duration timeout) {
        this.endpoint = endpoint;
        this.baseModelId = baseModelId;
        this.modelUnits = modelUnits;
        this.measured = measured;
        this.flood = flood;
        this.floodClients = floodClients;
        this.floodRampUp = floodRampUp;
        this.timeout = timeout;
    }

    /** Runs the three phases, in order, around one provisioned model it creates and deletes. */
    public List<Phase> run() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String name = "latency-bench-" + System.currentTimeMillis();
        String arn = createProvisioned(http, name);
        List<Phase> phases = new ArrayList<>();
        try (BedrockHttpTarget provisioned = new BedrockHttpTarget(endpoint, name, timeout);
             BedrockHttpTarget onDemand = new BedrockHttpTarget(endpoint, baseModelId, timeout)) {
            phases.add(new Phase("idle, provisioned", LoadRunner.run(provisioned, 1, measured), 0, 0));
            phases.add(underFlood("on-demand flood, provisioned (reserved)", provisioned));
            phases.add(underFlood("on-demand flood, same requests on demand", onDemand));
        } finally {
            delete(http, arn);
        }
        return phases;
    }

    /** Measures {@code measuredTarget} one stream at a time while the flood saturates the base model. */
    private Phase underFlood(String phase, LoadTarget measuredTarget) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        List<Thread> clients = new ArrayList<>();
        try (BedrockHttpTarget floodTarget = new BedrockHttpTarget(endpoint, baseModelId, timeout)) {
            for (int c = 0; c < floodClients; c++) {
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        RequestSample s = new RequestSample(System.nanoTime());
                        floodTarget.run(flood, s);
                        (s.ok() ? done : errors).incrementAndGet();
                    }
                }, "flood-" + c);
                t.setDaemon(true);
                t.start();
                clients.add(t);
            }
            Thread.sleep(floodRampUp.toMillis()); // every slot on demand can get busy and the queue fill
            RunResult r = LoadRunner.run(measuredTarget, 1, measured);
            stop.set(true);
            for (Thread t : clients) {
                t.join(timeout.toMillis());
            }
            return new Phase(phase, r, done.get(), errors.get());
        }
    }

    private String createProvisioned(HttpClient http, String name) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("provisionedModelName", name);
        body.put("modelId", baseModelId);
        body.put("modelUnits", modelUnits);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/provisioned-model-throughput"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("CreateProvisionedModelThroughput answered " + r.statusCode() + ": "
                    + r.body());
        }
        return JSON.readTree(r.body()).path("provisionedModelArn").asText();
    }

    private void delete(HttpClient http, String arn) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/provisioned-model-throughput/"
                + URLEncoder.encode(arn, StandardCharsets.UTF_8))).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            System.err.println("warning: DeleteProvisionedModelThroughput answered " + r.statusCode() + ": "
                    + r.body());
        }
    }

    private URI uri(String path) {
        return URI.create(endpoint.toString().replaceAll("/+$", "") + path);
    }

    /** The table printed and recorded: p50/p99 inter-token latency and TTFT per phase, each p99 ÷ idle. */
    public static String table(List<Phase> phases) {
        double idleP99 = phases.get(0).result().itlMillis().p99();
        StringBuilder t = new StringBuilder(String.format(
                "| phase | streams ok/err | ITL p50 ms | ITL p99 ms | ITL p99 ÷ idle | TTFT p50 ms | TTFT p99 ms "
                        + "| flood requests ok/err |%n|---|---|---|---|---|---|---|---|%n"));
        for (Phase p : phases) {
            RunResult r = p.result();
            t.append(String.format(java.util.Locale.ROOT, "| %s | %d/%d | %.2f | %.2f | %.2f× | %.1f | %.1f | %d/%d |%n",
                    p.name(), r.ok(), r.errorCount(), r.itlMillis().p50(), r.itlMillis().p99(),
                    r.itlMillis().p99() / idleP99, r.ttftMillis().p50(), r.ttftMillis().p99(), p.floodRequests(),
                    p.floodErrors()));
        }
        return t.toString();
    }

    /** The figures as JSON-ready maps. */
    public static List<Map<String, Object>> json(List<Phase> phases) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Phase p : phases) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("phase", p.name());
            m.put("ok", p.result().ok());
            m.put("errors", p.result().errors());
            m.put("inter_token_ms", p.result().itlMillis());
            m.put("ttft_ms", p.result().ttftMillis());
            m.put("flood_requests", p.floodRequests());
            m.put("flood_errors", p.floodErrors());
            out.add(m);
        }
        return out;
    }
}
