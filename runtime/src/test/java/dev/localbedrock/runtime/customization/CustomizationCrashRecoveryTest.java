package dev.localbedrock.runtime.customization;

import dev.localbedrock.runtime.ServeProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.CreateModelCustomizationJobRequest;
import software.amazon.awssdk.services.bedrock.model.GetModelCustomizationJobResponse;
import software.amazon.awssdk.services.bedrock.model.ModelCustomizationJobStatus;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 of the server while a fine-tuning job trains. The serve command runs in its own JVM on a durable state
 * (SQLite under the cache folder), a job is created through the real BedrockClient and left to finish its first
 * epoch (so its metrics files exist and are being rewritten), then the process is SIGKILLed at a random point of
 * the later epochs: no shutdown hook runs, so nothing marks the job itself. A new process on the same models.yaml
 * and state (SQLite: one owner, so the dead process's lease is taken over at once) must train the job again and
 * complete it: its custom model stored, its weights the only folder under the custom models folder, an output
 * location holding only whole files with every step of the full rerun.
 *
 * <p>A kill during training leaves no weights folder (the merged model is written once, at the end), so the test
 * also leaves in the models folder what a kill during that final write would: a hidden temporary folder with half
 * a safetensors file, and a folder no stored custom model owns. The restart must remove both.
 */
class CustomizationCrashRecoveryTest {
    /** Records of the training set: with batch 1 an epoch is this many steps, a fraction of a second to seconds. */
    private static final int RECORDS = 48;
    private static final int EPOCHS = 10;
    /** After the first epoch's end the kill lands within this much: about two epochs on a 2-core machine. */
    private static final int KILL_JITTER_MS = 3000;
    /** What a JVM killed by SIGKILL (signal 9) exits with on Linux: 128 + 9. A SIGTERM would give 143. */
    private static final int SIGKILL_EXIT = 137;

    @TempDir
    Path workDir;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void aJobKilledMidTrainingIsResumedOnRestartWithNothingHalfWritten() throws Exception {
        FineTuningJobsSdkTest.putObject(workDir, "data", "train.jsonl", dataset());
        Path config = FineTuningJobsSdkTest.catalogue(workDir, "  max_concurrent_jobs: 1\n");
        Path cache = workDir.resolve(".local-bedrock");
        Path outputRoot = cache.resolve("s3/out-bucket");
        Path modelsDir = cache.resolve("custom-models");

        String jobArn;
        GetModelCustomizationJobResponse beforeKill;
        long firstEpochMillis;
        ServeProcess first = ServeProcess.start(config);
        Process server = first.process();
        try (BedrockClient cp = client(first.port())) {
            long created = System.nanoTime();
            jobArn = cp.createModelCustomizationJob(job("crash-job")).jobArn();
            beforeKill = untilFirstEpoch(cp, jobArn);
            firstEpochMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - created);
            Thread.sleep(ThreadLocalRandom.current().nextInt(KILL_JITTER_MS));
            assertEquals(ModelCustomizationJobStatus.IN_PROGRESS, cp.getModelCustomizationJob(r -> r
                    .jobIdentifier(jobArn)).status(), "still training when killed");
            server.destroyForcibly();
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server died");
        } finally {
            server.destroyForcibly();
        }
        assertEquals(SIGKILL_EXIT, server.exitValue(), "killed by SIGKILL (no shutdown hook ran); output:\n"
                + first.output());
        int stepsAtKill = stepRows(outputRoot).size();
        assertTrue(stepsAtKill < RECORDS * EPOCHS, "the job had not finished: " + stepsAtKill + " steps written");
        System.out.printf("customization crash: first epoch in %d ms; killed after %d of %d steps were written "
                + "(training loss %s)%n", firstEpochMillis, stepsAtKill, RECORDS * EPOCHS,
                beforeKill.trainingMetrics().trainingLoss());

        // What a kill during the final weights write would leave (see the class comment).
        Path hidden = Files.createDirectories(modelsDir.resolve(".abcdefghijkl.tmp-0000"));
        Files.write(hidden.resolve("model.safetensors"), new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{'});
        Path unowned = Files.createDirectories(modelsDir.resolve("mnopqrstuvwx"));
        Files.writeString(unowned.resolve("config.json"), "{\"model_type\": \"llama\"");

        ServeProcess second = ServeProcess.start(config);
        try (BedrockClient cp = client(second.port())) {
            assertEquals(List.of(), entries(modelsDir).stream().filter(p -> p.getFileName().toString()
                    .equals(hidden.getFileName().toString()) || p.equals(unowned)).toList(),
                    "what no custom model owns is removed at the start");
            GetModelCustomizationJobResponse job = untilEnded(cp, jobArn);
            assertEquals(ModelCustomizationJobStatus.COMPLETED, job.status(), job.toString());
            assertNull(job.failureMessage());
            String modelArn = job.outputModelArn();
            assertTrue(modelArn != null, "the resumed job made its custom model");
            assertEquals("crash-job-model", cp.getCustomModel(r -> r.modelIdentifier(modelArn)).modelName());
            String jobId = jobArn.substring(jobArn.lastIndexOf('/') + 1);
            assertEquals(List.of(modelsDir.resolve(jobId)), entries(modelsDir),
                    "the custom model's weights are the only folder left");
            assertTrue(Files.isRegularFile(modelsDir.resolve(jobId).resolve("config.json")), "whole weights");
            assertWhole(outputRoot);
            assertEquals(RECORDS * EPOCHS, stepRows(outputRoot).size(), "the rerun's every step, in order");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nrestarted server's output:\n" + second.output(), e);
        } finally {
            second.process().destroyForcibly();
            second.process().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static CreateModelCustomizationJobRequest job(String name) {
        return CreateModelCustomizationJobRequest.builder().jobName(name).customModelName("crash-job-model")
                .roleArn("arn:aws:iam::000000000000:role/R").baseModelIdentifier(FineTuningJobsSdkTest.TITAN)
                .hyperParameters(Map.of("epochCount", Integer.toString(EPOCHS), "batchSize", "1",
                        "learningRate", "0.001"))
                .trainingDataConfig(t -> t.s3Uri("s3://data/train.jsonl"))
                .outputDataConfig(o -> o.s3Uri("s3://out-bucket/runs")).build();
    }

    /** Distinct prompts and answers, long enough that each step takes a few milliseconds on the smoke model. */
    private static String dataset() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < RECORDS; i++) {
            b.append("{\"input\": \"Question number ").append(i).append(": which colour is item ").append(i)
                    .append("?\", \"output\": \"Item ").append(i).append(" is ")
                    .append(FineTuningJobsSdkTest.ANSWERS[i % FineTuningJobsSdkTest.ANSWERS.length])
                    .append(" and ").append(FineTuningJobsSdkTest.ANSWERS[(i * 7 + 3)
                            % FineTuningJobsSdkTest.ANSWERS.length]).append(".\"}\n");
        }
        return b.toString();
    }

    /** Waits for the first epoch's checkpoint (its loss in the job), so a metrics file has been written. */
    private static GetModelCustomizationJobResponse untilFirstEpoch(BedrockClient cp, String jobArn)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            GetModelCustomizationJobResponse job = cp.getModelCustomizationJob(r -> r.jobIdentifier(jobArn));
            assertEquals(ModelCustomizationJobStatus.IN_PROGRESS, job.status(), job.toString());
            if (job.trainingMetrics() != null) {
                return job;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the job did not finish an epoch in time");
    }

    /** Waits for the job's final status. */
    private static GetModelCustomizationJobResponse untilEnded(BedrockClient cp, String jobArn)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        while (System.nanoTime() < deadline) {
            GetModelCustomizationJobResponse job = cp.getModelCustomizationJob(r -> r.jobIdentifier(jobArn));
            if (job.status() != ModelCustomizationJobStatus.IN_PROGRESS
                    && job.status() != ModelCustomizationJobStatus.STOPPING) {
                return job;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the resumed job did not end in time");
    }

    /** Every file under the output location is whole: no temporary file of a write cut short, every CSV complete. */
    private static void assertWhole(Path outputRoot) throws Exception {
        List<Path> files;
        try (Stream<Path> all = Files.walk(outputRoot)) {
            files = all.filter(Files::isRegularFile).toList();
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            // The object store writes ".NAME…partial" beside the target and moves it over; the write check's probe
            // is deleted once written: a hidden file is what a cut-short write leaves.
            assertFalse(name.startsWith("."), "a temporary file of an interrupted write is left: " + f);
            if (name.endsWith(".csv")) {
                parseMetrics(f);
            }
        }
        assertFalse(stepRows(outputRoot).isEmpty(), "the metrics file is there");
    }

    /** The step-wise metrics file's rows, each parsed (an empty list when there is none). */
    private static List<double[]> stepRows(Path outputRoot) throws Exception {
        Path steps;
        try (Stream<Path> all = Files.walk(outputRoot)) {
            steps = all.filter(p -> p.getFileName().toString().equals("step_wise_training_metrics.csv"))
                    .findFirst().orElse(null);
        }
        return steps == null ? List.of() : parseMetrics(steps);
    }

    /**
     * Parses a metrics CSV completely: the guide's header, then rows of step, epoch, loss and perplexity with the
     * steps 1, 2, 3, … in order, and a final newline (a file cut short fails one of these).
     */
    private static List<double[]> parseMetrics(Path csv) throws Exception {
        String text = Files.readString(csv);
        assertTrue(text.endsWith("\n"), csv + " ends with a whole line");
        List<String> lines = text.lines().toList();
        assertTrue(lines.get(0).equals(TrainingMetricsFiles.STEP_HEADER)
                || lines.get(0).equals(TrainingMetricsFiles.VALIDATION_HEADER), csv + ": header " + lines.get(0));
        List<double[]> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] cells = lines.get(i).split(",", -1);
            assertEquals(4, cells.length, csv + " line " + (i + 1) + ": " + lines.get(i));
            double[] row = new double[4];
            for (int c = 0; c < 4; c++) {
                row[c] = Double.parseDouble(cells[c]);
            }
            assertEquals(i, (int) row[0], csv + ": steps in order");
            assertEquals(Math.exp(row[2]), row[3], 1e-9 * row[3], csv + ": perplexity is exp(loss)");
            rows.add(row);
        }
        return rows;
    }

    private static List<Path> entries(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(dir)) {
            return children.toList();
        }
    }

    private static BedrockClient client(int port) {
        return BedrockClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIDEXAMPLE", "not-a-secret")))
                .build();
    }
}
