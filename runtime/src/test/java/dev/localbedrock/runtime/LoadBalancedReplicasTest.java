package dev.localbedrock.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.state.SharedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.GetModelCustomizationJobResponse;
import software.amazon.awssdk.services.bedrock.model.ModelCustomizationJobStatus;
import software.amazon.awssdk.services.bedrock.model.Tag;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two server replicas on one PostgreSQL state (Debian's, on loopback) behind a real load balancer (Debian's HAProxy),
 * driven by the unchanged AWS SDK through the balancer: a provisioned throughput created through it is invoked on
 * both replicas, and its one model unit is spent at the rate one replica alone spends it; a fine-tuning job trained
 * by one replica is stopped through the other; and killing the replica that trains a job, in the middle of a load
 * of writes and invocations, loses no acknowledged write while the balancer's retries carry the load on to the
 * survivor, which claims the job once its lease expires and completes it. The replicas share the state, one object
 * store folder and one custom-models folder, with job leases of 2 s.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LoadBalancedReplicasTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What one model unit buys here: 60 output tokens a minute, one a second, so a few seconds show the rate. */
    private static final int OUTPUT_PER_MINUTE = 60;
    private static final int MAX_GEN = 8;
    /** Epochs of the job whose replica is killed: it is still training seconds after its first epoch. */
    private static final int EPOCHS = 10;

    @TempDir
    static Path dir;
    @org.junit.jupiter.api.extension.RegisterExtension
    static final SharedPostgres postgres = new SharedPostgres();
    static ServeProcess first;
    static ServeProcess second;
    static Haproxy balancer;
    static String stateUrl;

    @BeforeAll
    static void start() throws Exception {
        String url = postgres.newDatabase();
        stateUrl = url;
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Map<String, String> env = new java.util.HashMap<>(ReplicaJobs.SHORT_LEASES);
        env.put("LOCAL_BEDROCK_MASTER_KEY", Base64.getEncoder().encodeToString(key));
        Path shared = Files.createDirectories(dir.resolve("shared"));
        ReplicaJobs.writeDataset(shared);
        first = ServeProcess.start(replica("a", url, shared), env);
        second = ServeProcess.start(replica("b", url, shared), env);
        balancer = Haproxy.start(dir, List.of(first.port(), second.port()));
    }

    /** A replica: its own cache, the shared state, and (for fine-tuning) one object store and custom-models folder. */
    private static Path replica(String name, String stateUrl, Path shared) throws Exception {
        Path work = Files.createDirectories(dir.resolve(name));
        Path file = TestServers.writeTinyLlamaCatalogue(work, "pytorch", "", """
                model_unit:
                  input_tokens_per_minute: 100000
                  output_tokens_per_minute: %d
                  sequences: 1""".formatted(OUTPUT_PER_MINUTE), ReplicaJobs.baseModelEntry());
        Files.writeString(file, Files.readString(file) + "cache_dir: \"" + work.resolve("cache")
                + "\"\nstate:\n  url: \"" + stateUrl + "\"\n" + ReplicaJobs.sharedFolders(shared));
        return file;
    }

    @AfterAll
    static void stop() throws Exception {
        if (balancer != null) {
            balancer.close();
        }
        for (ServeProcess p : new ServeProcess[] {first, second}) {
            if (p != null) {
                p.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private static URI balanced() {
        return URI.create("http://127.0.0.1:" + balancer.port());
    }

    private static URI direct(ServeProcess replica) throws Exception {
        return URI.create("http://127.0.0.1:" + replica.port());
    }

    /** A client that does not retry: what reaches the caller is what the balancer made of it. */
    private static BedrockRuntimeClient runtime(URI endpoint) {
        return BedrockRuntimeClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(SharedStateReplicasTest.CREDENTIALS)
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
    }

    private static BedrockClient control(URI endpoint) {
        return BedrockClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(SharedStateReplicasTest.CREDENTIALS)
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
    }

    /** The generated tokens of one invocation, or -1 when it was throttled. */
    private static int invoke(BedrockRuntimeClient client, String modelId, int maxGen) throws Exception {
        try {
            String body = client.invokeModel(r -> r.modelId(modelId).body(SdkBytes.fromUtf8String(
                    "{\"prompt\":\"hello\",\"max_gen_len\":" + maxGen + "}"))).body().asUtf8String();
            return JSON.readTree(body).get("generation_token_count").asInt();
        } catch (ThrottlingException e) {
            return -1;
        }
    }

    /** Output tokens admitted by invoking {@code modelId} back to back for {@code seconds}. */
    private static int spend(BedrockRuntimeClient client, String modelId, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int tokens = 0;
        while (System.nanoTime() < end) {
            tokens += Math.max(0, invoke(client, modelId, MAX_GEN));
        }
        return tokens;
    }

    /** The replica's count of invocations that reached the Llama entry ({@code bedrock_invocations_total}). */
    private static double invocations(ServeProcess replica) throws Exception {
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(direct(replica)
                .resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        double sum = 0;
        for (String line : metrics.body().split("\n")) {
            if (line.startsWith("bedrock_invocations_total{") && line.contains(TestServers.LLAMA_ID)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    @Test
    @Order(1)
    void oneModelUnitThroughTheBalancerIsSpentOnBothReplicasAtOneReplicasRate() throws Exception {
        try (BedrockClient control = control(balanced()); BedrockRuntimeClient viaBalancer = runtime(balanced());
             BedrockRuntimeClient onA = runtime(direct(first)); BedrockRuntimeClient onB = runtime(direct(second))) {
            String alone = control.createProvisionedModelThroughput(r -> r.provisionedModelName("alone")
                    .modelId(TestServers.LLAMA_ID).modelUnits(1).clientRequestToken("alone-1"))
                    .provisionedModelArn();
            String shared = control.createProvisionedModelThroughput(r -> r.provisionedModelName("shared")
                    .modelId(TestServers.LLAMA_ID).modelUnits(1).clientRequestToken("shared-1"))
                    .provisionedModelArn();
            // Each replica registers what the other created within its 2 s refresh; one token each to see it.
            for (BedrockRuntimeClient replica : List.of(onA, onB)) {
                SharedStateReplicasTest.until(() -> invoke(replica, shared, 1));
            }
            SharedStateReplicasTest.until(() -> invoke(onA, alone, 1));

            int seconds = 10;
            int oneReplica = spend(onA, alone, seconds);
            double beforeA = invocations(first);
            double beforeB = invocations(second);
            int twoReplicas = spend(viaBalancer, shared, seconds);
            assertTrue(invocations(first) > beforeA && invocations(second) > beforeB,
                    "the balancer sent the provisioned model's calls to both replicas");
            // One unit: a minute's 60 tokens at the start, then one a second, and the last call's overdraft. Two
            // replicas counting alone would each spend that; sharing the ledger, each admitting against its half of
            // the shared level, they spend it once between them (give or take what one took since it last met the
            // ledger, which an early meeting keeps under half its share, and each one's last overdraft).
            System.out.printf("one model unit for %d s: %d output tokens on one replica, %d on two behind the "
                    + "balancer%n", seconds, oneReplica, twoReplicas);
            int bound = OUTPUT_PER_MINUTE + seconds * OUTPUT_PER_MINUTE / 60 + MAX_GEN;
            assertTrue(oneReplica > OUTPUT_PER_MINUTE / 2 && oneReplica <= bound, oneReplica + " tokens on one");
            assertTrue(twoReplicas <= oneReplica * 3 / 2, "two replicas spent " + twoReplicas
                    + " output tokens of one model unit where one replica spent " + oneReplica);
            assertTrue(twoReplicas >= oneReplica / 2, twoReplicas + " vs " + oneReplica);
        }
    }

    @Test
    @Order(2)
    void aStopAskedThroughOneReplicaReachesTheReplicaTrainingTheJob() throws Exception {
        try (BedrockClient onA = control(direct(first)); BedrockClient onB = control(direct(second))) {
            assertNotEquals(ReplicaJobs.owner(first), ReplicaJobs.owner(second), "each replica has its own owner");
            String job = onA.createModelCustomizationJob(ReplicaJobs.job("stopped-job", 10)).jobArn();
            assertEquals(ReplicaJobs.owner(first), ReplicaJobs.leaseOwner(stateUrl, job),
                    "the creating replica holds the lease");
            ReplicaJobs.until(onB, job, j -> j.status() == ModelCustomizationJobStatus.IN_PROGRESS
                    && j.trainingMetrics() != null, "training on A");
            onB.stopModelCustomizationJob(r -> r.jobIdentifier(job));
            GetModelCustomizationJobResponse stopped = ReplicaJobs.until(onB, job,
                    j -> j.status() == ModelCustomizationJobStatus.STOPPED, "stopped by A");
            assertNull(stopped.outputModelArn(), "a stopped job makes no custom model");
        }
    }

    @Test
    @Order(3)
    void killingAReplicaMidLoadLosesNoAcknowledgedWriteAndTheBalancerCarriesOn() throws Exception {
        try (BedrockClient control = control(balanced()); BedrockRuntimeClient viaBalancer = runtime(balanced())) {
            String arn = control.createProvisionedModelThroughput(r -> r.provisionedModelName("tagged")
                    .modelId(TestServers.LLAMA_ID).modelUnits(1).clientRequestToken("tagged-1"))
                    .provisionedModelArn();
            // A fine-tuning job created through the balancer; the replica that took it is the one killed.
            String job = control.createModelCustomizationJob(ReplicaJobs.job("resumed-job", EPOCHS)).jobArn();
            ReplicaJobs.until(control, job, j -> j.trainingMetrics() != null, "the job's first epoch");
            String owner = ReplicaJobs.leaseOwner(stateUrl, job);
            ServeProcess victim = owner.equals(ReplicaJobs.owner(first)) ? first : second;
            ServeProcess survivor = victim == first ? second : first;
            assertEquals(ReplicaJobs.owner(victim), owner);
            AtomicBoolean stop = new AtomicBoolean();
            // The last write acknowledged for each of 20 tag keys (the value is the write's number).
            Map<String, Integer> acknowledged = new ConcurrentHashMap<>();
            List<long[]> calls = java.util.Collections.synchronizedList(new ArrayList<>()); // {startNanos, ok}
            List<String> writeFailures = java.util.Collections.synchronizedList(new ArrayList<>());
            ExecutorService load = Executors.newFixedThreadPool(3);
            List<Future<?>> running = new ArrayList<>();
            running.add(load.submit(() -> {
                for (int i = 0; !stop.get(); i++) {
                    String key = "k" + (i % 20);
                    int n = i;
                    try {
                        control.tagResource(r -> r.resourceARN(arn).tags(Tag.builder().key(key)
                                .value(Integer.toString(n)).build()));
                        acknowledged.put(key, n);
                    } catch (RuntimeException e) {
                        writeFailures.add(e.toString());
                    }
                }
                return null;
            }));
            for (int t = 0; t < 2; t++) {
                running.add(load.submit(() -> {
                    while (!stop.get()) {
                        long startedAt = System.nanoTime();
                        boolean ok;
                        try {
                            ok = invoke(viaBalancer, TestServers.LLAMA_ID, 2) >= 0;
                        } catch (RuntimeException e) {
                            ok = false;
                        }
                        calls.add(new long[] {startedAt, ok ? 1 : 0});
                    }
                    return null;
                }));
            }
            Thread.sleep(3000);
            assertEquals(ModelCustomizationJobStatus.IN_PROGRESS, control.getModelCustomizationJob(r -> r
                    .jobIdentifier(job)).status(), "still training when its replica is killed");
            long killed = System.nanoTime();
            victim.process().destroyForcibly();
            assertTrue(victim.process().waitFor(30, TimeUnit.SECONDS));
            Thread.sleep(6000);
            stop.set(true);
            for (Future<?> f : running) {
                f.get(60, TimeUnit.SECONDS);
            }
            load.shutdown();

            System.out.printf("across the kill: %d invocations (%d failed), %d writes acknowledged as last of their"
                    + " key, %d failed%n", calls.size(), calls.stream().filter(c -> c[1] == 0).count(),
                    acknowledged.size(), writeFailures.size());
            // Every acknowledged write is there, read through the balancer from the survivor.
            Map<String, Integer> stored = new java.util.HashMap<>();
            control.listTagsForResource(r -> r.resourceARN(arn)).tags()
                    .forEach(t -> stored.put(t.key(), Integer.parseInt(t.value())));
            acknowledged.forEach((key, n) -> assertTrue(stored.containsKey(key) && stored.get(key) >= n,
                    key + " was acknowledged as " + n + " before or after the kill, and is " + stored.get(key)));
            assertEquals(20, acknowledged.size());

            // The balancer took the dead replica out and retried on the survivor: the load carried on.
            long settled = killed + TimeUnit.SECONDS.toNanos(2);
            List<long[]> after = calls.stream().filter(c -> c[0] > settled).toList();
            long failed = calls.stream().filter(c -> c[1] == 0).count();
            assertTrue(after.size() >= 10, after.size() + " invocations after the kill");
            assertTrue(after.stream().allMatch(c -> c[1] == 1), "an invocation failed once HAProxy had settled");
            assertTrue(failed <= 2, failed + " of " + calls.size() + " invocations failed across the kill; writes "
                    + "failed: " + writeFailures + "\n" + balancer.log());
            assertTrue(writeFailures.size() <= 1, "writes failed: " + writeFailures);

            // The killed replica's job: the survivor claims it once the lease expires, trains it again and
            // completes it; its custom model is read through the balancer and its weights are in the shared folder.
            GetModelCustomizationJobResponse done = ReplicaJobs.until(control, job, j -> j.status()
                    != ModelCustomizationJobStatus.IN_PROGRESS, "the job's end on the survivor");
            assertEquals(ModelCustomizationJobStatus.COMPLETED, done.status(), done + "\n" + survivor.output());
            assertEquals("resumed-job-model", control.getCustomModel(r -> r.modelIdentifier(done.outputModelArn()))
                    .modelName());
            assertEquals(ReplicaJobs.owner(survivor), ReplicaJobs.leaseOwner(stateUrl, job), "the survivor ran it");
            assertTrue(survivor.output().contains("customization job resumed-job was left in progress"),
                    survivor.output());
            String jobId = job.substring(job.lastIndexOf('/') + 1);
            assertTrue(Files.isRegularFile(dir.resolve("shared/custom-models").resolve(jobId).resolve("config.json")),
                    "the weights are in the shared custom-models folder");
        }
    }
}
