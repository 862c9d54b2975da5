package dev.localbedrock.runtime;

import dev.localbedrock.runtime.state.DebianPostgres;
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
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two serve processes, as two replicas, on one PostgreSQL state (Debian's server on loopback), one master key, one
 * object store folder and one custom-models folder, with short job leases (2 s, renewed every 500 ms). Through the
 * real BedrockClient: a job trained by replica A is stopped through replica B (the stop reaches A through the
 * database); then a second job is created through A and, once it trains there, A is killed with SIGKILL; B must
 * claim the job when A's lease expires, train it again and complete it, its custom model readable through B, its
 * weights in the shared folder, and the job's row leased last to B.
 */
class JobLeaseReplicasTest {
    private static final String BASE = "amazon.titan-text-express-v1";
    private static final Pattern OWNER = Pattern.compile("customization jobs are leased as (\\S+)");
    /** Records of the training set; with batch 1 an epoch is this many steps (a second or so on 2 cores). */
    private static final int RECORDS = 32;
    /** Epochs of the job A is killed in: after its first epoch it still has several seconds of training left. */
    private static final int EPOCHS = 10;
    private static final String[] ANSWERS = {"red", "blue", "green", "gold", "pink", "grey", "teal", "navy"};
    private static final StaticCredentialsProvider CREDENTIALS = StaticCredentialsProvider.create(
            AwsBasicCredentials.create("AKIDEXAMPLE", "not-a-secret"));

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aJobOfAKilledReplicaCompletesOnTheOther() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Path data = shared.resolve("s3/data/train.jsonl");
        Files.createDirectories(data.getParent());
        Files.writeString(data, dataset());
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Map<String, String> env = Map.of("LOCAL_BEDROCK_MASTER_KEY", Base64.getEncoder().encodeToString(key),
                "LOCAL_BEDROCK_JOB_LEASE_MS", "2000", "LOCAL_BEDROCK_JOB_LEASE_RENEW_MS", "500");
        try (DebianPostgres postgres = DebianPostgres.start()) {
            String url = postgres.newDatabase();
            ServeProcess a = ServeProcess.start(replica("a", url, shared), env);
            ServeProcess b = ServeProcess.start(replica("b", url, shared), env);
            try (BedrockClient ca = client(a); BedrockClient cb = client(b)) {
                String ownerA = owner(a);
                String ownerB = owner(b);
                assertNotEquals(ownerA, ownerB, "each replica has its own owner id");

                // A stop asked through B of a job A trains.
                String stopped = ca.createModelCustomizationJob(job("stopped-job", 10)).jobArn();
                assertEquals(ownerA, leaseOwner(url, stopped), "the creating replica holds the lease");
                until(cb, stopped, j -> j.status() == ModelCustomizationJobStatus.IN_PROGRESS
                        && j.trainingMetrics() != null, "training on A");
                cb.stopModelCustomizationJob(r -> r.jobIdentifier(stopped));
                GetModelCustomizationJobResponse stoppedJob = until(cb, stopped,
                        j -> j.status() == ModelCustomizationJobStatus.STOPPED, "stopped by A");
                assertEquals(null, stoppedJob.outputModelArn(), "a stopped job makes no custom model");

                // A job of A's, SIGKILLed mid-training, completed by B.
                long created = System.nanoTime();
                String jobArn = ca.createModelCustomizationJob(job("resumed-job", EPOCHS)).jobArn();
                until(ca, jobArn, j -> j.trainingMetrics() != null, "A's first epoch");
                long firstEpoch = System.nanoTime();
                assertEquals(ModelCustomizationJobStatus.IN_PROGRESS, ca.getModelCustomizationJob(r -> r
                        .jobIdentifier(jobArn)).status(), "still training when killed");
                assertEquals(ownerA, leaseOwner(url, jobArn));
                a.process().destroyForcibly();
                assertTrue(a.process().waitFor(30, TimeUnit.SECONDS), "A died");
                long killed = System.nanoTime();

                GetModelCustomizationJobResponse done = until(cb, jobArn, j -> j.status()
                        != ModelCustomizationJobStatus.IN_PROGRESS, "the job's end on B");
                assertEquals(ModelCustomizationJobStatus.COMPLETED, done.status(), done + "\nB's output:\n"
                        + b.output());
                System.out.printf("job leases: A's first epoch after %d ms; B completed the job %d ms after the"
                        + " kill (%d epochs)%n", TimeUnit.NANOSECONDS.toMillis(firstEpoch - created),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed), EPOCHS);
                assertNotNull(done.outputModelArn(), "the custom model's ARN");
                assertEquals("resumed-job-model", cb.getCustomModel(r -> r.modelIdentifier(done.outputModelArn()))
                        .modelName());
                assertEquals(ownerB, leaseOwner(url, jobArn), "B claimed and ran it");
                assertTrue(b.output().contains("customization job resumed-job was left in progress"),
                        "B says it resumed the job:\n" + b.output());
                String jobId = jobArn.substring(jobArn.lastIndexOf('/') + 1);
                assertTrue(Files.isRegularFile(shared.resolve("custom-models").resolve(jobId)
                        .resolve("config.json")), "the weights are in the shared custom-models folder");
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nA's output:\n" + a.output(), e);
            } finally {
                for (ServeProcess p : new ServeProcess[] {a, b}) {
                    p.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** A replica's models.yaml: its own cache folder, the shared state, object store and custom-models folder. */
    private Path replica(String name, String stateUrl, Path shared) throws Exception {
        Path work = Files.createDirectories(dir.resolve(name));
        Path yaml = work.resolve("models.yaml");
        Files.writeString(yaml, """
                server:
                  host: 127.0.0.1
                  port: 0
                cache_dir: "%s"
                state:
                  url: "%s"
                storage:
                  local_dir: "%s"
                customization:
                  training_threads: 1
                  models_dir: "%s"
                models:
                  - id: %s
                    source: generated:smoke-llama
                    engine: pytorch
                    device: cpu
                    max_context_tokens: 128
                """.formatted(work.resolve("cache"), stateUrl, shared.resolve("s3"), shared.resolve("custom-models"),
                BASE));
        return yaml;
    }

    private static CreateModelCustomizationJobRequest job(String name, int epochs) {
        return CreateModelCustomizationJobRequest.builder().jobName(name).customModelName(name + "-model")
                .roleArn("arn:aws:iam::000000000000:role/R").baseModelIdentifier(BASE)
                .hyperParameters(Map.of("epochCount", Integer.toString(epochs), "batchSize", "1",
                        "learningRate", "0.001"))
                .trainingDataConfig(t -> t.s3Uri("s3://data/train.jsonl"))
                .outputDataConfig(o -> o.s3Uri("s3://out-bucket/" + name)).build();
    }

    private static String dataset() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < RECORDS; i++) {
            b.append("{\"input\": \"Question number ").append(i).append(": which colour is item ").append(i)
                    .append("?\", \"output\": \"Item ").append(i).append(" is ").append(ANSWERS[i % ANSWERS.length])
                    .append(".\"}\n");
        }
        return b.toString();
    }

    /** The owner id the replica logged at start. */
    private static String owner(ServeProcess replica) throws Exception {
        replica.port(); // started: its start-up lines are out
        Matcher m = OWNER.matcher(replica.output());
        assertTrue(m.find(), "the replica logs its lease owner id:\n" + replica.output());
        return m.group(1);
    }

    /** The job row's lease owner, read from the database. */
    private static String leaseOwner(String url, String jobArn) throws Exception {
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement s = c.prepareStatement("SELECT lease_owner FROM customization_jobs WHERE arn = ?")) {
            s.setString(1, jobArn);
            try (ResultSet r = s.executeQuery()) {
                assertTrue(r.next(), "no job " + jobArn);
                return r.getString(1);
            }
        }
    }

    private static GetModelCustomizationJobResponse until(BedrockClient cp, String jobArn,
                                                          Predicate<GetModelCustomizationJobResponse> done,
                                                          String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        GetModelCustomizationJobResponse job = null;
        while (System.nanoTime() < deadline) {
            job = cp.getModelCustomizationJob(r -> r.jobIdentifier(jobArn));
            if (done.test(job)) {
                return job;
            }
            if (job.status() == ModelCustomizationJobStatus.FAILED) {
                throw new AssertionError("waiting for " + what + ", the job failed: " + job);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no " + what + " in time; last: " + job);
    }

    private static BedrockClient client(ServeProcess replica) throws Exception {
        return BedrockClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + replica.port()))
                .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS).build();
    }
}
