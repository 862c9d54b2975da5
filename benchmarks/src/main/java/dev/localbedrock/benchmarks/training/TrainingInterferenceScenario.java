package dev.localbedrock.benchmarks.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.benchmarks.load.BedrockHttpTarget;
import dev.localbedrock.benchmarks.load.LoadRunner;
import dev.localbedrock.benchmarks.load.RunResult;
import dev.localbedrock.benchmarks.load.Workload;
import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.GetModelCustomizationJobResponse;
import software.amazon.awssdk.services.bedrock.model.ModelCustomizationJobStatus;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a fine-tuning job costs the serving path: the server is started in this process on a models.yaml written for
 * one checkpoint, and the same closed-loop streaming load runs for a fixed time twice — first with nothing else
 * running, then while a fine-tuning job created through the real {@link BedrockClient} trains that same model on its
 * own training thread ({@code training_threads} libtorch threads). The job's own training tokens/s under that load
 * is read from GetModelCustomizationJob's {@code progress} member; the job is stopped at the end.
 *
 * <p>libtorch's intra-op thread count is process-wide and a training job sets it, so the model is served with
 * {@code intra_op_threads} equal to it in both phases: the difference measured is the job's competition for the
 * cores, not a changed pool size.
 */
public final class TrainingInterferenceScenario {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the scenario needs. */
    public record Settings(Path modelDir, String modelId, String family, int contextTokens, Path workDir,
                           Workload load, int concurrency, int trainingThreads, int servingThreads, String method,
                           int records, int batchSize, String recordPrompt, String recordAnswer,
                           Duration warmup) {
    }

    /** One phase: the load's figures and, with a job, its progress over the phase. */
    public record Phase(String name, RunResult load, JsonNode progressAtStart, JsonNode progressAtEnd) {
        /** Optimizer steps the job made during the phase (0 without a job). */
        public int trainingSteps() {
            return progressAtEnd == null ? 0 : progressAtEnd.path("step").asInt() - progressAtStart.path("step")
                    .asInt();
        }

        /** The job's tokens/s since its training began, as its progress reports it (NaN without a job). */
        public double trainingTokensPerSecond() {
            return progressAtEnd == null ? Double.NaN : progressAtEnd.path("tokensPerSecond").asDouble();
        }
    }

    private final Settings s;

    public TrainingInterferenceScenario(Settings settings) {
        this.s = settings;
    }

    /** Starts the server, runs both phases, stops the job and the server. */
    public List<Phase> run() throws Exception {
        Path config = writeCatalogue();
        writeDataset();
        List<Phase> phases = new ArrayList<>();
        try (BedrockService service = BedrockService.start(CatalogLoader.load(config))) {
            URI endpoint = URI.create("http://127.0.0.1:" + service.address().getPort());
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            try (BedrockHttpTarget target = new BedrockHttpTarget(endpoint, s.modelId(), s.load().maxDuration()
                    .plusMinutes(5));
                 BedrockClient cp = BedrockClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                         .credentialsProvider(StaticCredentialsProvider.create(
                                 AwsBasicCredentials.create("AKIDEXAMPLE", "not-a-secret"))).build()) {
                // Unmeasured: the JIT, libtorch's first calls and the scheduler warm up here, not in the first phase.
                System.err.printf(Locale.ROOT, "warm-up: %d clients for %d s%n", s.concurrency(),
                        s.warmup().toSeconds());
                LoadRunner.run(target, s.concurrency(), new Workload(s.load().prompt(), s.load().promptTokens(),
                        s.load().outputTokens(), true, Integer.MAX_VALUE, 1, s.warmup()));
                System.err.printf(Locale.ROOT, "serving alone: %d clients for %d s%n", s.concurrency(),
                        s.load().maxDuration().toSeconds());
                phases.add(new Phase("serving alone", LoadRunner.run(target, s.concurrency(), s.load()), null,
                        null));

                String jobArn = cp.createModelCustomizationJob(r -> r.jobName("interference-" + System
                                .currentTimeMillis()).customModelName("interference-" + System.currentTimeMillis())
                        .roleArn("arn:aws:iam::000000000000:role/Bench").baseModelIdentifier(s.modelId())
                        .hyperParameters(Map.of("epochCount", "10", "batchSize", Integer.toString(s.batchSize()),
                                "learningRate", "0.00001"))
                        .trainingDataConfig(t -> t.s3Uri("s3://bench-data/train.jsonl"))
                        .outputDataConfig(o -> o.s3Uri("s3://bench-output/interference"))).jobArn();
                try {
                    JsonNode start = untilTraining(http, endpoint, cp, jobArn);
                    System.err.printf(Locale.ROOT, "with a %s fine-tuning job (%d training threads): %d clients for"
                                    + " %d s%n", s.method(), s.trainingThreads(), s.concurrency(),
                            s.load().maxDuration().toSeconds());
                    RunResult loaded = LoadRunner.run(target, s.concurrency(), s.load());
                    JsonNode end = progress(http, endpoint, jobArn);
                    if (end == null) {
                        System.err.println("warning: the job ended before the phase did; give it more --records");
                        end = start;
                    }
                    phases.add(new Phase("serving while a job trains", loaded, start, end));
                } finally {
                    stop(cp, jobArn);
                }
            }
        }
        return phases;
    }

