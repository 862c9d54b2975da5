package dev.localbedrock.runtime;

import dev.localbedrock.runtime.state.SharedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockagent.BedrockAgentClient;
import software.amazon.awssdk.services.bedrockagent.model.AgentSummary;
import software.amazon.awssdk.services.bedrockagent.model.ConflictException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.AccessDeniedException;
import software.amazon.awssdk.services.bedrockruntime.model.BedrockRuntimeException;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two server processes, as two replicas, on one PostgreSQL state database (Debian's server on loopback) and one
 * master key: what one writes through the unchanged SDK the other reads, a name taken on one is taken on the other,
 * a provisioned throughput created through one is invoked through the other (and stops resolving there once
 * deleted), an on-demand quota is admitted once between them, a model-access revocation and the invocation-logging
 * configuration set through one apply on the other, and a replica killed with SIGKILL loses no acknowledged write.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SharedStateReplicasTest {
    @TempDir
    static Path dir;
    @org.junit.jupiter.api.extension.RegisterExtension
    static final SharedPostgres postgres = new SharedPostgres();
    static ServeProcess first;
    static ServeProcess second;
    /** Before the replicas, and so before the shared buckets, were made. */
    static long started;

    @BeforeAll
    static void start() throws Exception {
        started = System.nanoTime();
        String url = postgres.newDatabase();
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Map<String, String> env = Map.of("LOCAL_BEDROCK_MASTER_KEY", Base64.getEncoder().encodeToString(key));
        first = ServeProcess.start(replica("a", url), env);
        second = ServeProcess.start(replica("b", url), env);
    }

    private static Path replica(String name, String stateUrl) throws Exception {
        Path work = Files.createDirectories(dir.resolve(name));
        // An on-demand quota of 6 requests a minute, which the two replicas admit once between them.
        Path file = TestServers.writeTinyLlamaCatalogue(work, "pytorch", "", "requests_per_minute: 6", "");
        Files.writeString(file, Files.readString(file) + "cache_dir: \"" + work.resolve("cache")
                + "\"\nstate:\n  url: \"" + stateUrl + "\"\n");
        return file;
    }

    @AfterAll
    static void stop() throws Exception {
        for (ServeProcess p : new ServeProcess[] {first, second}) {
            if (p != null) {
                p.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    static final StaticCredentialsProvider CREDENTIALS = StaticCredentialsProvider.create(
            AwsBasicCredentials.create("AKIDEXAMPLE", "not-a-secret"));

    static URI endpoint(ServeProcess replica) throws Exception {
        return URI.create("http://127.0.0.1:" + replica.port());
    }

    static BedrockAgentClient client(ServeProcess replica) throws Exception {
        return BedrockAgentClient.builder().endpointOverride(endpoint(replica)).region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS).build();
    }

    /** What {@code call} returns once it stops failing; the replicas refresh from the state every 2 s. */
    static <T> T until(java.util.concurrent.Callable<T> call) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return call.call();
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    static BedrockRuntimeClient runtime(ServeProcess replica) throws Exception {
        return BedrockRuntimeClient.builder().endpointOverride(endpoint(replica)).region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS)
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
    }

    /** How many of {@code tries} on-demand invocations the replica admits (the others are throttled). */
    private static int admitted(BedrockRuntimeClient client, int tries) {
        int n = 0;
        for (int i = 0; i < tries; i++) {
            try {
                client.invokeModel(r -> r.modelId(TestServers.LLAMA_ID)
                        .body(SdkBytes.fromUtf8String("{\"prompt\":\"hi\",\"max_gen_len\":1}")));
                n++;
            } catch (ThrottlingException e) {
                assertTrue(e.getMessage().contains("6 requests per minute"), e.getMessage());
            }
        }
        return n;
    }

    @Test
    @Order(1)
    void quotasGrantsAndLoggingAreOneAcrossReplicas() throws Exception {
        try (BedrockRuntimeClient a = runtime(first); BedrockRuntimeClient b = runtime(second);
             BedrockClient controlA = BedrockClient.builder().endpointOverride(endpoint(first))
                     .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS).build();
             BedrockClient controlB = BedrockClient.builder().endpointOverride(endpoint(second))
                     .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS).build()) {
            // 6 a minute between both: A admits its 6, and B, once A's usage has reached the ledger and B has met
            // it (a quarter-second apart each), only what the shared bucket has refilled since it was made (one
            // request every 10 s since the replicas started), where on its own it would admit 6 again.
            assertEquals(6, admitted(a, 6));
            Thread.sleep(1500);
            int refilled = (int) ((System.nanoTime() - started) / TimeUnit.SECONDS.toNanos(10));
            int more = admitted(b, 6);
            assertTrue(more <= refilled && more < 6, "the replicas share one quota: B admitted " + more
                    + " after A's 6, with " + refilled + " refilled since the start");

            // A revocation through A denies B within its refresh; a grant through A lets it in again.
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            putAccess(http, first, false);
            until(() -> {
                try {
                    b.invokeModel(r -> r.modelId(TestServers.LLAMA_ID)
                            .body(SdkBytes.fromUtf8String("{\"prompt\":\"hi\",\"max_gen_len\":1}")));
                    throw new IllegalStateException("still granted on B");
                } catch (AccessDeniedException denied) {
                    return denied;
                } catch (ThrottlingException throttled) {
                    throw new IllegalStateException("throttled, not yet denied");
                }
            });
            putAccess(http, first, true);

            // The invocation logging configuration put through A is B's too.
            controlA.putModelInvocationLoggingConfiguration(r -> r.loggingConfig(c -> c
                    .s3Config(s3 -> s3.bucketName("shared-logs").keyPrefix("replicas"))
                    .textDataDeliveryEnabled(true)));
            assertEquals("shared-logs", until(() -> {
                var config = controlB.getModelInvocationLoggingConfiguration(r -> { }).loggingConfig();
                if (config == null) {
                    throw new IllegalStateException("not yet on B");
                }
                return config.s3Config().bucketName();
            }));
            controlB.deleteModelInvocationLoggingConfiguration(r -> { });
            until(() -> {
                if (controlA.getModelInvocationLoggingConfiguration(r -> { }).loggingConfig() != null) {
                    throw new IllegalStateException("still on A");
                }
                return null;
            });
        }
    }

    private static void putAccess(java.net.http.HttpClient http, ServeProcess replica, boolean granted)
            throws Exception {
        var response = http.send(java.net.http.HttpRequest.newBuilder(endpoint(replica)
                        .resolve("/local-bedrock/model-access/" + TestServers.LLAMA_ID))
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"granted\": " + granted + "}"))
                .header("Content-Type", "application/json").build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
    }

    @Test
    @Order(2)
    void oneReplicasWritesAreTheOthersAndSurviveItsKill() throws Exception {
        try (BedrockAgentClient a = client(first); BedrockAgentClient b = client(second)) {
            String id = a.createAgent(r -> r.agentName("shared").foundationModel(TestServers.LLAMA_ID)
                    .instruction("You answer questions about the shared state of replicas.")
                    .tags(Map.of("team", "platform"))).agent().agentId();
            assertEquals("shared", b.getAgent(r -> r.agentId(id)).agent().agentName());
            assertTrue(b.listAgents(r -> { }).agentSummaries().stream().map(AgentSummary::agentId)
                    .anyMatch(id::equals));
            assertThrows(ConflictException.class, () -> b.createAgent(r -> r.agentName("shared")
                    .foundationModel(TestServers.LLAMA_ID)
                    .instruction("A second agent of the same name, on the other replica.")),
                    "the name is taken on both");
            String arn = b.getAgent(r -> r.agentId(id)).agent().agentArn();
            b.tagResource(r -> r.resourceArn(arn).tags(Map.of("cost-centre", "42")));
            assertEquals(Map.of("team", "platform", "cost-centre", "42"),
                    a.listTagsForResource(r -> r.resourceArn(arn)).tags());

            // A provisioned throughput created through one replica is invoked through the other, then deleted.
            try (BedrockClient controlA = BedrockClient.builder().endpointOverride(endpoint(first))
                    .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS).build();
                 BedrockRuntimeClient runtimeB = BedrockRuntimeClient.builder().endpointOverride(endpoint(second))
                         .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS).build()) {
                String pt = controlA.createProvisionedModelThroughput(r -> r.provisionedModelName("shared-pt")
                        .modelId(TestServers.LLAMA_ID).modelUnits(1)).provisionedModelArn();
                String body = "{\"prompt\":\"hello\",\"max_gen_len\":2}";
                InvokeModelResponse answer = until(() -> runtimeB.invokeModel(r -> r.modelId(pt)
                        .body(SdkBytes.fromUtf8String(body))));
                assertTrue(answer.body().asUtf8String().contains("generation"), answer.body().asUtf8String());
                controlA.deleteProvisionedModelThroughput(r -> r.provisionedModelId(pt));
                until(() -> {
                    try {
                        runtimeB.invokeModel(r -> r.modelId(pt).body(SdkBytes.fromUtf8String(body)));
                        throw new IllegalStateException("still invocable");
                    } catch (BedrockRuntimeException gone) {
                        return gone;
                    }
                });
            }

            // Acknowledged writes on the first replica, then SIGKILL: the second still has every one.
            for (int i = 0; i < 20; i++) {
                String key = "k" + i;
                a.tagResource(r -> r.resourceArn(arn).tags(Map.of(key, "v")));
            }
            first.process().destroyForcibly();
            assertTrue(first.process().waitFor(30, TimeUnit.SECONDS));
            Map<String, String> tags = b.listTagsForResource(r -> r.resourceArn(arn)).tags();
            for (int i = 0; i < 20; i++) {
                assertEquals("v", tags.get("k" + i), "tag k" + i + " was acknowledged before the kill");
            }
        }
    }
}
