package dev.localbedrock.runtime.state;

import dev.localbedrock.runtime.ServeProcess;

import dev.localbedrock.runtime.BedrockService;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.GetProvisionedModelThroughputResponse;
import software.amazon.awssdk.services.bedrock.model.ProvisionedModelStatus;
import software.amazon.awssdk.services.bedrock.model.ProvisionedModelSummary;
import software.amazon.awssdk.services.bedrock.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrock.model.Tag;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * kill -9 of the whole server while control-plane calls are in flight. The serve command runs in its own JVM; three
 * threads drive it through the real BedrockClient (create with tags and a client request token, rename, tag, delete
 * every other one) and record each call when its response arrives. The server is killed with SIGKILL mid-stream,
 * then started again on the same models.yaml and state, and read back through the SDK: every acknowledged write is
 * there, every provisioned model visible is one a whole write leaves (a name the client sent, the create's tags or
 * the later acknowledged or in-flight set, InService), and a call that was in flight at the kill is there whole or
 * not at all.
 *
 * <p>That is a different failure from {@link StateCrashTest}'s: here the process dies between the state write and
 * the HTTP response, with Netty, the scheduler and the reservations all live, not only the repository.
 */
class ServerCrashTest {
    private static final int WRITERS = 3;
    /** Acknowledged calls before the kill: enough for every kind of write to have been acknowledged many times. */
    private static final int ACKS_BEFORE_KILL = 150;
    /** Longer than one call takes, so the kill can land anywhere in one. */
    private static final int KILL_JITTER_MS = 50;
    /**
     * Each live 1-MU model reserves one batch slot; at most about half the models created before the kill are live
     * (every other one is deleted), so 64 slots leave room for all of them at the restart too.
     */
    private static final String LLAMA_YAML = """
            max_context_tokens: 64
            max_running_sequences: 64
            model_unit: {sequences: 1}
            """;

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void everyAcknowledgedWriteSurvivesSigkillOfTheServer() throws Exception {
        Path config = TestServers.writeTinyLlamaCatalogue(dir, "pytorch", "", LLAMA_YAML, "");
        ServeProcess serve = ServeProcess.start(config);
        Process server = serve.process();

        Ledger ledger = new Ledger();
        int inFlightAtKill;
        try (BedrockClient cp = client(serve.port())) {
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                Thread t = new Thread(() -> write(cp, writer, ledger), "writer-" + w);
                t.start();
                writers.add(t);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ledger.acks.get() < ACKS_BEFORE_KILL && ledger.failure.get() == null
                    && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            // The threshold is crossed just as a response arrives, when the next call has barely started: a random
            // pause moves the kill to any point of the calls in flight, their state writes included.
            Thread.sleep(ThreadLocalRandom.current().nextInt(KILL_JITTER_MS));
            ledger.killed.set(true);
            inFlightAtKill = ledger.inFlight.get();
            server.destroyForcibly(); // SIGKILL: no shutdown hook, no drain, no close of the database
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server died");
            for (Thread t : writers) {
                t.join(TimeUnit.SECONDS.toMillis(30));
                assertFalse(t.isAlive(), t.getName() + " stopped once the server was gone");
            }
        } finally {
            server.destroyForcibly();
        }
        if (ledger.failure.get() != null) {
            throw new AssertionError("a call failed before the kill; server output:\n"
                    + serve.output(), ledger.failure.get());
        }
        assertTrue(ledger.acks.get() >= ACKS_BEFORE_KILL, "only " + ledger.acks.get() + " calls acknowledged");
        assertTrue(inFlightAtKill > 0, "no call was in flight at the kill, so nothing was killed mid-write");

        try (BedrockService restarted = BedrockService.start(CatalogLoader.load(config));
             BedrockClient cp = TestServers.controlPlaneClient(restarted)) {
            List<String> problems = check(cp, ledger);
            System.out.printf("server crash: %d calls acknowledged, %d in flight at SIGKILL, %d models created; "
                            + "%d visible after the restart%n", ledger.acks.get(), inFlightAtKill,
                    ledger.resources.size(), cp.listProvisionedModelThroughputs(r -> r.maxResults(1000))
                            .provisionedModelSummaries().size());
            if (!problems.isEmpty()) {
                fail(String.join("\n", problems));
            }
        }
    }

