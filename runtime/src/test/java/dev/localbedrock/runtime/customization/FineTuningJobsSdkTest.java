package dev.localbedrock.runtime.customization;

import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.ConflictException;
import software.amazon.awssdk.services.bedrock.model.CreateModelCustomizationJobRequest;
import software.amazon.awssdk.services.bedrock.model.GetModelCustomizationJobResponse;
import software.amazon.awssdk.services.bedrock.model.ModelCustomizationJobStatus;
import software.amazon.awssdk.services.bedrock.model.ModelCustomizationJobSummary;
import software.amazon.awssdk.services.bedrock.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrock.model.ServiceQuotaExceededException;
import software.amazon.awssdk.services.bedrock.model.SortOrder;
import software.amazon.awssdk.services.bedrock.model.ValidationException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job API's refusals and the dataset checks through the real BedrockClient: each dataset problem of the guide ends
 * the job Failed with the guide's exact message before any training; bad requests get ValidationException naming the
 * field; Stop during training ends Stopped with the last checkpoint's metrics and no custom model; list filters,
 * order and pages.
 */
class FineTuningJobsSdkTest {
    @TempDir
    Path workDir;

    static final String TITAN = "amazon.titan-text-express-v1";
    static final String[] ANSWERS = {"red", "blue", "green", "gold", "pink", "grey", "teal", "navy", "rust", "lime",
        "plum", "sand", "jade", "ruby", "mint", "rose"};

    static Path catalogue(Path workDir, String extra) throws Exception {
        Path yaml = workDir.resolve("models.yaml");
        Files.writeString(yaml, """
                server:
                  host: 127.0.0.1
                  port: 0
                customization:
                  training_threads: 2
                %s
                models:
                  - id: %s
                    source: generated:smoke-llama
                    engine: pytorch
                    device: cpu
                    max_context_tokens: 128
                """.formatted(extra, TITAN));
        return yaml;
    }

