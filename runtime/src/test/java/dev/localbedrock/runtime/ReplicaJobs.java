package dev.localbedrock.runtime;

import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.CreateModelCustomizationJobRequest;
import software.amazon.awssdk.services.bedrock.model.GetModelCustomizationJobResponse;
import software.amazon.awssdk.services.bedrock.model.ModelCustomizationJobStatus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fine-tuning jobs for replica tests: the base model entry and shared folders a replica's models.yaml needs, a small
 * training set, a job request, each replica's lease owner id and the job row's lease owner.
 */
final class ReplicaJobs {
    static final String BASE = "amazon.titan-text-express-v1";
    private static final Pattern OWNER = Pattern.compile("customization jobs are leased as (\\S+)");
    /** Records of the training set; with batch 1 an epoch is this many steps (a second or so on 2 cores). */
    private static final int RECORDS = 32;
    private static final String[] ANSWERS = {"red", "blue", "green", "gold", "pink", "grey", "teal", "navy"};
    /** Leases of 2 s renewed every 500 ms, so a dead replica's jobs are taken over within seconds. */
    static final Map<String, String> SHORT_LEASES = Map.of("LOCAL_BEDROCK_JOB_LEASE_MS", "2000",
            "LOCAL_BEDROCK_JOB_LEASE_RENEW_MS", "500");

    private ReplicaJobs() {
    }

    /** The model entry (for {@code moreModels}) a job fine-tunes: the generated smoke Llama. */
    static String baseModelEntry() {
        return """
                - id: %s
                  source: generated:smoke-llama
                  engine: pytorch
                  device: cpu
                  max_context_tokens: 128""".formatted(BASE);
    }

    /** The top-level models.yaml keys that put every replica's objects and custom models in {@code shared}. */
    static String sharedFolders(Path shared) {
        return """
                storage:
                  local_dir: "%s"
                customization:
                  training_threads: 1
                  models_dir: "%s"
                """.formatted(shared.resolve("s3"), shared.resolve("custom-models"));
    }

    /** Writes the training set into the shared object store, as {@code s3://data/train.jsonl}. */
    static void writeDataset(Path shared) throws Exception {
        Path data = shared.resolve("s3/data/train.jsonl");
        Files.createDirectories(data.getParent());
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < RECORDS; i++) {
            b.append("{\"input\": \"Question number ").append(i).append(": which colour is item ").append(i)
                    .append("?\", \"output\": \"Item ").append(i).append(" is ").append(ANSWERS[i % ANSWERS.length])
                    .append(".\"}\n");
        }
        Files.writeString(data, b.toString());
    }

    static CreateModelCustomizationJobRequest job(String name, int epochs) {
        return CreateModelCustomizationJobRequest.builder().jobName(name).customModelName(name + "-model")
                .roleArn("arn:aws:iam::000000000000:role/R").baseModelIdentifier(BASE)
                .clientRequestToken(name + "-token")
                .hyperParameters(Map.of("epochCount", Integer.toString(epochs), "batchSize", "1",
                        "learningRate", "0.001"))
                .trainingDataConfig(t -> t.s3Uri("s3://data/train.jsonl"))
                .outputDataConfig(o -> o.s3Uri("s3://out-bucket/" + name)).build();
    }

    /** The owner id the replica logged at start. */
    static String owner(ServeProcess replica) throws Exception {
        replica.port(); // started: its start-up lines are out
        Matcher m = OWNER.matcher(replica.output());
        assertTrue(m.find(), "the replica logs its lease owner id:\n" + replica.output());
        return m.group(1);
    }

    /** The job row's lease owner, read from the database. */
    static String leaseOwner(String url, String jobArn) throws Exception {
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement s = c.prepareStatement("SELECT lease_owner FROM customization_jobs WHERE arn = ?")) {
            s.setString(1, jobArn);
            try (ResultSet r = s.executeQuery()) {
                assertTrue(r.next(), "no job " + jobArn);
                return r.getString(1);
            }
        }
    }

    /** The job once {@code done} holds of it (polled; a Failed job or 150 s fails the test). */
    static GetModelCustomizationJobResponse until(BedrockClient cp, String jobArn,
                                                  Predicate<GetModelCustomizationJobResponse> done, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        GetModelCustomizationJobResponse job = null;
        while (System.nanoTime() < deadline) {
            try {
                job = cp.getModelCustomizationJob(r -> r.jobIdentifier(jobArn));
            } catch (RuntimeException e) { // through a balancer that is just losing a replica
                job = null;
            }
            if (job != null && done.test(job)) {
                return job;
            }
            if (job != null && job.status() == ModelCustomizationJobStatus.FAILED) {
                throw new AssertionError("waiting for " + what + ", the job failed: " + job);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no " + what + " in time; last: " + job);
    }
}
