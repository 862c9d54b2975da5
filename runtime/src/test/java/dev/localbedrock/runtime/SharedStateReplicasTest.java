package dev.localbedrock.runtime;

import dev.localbedrock.runtime.state.DebianPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockagent.BedrockAgentClient;
import software.amazon.awssdk.services.bedrockagent.model.AgentSummary;
import software.amazon.awssdk.services.bedrockagent.model.ConflictException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.BedrockRuntimeException;
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
 * deleted), and a replica killed with SIGKILL loses no acknowledged write.
 */
class SharedStateReplicasTest {
    @TempDir
    static Path dir;
    static DebianPostgres postgres;
    static ServeProcess first;
    static ServeProcess second;

    @BeforeAll
    static void start() throws Exception {
        postgres = DebianPostgres.start();
        String url = postgres.newDatabase();
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Map<String, String> env = Map.of("LOCAL_BEDROCK_MASTER_KEY", Base64.getEncoder().encodeToString(key));
        first = ServeProcess.start(replica("a", url), env);
        second = ServeProcess.start(replica("b", url), env);
    }

    private static Path replica(String name, String stateUrl) throws Exception {
        Path work = Files.createDirectories(dir.resolve(name));
        Path file = TestServers.writeTinyLlamaCatalogue(work, "pytorch", "", "", "");
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
        if (postgres != null) {
            postgres.close();
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

    @Test
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