    /** Writes an object into the default local object store (one folder per bucket under the cache folder). */
    static void putObject(Path workDir, String bucket, String key, String content) throws Exception {
        Path file = workDir.resolve(".local-bedrock/s3").resolve(bucket).resolve(key);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    static String prompt(int i) {
        return "Item " + i + " colour?";
    }

    static String dataset(int records) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < records; i++) {
            b.append("{\"input\": \"").append(prompt(i)).append("\", \"output\": \"").append(ANSWERS[i])
                    .append("\"}\n");
        }
        return b.toString();
    }

    static GetModelCustomizationJobResponse await(BedrockClient cp, String jobArn, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            GetModelCustomizationJobResponse job = cp.getModelCustomizationJob(r -> r.jobIdentifier(jobArn));
            ModelCustomizationJobStatus s = job.status();
            if (s == ModelCustomizationJobStatus.COMPLETED || s == ModelCustomizationJobStatus.FAILED
                    || s == ModelCustomizationJobStatus.STOPPED) {
                return job;
            }
            assertTrue(System.nanoTime() < deadline, "the job ended within " + seconds + " s: " + job);
            Thread.sleep(200);
        }
    }


    private static CreateModelCustomizationJobRequest job(String name, String training, String validation,
                                                          Map<String, String> hyper) {
        CreateModelCustomizationJobRequest.Builder b = CreateModelCustomizationJobRequest.builder().jobName(name)
                .customModelName(name + "-model").roleArn("arn:aws:iam::000000000000:role/R")
                .baseModelIdentifier(TITAN).hyperParameters(hyper)
                .trainingDataConfig(t -> t.s3Uri(training)).outputDataConfig(o -> o.s3Uri("s3://out-bucket/runs"));
        if (validation != null) {
            b.validationDataConfig(v -> v.validators(x -> x.s3Uri(validation)));
        }
        return b.build();
    }

    private static String failure(BedrockClient cp, CreateModelCustomizationJobRequest request) throws Exception {
        String arn = cp.createModelCustomizationJob(request).jobArn();
        GetModelCustomizationJobResponse job = await(cp, arn, 60);
        assertEquals(ModelCustomizationJobStatus.FAILED, job.status(), job.toString());
        assertNull(job.outputModelArn());
        return job.failureMessage();
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void everyDatasetProblemFailsTheJobWithTheGuidesMessage() throws Exception {
        putObject(workDir, "data", "good.jsonl", dataset(4));
        putObject(workDir, "data", "notjson.jsonl", "{\"input\": \"a\", \"output\": \"b\"}\nnot json\n");
        putObject(workDir, "data", "keys.jsonl", "{\"prompt\": \"a\", \"completion\": \"b\"}\n");
        putObject(workDir, "data", "numbers.jsonl", "{\"input\": \"a\", \"output\": 7}\n");
        putObject(workDir, "data", "blank.jsonl", "{\"input\": \"a\", \"output\": \"b\"}\n\n"
                + "{\"input\": \"c\", \"output\": \"d\"}\n");
        putObject(workDir, "data", "huge.jsonl", "{\"input\": \"" + "x".repeat(4096 * 6) + "\", \"output\": \"b\"}\n");
        putObject(workDir, "data", "long.jsonl", "{\"input\": \"" + "y".repeat(200) + "\", \"output\": \"b\"}\n");
        // A bucket whose folder is a file: nothing can be written there.
        Files.createDirectories(workDir.resolve(".local-bedrock/s3"));
        Files.writeString(workDir.resolve(".local-bedrock/s3/locked"), "not a folder");
        Map<String, String> h = Map.of("epochCount", "1");
        try (BedrockService service = BedrockService.start(CatalogLoader.load(catalogue(workDir, "")));
             BedrockClient cp = TestServers.controlPlaneClient(service)) {
            assertEquals("Could not validate GetObject permissions to access Amazon S3 bucket: data at key "
                    + "missing.jsonl", failure(cp, job("j1", "s3://data/missing.jsonl", null, h)));
            assertEquals("Could not validate GetObject permissions to access Amazon S3 bucket: data at key "
                    + "nope.jsonl", failure(cp, job("j2", "s3://data/good.jsonl", "s3://data/nope.jsonl", h)));
            String notJsonl = "Unable to parse Amazon S3 file: %s. Data files must conform to JSONL format.";
            assertEquals(notJsonl.formatted("notjson.jsonl"), failure(cp, job("j3", "s3://data/notjson.jsonl",
                    null, h)));
            assertEquals(notJsonl.formatted("keys.jsonl"), failure(cp, job("j4", "s3://data/keys.jsonl", null, h)));
            assertEquals(notJsonl.formatted("numbers.jsonl"), failure(cp, job("j5", "s3://data/numbers.jsonl",
                    null, h)));
            assertEquals(notJsonl.formatted("blank.jsonl"), failure(cp, job("j6", "s3://data/blank.jsonl", null,
                    h)));
            assertEquals("Input size exceeded in file huge.jsonl for record starting with " + "x".repeat(40)
                    + "...", failure(cp, job("j7", "s3://data/huge.jsonl", null, h)));
            // 200 bytes + BOS + 1 + EOS on a byte-level model of 128 tokens' context
            assertEquals("Max sum of input and output token length 203 exceeds total limit of 128",
                    failure(cp, job("j8", "s3://data/long.jsonl", null, h)));
            CreateModelCustomizationJobRequest locked = job("j9", "s3://data/good.jsonl", null, h).toBuilder()
                    .outputDataConfig(o -> o.s3Uri("s3://locked/out/")).build();
            assertEquals("Amazon S3 perms missing (PutObject): Could not validate PutObject permissions to access "
                    + "S3 bucket: locked at key out/.write_access_check_file.tmp", failure(cp, locked));

            List<ModelCustomizationJobSummary> all = cp.listModelCustomizationJobs(r -> { })
                    .modelCustomizationJobSummaries();
            assertEquals(9, all.size());
            assertEquals("j1", all.get(0).jobName(), "oldest first by default");
            assertEquals("j9", cp.listModelCustomizationJobs(r -> r.sortOrder(SortOrder.DESCENDING))
                    .modelCustomizationJobSummaries().get(0).jobName());
            var page = cp.listModelCustomizationJobs(r -> r.maxResults(4));
            assertEquals(4, page.modelCustomizationJobSummaries().size());
            assertEquals("j5", cp.listModelCustomizationJobs(r -> r.maxResults(4).nextToken(page.nextToken()))
                    .modelCustomizationJobSummaries().get(0).jobName());
            assertEquals(9, cp.listModelCustomizationJobs(r -> r.statusEquals("Failed"))
                    .modelCustomizationJobSummaries().size());
            assertEquals(List.of("j7"), cp.listModelCustomizationJobs(r -> r.nameContains("7"))
                    .modelCustomizationJobSummaries().stream().map(ModelCustomizationJobSummary::jobName).toList());
        }
    }

    @Test
    void badRequestsAreRefusedNamingTheField() throws Exception {
        putObject(workDir, "data", "good.jsonl", dataset(4));
        try (BedrockService service = BedrockService.start(CatalogLoader.load(catalogue(workDir, "")));
             BedrockClient cp = TestServers.controlPlaneClient(service)) {
            Map<String, String> h = Map.of();
            String good = "s3://data/good.jsonl";
            refused(cp, job("bad name!", good, null, h), "jobName");
            refused(cp, job("ok", good, null, h).toBuilder().customModelName("no spaces").build(), "customModelName");
            refused(cp, job("ok", good, null, h).toBuilder().roleArn("not-a-role").build(), "roleArn");
            refused(cp, job("ok", "http://data/good.jsonl", null, h), "trainingDataConfig.s3Uri");
            refused(cp, job("ok", good, null, Map.of("epochCount", "0")), "epochCount");
            refused(cp, job("ok", good, null, Map.of("batchSize", "5")), "batchSize");
            refused(cp, job("ok", good, null, Map.of("learningRate", "-1")), "learningRate");
            refused(cp, job("ok", good, null, Map.of("dropout", "0.1")), "dropout");
            refused(cp, job("ok", good, null, h).toBuilder().customizationType("CONTINUED_PRE_TRAINING").build(),
                    "FINE_TUNING");
            assertThrows(ResourceNotFoundException.class, () -> cp.createModelCustomizationJob(job("ok", good, null,
                    h).toBuilder().baseModelIdentifier("meta.llama3-8b-instruct-v1:0").build()));
            assertThrows(ResourceNotFoundException.class, () -> cp.getModelCustomizationJob(r -> r.jobIdentifier(
                    "no-such-job")));
            assertThrows(ResourceNotFoundException.class, () -> cp.getCustomModel(r -> r.modelIdentifier(
                    "arn:aws:bedrock:us-east-1:000000000000:custom-model/" + TITAN + "/abcdefghijkl")));
            assertEquals(0, cp.listModelCustomizationJobs(r -> { }).modelCustomizationJobSummaries().size(),
                    "nothing refused was stored");
        }
    }

    private static void refused(BedrockClient cp, CreateModelCustomizationJobRequest request, String field) {
        ValidationException e = assertThrows(ValidationException.class,
                () -> cp.createModelCustomizationJob(request));
        assertTrue(e.awsErrorDetails().errorMessage().contains(field), e.awsErrorDetails().errorMessage());
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void stopDuringTrainingEndsStoppedWithTheLastCheckpointsMetrics() throws Exception {
        putObject(workDir, "data", "train.jsonl", dataset(16));
        try (BedrockService service = BedrockService.start(CatalogLoader.load(catalogue(workDir,
                "  max_concurrent_jobs: 1\n")));
             BedrockClient cp = TestServers.controlPlaneClient(service)) {
            String arn = cp.createModelCustomizationJob(job("long", "s3://data/train.jsonl", null,
                    Map.of("epochCount", "10", "batchSize", "1", "learningRate", "0.001"))).jobArn();
            GetModelCustomizationJobResponse running = until(cp, arn, j -> j.trainingMetrics() != null);
            assertEquals(ModelCustomizationJobStatus.IN_PROGRESS, running.status());
            assertThrows(ServiceQuotaExceededException.class, () -> cp.createModelCustomizationJob(job("second",
                    "s3://data/train.jsonl", null, Map.of())), "one job at a time here");
            assertThrows(ConflictException.class, () -> cp.createModelCustomizationJob(job("long",
                    "s3://data/train.jsonl", null, Map.of())), "the name is taken");

            cp.stopModelCustomizationJob(r -> r.jobIdentifier(arn));
            GetModelCustomizationJobResponse stopped = await(cp, arn, 120);
            assertEquals(ModelCustomizationJobStatus.STOPPED, stopped.status());
            assertNull(stopped.outputModelArn(), "a stopped job makes no custom model");
            assertNotNull(stopped.trainingMetrics().trainingLoss(), "the last checkpoint's metrics stay");
            assertNotNull(stopped.endTime());
            assertEquals(0, cp.listCustomModels(r -> { }).modelSummaries().size());
            assertThrows(ValidationException.class, () -> cp.stopModelCustomizationJob(r -> r.jobIdentifier(arn)),
                    "a stopped job cannot be stopped again");
            String jobId = arn.substring(arn.lastIndexOf('/') + 1);
            Path steps = workDir.resolve(".local-bedrock/s3/out-bucket/runs/model-customization-job-" + jobId
                    + "/training_artifacts/step_wise_training_metrics.csv");
            assertTrue(Files.readAllLines(steps).size() >= 1 + 16, "the first epoch's steps were written");
            java.awt.image.BufferedImage curve = javax.imageio.ImageIO.read(steps.resolveSibling("loss_curve.png")
                    .toFile());
            assertNotNull(curve, "the loss curve was written beside the metrics, and decodes");
            assertEquals(LossCurveChart.WIDTH, curve.getWidth());
            try (var models = Files.list(workDir.resolve(".local-bedrock/custom-models"))) {
                assertEquals(0, models.count(), "no weights are left behind");
            } catch (java.nio.file.NoSuchFileException none) {
                // never created: nothing left either
            }
        }
    }

    private static GetModelCustomizationJobResponse until(BedrockClient cp, String arn,
                                                          java.util.function.Predicate<GetModelCustomizationJobResponse>
                                                                  condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            GetModelCustomizationJobResponse job = cp.getModelCustomizationJob(r -> r.jobIdentifier(arn));
            if (condition.test(job)) {
                return job;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the job did not get there in time");
    }
}