    /** One writer's loop: create, rename, tag and (every other one) delete, until the server is gone. */
    private static void write(BedrockClient cp, int writer, Ledger ledger) {
        for (int i = 0; !ledger.killed.get(); i++) {
            Resource r = new Resource(writer, i);
            ledger.resources.put(r.name, r);
            try {
                r.arn = ledger.call(r.create, () -> cp.createProvisionedModelThroughput(c -> c
                        .provisionedModelName(r.name).modelId(TestServers.LLAMA_ID).modelUnits(1)
                        .clientRequestToken(r.token).tags(tags(r.createTags()))).provisionedModelArn());
                ledger.call(r.rename, () -> cp.updateProvisionedModelThroughput(u -> u.provisionedModelId(r.arn)
                        .desiredProvisionedModelName(r.renamed())));
                ledger.call(r.tag, () -> cp.tagResource(t -> t.resourceARN(r.arn).tags(tags(Map.of("stage",
                        "tagged")))));
                if (i % 2 == 1) {
                    ledger.call(r.delete, () -> cp.deleteProvisionedModelThroughput(d -> d.provisionedModelId(r.arn)));
                }
            } catch (RuntimeException e) {
                if (!ledger.killed.get()) {
                    ledger.failure.compareAndSet(null, e);
                }
                return;
            }
        }
    }

    /** Reads the state back through the restarted server; every way it differs from a whole write, as a line. */
    private static List<String> check(BedrockClient cp, Ledger ledger) {
        List<String> problems = new ArrayList<>();
        List<ProvisionedModelSummary> visible = cp.listProvisionedModelThroughputs(r -> r.maxResults(1000))
                .provisionedModelSummaries();
        Map<String, List<ProvisionedModelSummary>> byResource = new HashMap<>();
        for (ProvisionedModelSummary s : visible) {
            String created = s.provisionedModelName().replaceFirst("-r$", "");
            Resource r = ledger.resources.get(created);
            if (r == null || r.create.state == Call.NOT_SENT) {
                problems.add("a provisioned model the client never created: " + s);
                continue;
            }
            byResource.computeIfAbsent(created, k -> new ArrayList<>()).add(s);
        }
        for (Resource r : ledger.resources.values()) {
            List<ProvisionedModelSummary> found = byResource.getOrDefault(r.name, List.of());
            if (found.size() > 1) {
                problems.add(r.name + " exists " + found.size() + " times (the token made one): " + found);
                continue;
            }
            Optional<ProvisionedModelSummary> seen = found.stream().findFirst();
            if (r.delete.state == Call.ACKNOWLEDGED) {
                if (seen.isPresent() || byArn(cp, r.arn).isPresent()) {
                    problems.add("acknowledged delete of " + r.name + " lost: " + seen);
                }
                continue;
            }
            if (seen.isEmpty()) {
                if (r.create.state == Call.ACKNOWLEDGED && r.delete.state == Call.NOT_SENT) {
                    problems.add("acknowledged create of " + r.name + " (" + r.arn + ") lost");
                }
                continue; // a create or delete in flight may have landed or not
            }
            problems.addAll(whole(cp, r, seen.get()));
        }
        return problems;
    }