    private Path writeCatalogue() throws IOException {
        Files.createDirectories(s.workDir());
        Path yaml = s.workDir().resolve("models.yaml");
        Files.writeString(yaml, """
                server:
                  host: 127.0.0.1
                  port: 0
                customization:
                  max_concurrent_jobs: 1
                  training_threads: %d
                  method: %s
                models:
                  - id: %s
                    family: %s
                    source: %s
                    engine: pytorch
                    device: cpu
                    max_context_tokens: %d
                    intra_op_threads: %d
                """.formatted(s.trainingThreads(), s.method(), s.modelId(), s.family(),
                s.modelDir().toAbsolutePath(), s.contextTokens(), s.servingThreads()));
        return yaml;
    }

    /** The training set in the default local object store (a folder per bucket under the cache folder). */
    private void writeDataset() throws IOException {
        Path file = s.workDir().resolve(".local-bedrock/s3/bench-data/train.jsonl");
        Files.createDirectories(file.getParent());
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.records(); i++) {
            b.append(JSON.writeValueAsString(Map.of("input", "Record " + i + ". " + s.recordPrompt(),
                    "output", "Answer " + i + ": " + s.recordAnswer()))).append('\n');
        }
        Files.writeString(file, b.toString());
    }

    /** Waits until the job has made its first optimizer step; returns its progress then. */
    private static JsonNode untilTraining(HttpClient http, URI endpoint, BedrockClient cp, String jobArn)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            JsonNode p = progress(http, endpoint, jobArn);
            if (p != null && p.path("step").asInt() >= 1) {
                return p;
            }
            GetModelCustomizationJobResponse job = cp.getModelCustomizationJob(r -> r.jobIdentifier(jobArn));
            if (job.status() != ModelCustomizationJobStatus.IN_PROGRESS) {
                throw new IllegalStateException("the fine-tuning job did not train: " + job.status() + " "
                        + job.failureMessage());
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the fine-tuning job made no step within 5 minutes");
    }

    /** GetModelCustomizationJob's {@code progress} member (SDKs drop it), or null when the job is not training. */
    private static JsonNode progress(HttpClient http, URI endpoint, String jobArn) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint + "/model-customization-jobs/"
                + URLEncoder.encode(jobArn, StandardCharsets.UTF_8))).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GetModelCustomizationJob answered " + r.statusCode() + ": " + r.body());
        }
        JsonNode p = JSON.readTree(r.body()).get("progress");
        return p == null || p.isNull() ? null : p;
    }

    private static void stop(BedrockClient cp, String jobArn) throws InterruptedException {
        if (cp.getModelCustomizationJob(r -> r.jobIdentifier(jobArn)).status() != ModelCustomizationJobStatus
                .IN_PROGRESS) {
            return;
        }
        cp.stopModelCustomizationJob(r -> r.jobIdentifier(jobArn));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline && cp.getModelCustomizationJob(r -> r.jobIdentifier(jobArn)).status()
                == ModelCustomizationJobStatus.STOPPING) {
            Thread.sleep(100);
        }
    }

    /** The table printed and recorded. */
    public static String table(List<Phase> phases) {
        double aloneP99 = phases.get(0).load().itlMillis().p99();
        StringBuilder t = new StringBuilder(String.format("| phase | requests ok/err | output tokens/s | ITL p50 ms "
                + "| ITL p99 ms | ITL p99 ÷ alone | TTFT p50 ms | TTFT p99 ms | request p50 ms | request p99 ms "
                + "| training steps | training tokens/s |%n|---|---|---|---|---|---|---|---|---|---|---|---|%n"));
        for (Phase p : phases) {
            RunResult r = p.load();
            t.append(String.format(Locale.ROOT, "| %s | %d/%d | %.1f | %.2f | %.2f | %.2f× | %.1f | %.1f | %.0f | %.0f "
                            + "| %s | %s |%n", p.name(), r.ok(), r.errorCount(), r.outputTokensPerSecond(),
                    r.itlMillis().p50(), r.itlMillis().p99(), r.itlMillis().p99() / aloneP99, r.ttftMillis().p50(),
                    r.ttftMillis().p99(), r.latencyMillis().p50(), r.latencyMillis().p99(),
                    p.progressAtEnd() == null ? "–" : Integer.toString(p.trainingSteps()),
                    p.progressAtEnd() == null ? "–" : String.format(Locale.ROOT, "%.0f",
                            p.trainingTokensPerSecond())));
        }
        return t.toString();
    }

    /** The figures as JSON-ready maps. */
    public static List<Map<String, Object>> json(List<Phase> phases) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Phase p : phases) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("phase", p.name());
            m.put("load", p.load().toJson());
            if (p.progressAtEnd() != null) {
                m.put("job_progress_at_start", p.progressAtStart());
                m.put("job_progress_at_end", p.progressAtEnd());
                m.put("training_steps_in_phase", p.trainingSteps());
                m.put("training_tokens_per_second", p.trainingTokensPerSecond());
            }
            out.add(m);
        }
        return out;
    }
}