    /** What is wrong with a visible provisioned model, given what its writer sent and had acknowledged. */
    private static List<String> whole(BedrockClient cp, Resource r, ProvisionedModelSummary seen) {
        List<String> problems = new ArrayList<>();
        if (r.arn != null && !r.arn.equals(seen.provisionedModelArn())) {
            problems.add(r.name + ": the ARN acknowledged was " + r.arn + ", the one visible " + seen);
        }
        GetProvisionedModelThroughputResponse got = cp.getProvisionedModelThroughput(g -> g
                .provisionedModelId(seen.provisionedModelArn()));
        List<String> names = r.rename.state == Call.ACKNOWLEDGED ? List.of(r.renamed())
                : r.rename.state == Call.IN_FLIGHT ? List.of(r.name, r.renamed()) : List.of(r.name);
        if (!names.contains(got.provisionedModelName())) {
            problems.add(r.name + ": named " + got.provisionedModelName() + ", expected one of " + names);
        }
        if (got.status() != ProvisionedModelStatus.IN_SERVICE || got.modelUnits() != 1
                || !got.modelArn().endsWith("/" + TestServers.LLAMA_ID)) {
            problems.add(r.name + ": not whole and InService: " + got);
        }
        Map<String, String> tags = cp.listTagsForResource(t -> t.resourceARN(seen.provisionedModelArn())).tags()
                .stream().collect(Collectors.toMap(Tag::key, Tag::value, (a, b) -> a, TreeMap::new));
        List<Map<String, String>> allowed = r.tag.state == Call.ACKNOWLEDGED ? List.of(r.taggedTags())
                : r.tag.state == Call.IN_FLIGHT ? List.of(r.createTags(), r.taggedTags()) : List.of(r.createTags());
        if (!allowed.contains(tags)) {
            problems.add(r.name + ": tags " + tags + ", expected one of " + allowed);
        }
        return problems;
    }

    private static Optional<GetProvisionedModelThroughputResponse> byArn(BedrockClient cp, String arn) {
        try {
            return Optional.of(cp.getProvisionedModelThroughput(g -> g.provisionedModelId(arn)));
        } catch (ResourceNotFoundException e) {
            return Optional.empty();
        }
    }

    private static List<Tag> tags(Map<String, String> tags) {
        return tags.entrySet().stream().map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList();
    }

    /** No retries: a retried create or delete would blur which attempt the kill interrupted. */
    private static BedrockClient client(int port) {
        return BedrockClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIDEXAMPLE", "not-a-secret")))
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }


    /** Where one call stands: the kill leaves the ones sent but not answered in flight. */
    private enum Call { NOT_SENT, IN_FLIGHT, ACKNOWLEDGED }

    /** One call of a resource's life. */
    private static final class Step {
        volatile Call state = Call.NOT_SENT;
    }

    /** One provisioned model a writer creates, and how far each of its calls got. */
    private static final class Resource {
        final String name;
        final String token;
        final int writer;
        final int seq;
        volatile String arn;
        final Step create = new Step();
        final Step rename = new Step();
        final Step tag = new Step();
        final Step delete = new Step();

        Resource(int writer, int seq) {
            this.writer = writer;
            this.seq = seq;
            this.name = "w" + writer + "-" + seq;
            this.token = "crash-" + writer + "-" + seq;
        }

        String renamed() {
            return name + "-r";
        }

        Map<String, String> createTags() {
            return new TreeMap<>(Map.of("writer", Integer.toString(writer), "seq", Integer.toString(seq)));
        }

        Map<String, String> taggedTags() {
            Map<String, String> t = createTags();
            t.put("stage", "tagged");
            return t;
        }
    }

    /** What the writers have sent and had answered, shared with the test thread. */
    private static final class Ledger {
        final Map<String, Resource> resources = new ConcurrentHashMap<>();
        final AtomicInteger acks = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicBoolean killed = new AtomicBoolean();
        final AtomicReference<RuntimeException> failure = new AtomicReference<>();

        /** Marks the call in flight, makes it, and marks it acknowledged only once its response has arrived. */
        <T> T call(Step step, Supplier<T> call) {
            step.state = Call.IN_FLIGHT;
            inFlight.incrementAndGet();
            try {
                T result = call.get();
                step.state = Call.ACKNOWLEDGED;
                acks.incrementAndGet();
                return result;
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }
}
