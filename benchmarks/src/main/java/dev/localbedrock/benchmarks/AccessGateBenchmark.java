package dev.localbedrock.benchmarks;

import dev.localbedrock.runtime.auth.AccessGate;
import dev.localbedrock.runtime.auth.IssuedCredentials;
import dev.localbedrock.runtime.auth.PrincipalDirectory;
import dev.localbedrock.runtime.auth.SecretSealer;
import dev.localbedrock.runtime.auth.SecurityStore;
import dev.localbedrock.runtime.auth.SignedRequest;
import dev.localbedrock.runtime.iam.IamActions;
import dev.localbedrock.runtime.state.StateStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What {@code auth: sigv4} costs one request, as the server runs it: {@link AccessGate#admit} on an InvokeModel
 * call with a 1 KB body — the SigV4 verification (body hash, canonical request, HMAC with the cached signing key)
 * and the policy decision (the key's principal and policies from the directory's cache, a five-statement policy,
 * decision cache hit) — over a real state database with a key created by the store, as the CLI creates them.
 * Budget: under 30 µs together. {@code openAdmit}: the same call through the default {@code auth: open} gate.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class AccessGateBenchmark {
    private static final Instant NOW = Instant.parse("2025-03-14T15:09:26Z");

    private Path dir;
    private StateStore state;
    private AccessGate gate;
    private final AccessGate openGate = AccessGate.open("000000000000");
    private AccessGate.Call call;

    @Setup
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("access-gate-bench");
        String url = "jdbc:sqlite:" + dir.resolve("control-plane.db");
        state = StateStore.open(url);
        SecretSealer sealer = SecretSealer.forState(url);
        SecurityStore store = new SecurityStore(state.security(), sealer, "000000000000", Clock.systemUTC());
        store.createPrincipal("alice");
        store.attachPolicy("alice", "Team", IamPolicyBenchmark.POLICY);
        IssuedCredentials key = store.createAccessKey("alice");
        PrincipalDirectory directory = new PrincipalDirectory(state.security(), sealer);
        gate = AccessGate.sigv4("000000000000", directory, new IamActions("us-east-1", "000000000000", n -> null),
                arn -> Map.of(), Clock.fixed(NOW, ZoneOffset.UTC));

        byte[] body = new byte[1024];
        new Random(1).nextBytes(body);
        SdkHttpRequest unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.POST).protocol("http")
                .host("localhost").port(8080).encodedPath("/model/anthropic.claude-v2/invoke")
                .putHeader("Content-Type", "application/json").putHeader("Accept", "application/json")
                .putHeader("amz-sdk-invocation-id", "3f1b6c1e-2f4c-4a43-9c7e-0c2f3d0e9b11")
                .putHeader("amz-sdk-request", "attempt=1; max=4").build();
        var signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(key.accessKeyId(), key.secretAccessKey()))
                .request(unsigned).payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(NOW, ZoneOffset.UTC)));
        Map<String, List<String>> headers = new LinkedHashMap<>(signed.request().headers());
        call = new AccessGate.Call(new SignedRequest("POST", signed.request().encodedPath(), headers, body),
                "bedrock-runtime", "InvokeModel", Map.of("modelId", "anthropic.claude-v2"), "10.1.2.3", true);
        admit(); // fills the caches, and fails the run unless the call is let through
    }

    @Benchmark
    public AccessGate.Admitted admit() {
        return gate.admit(call);
    }

    /** {@code auth: open}, the default: the caller named from the claimed key, nothing verified. */
    @Benchmark
    public AccessGate.Admitted openAdmit() {
        return openGate.admit(call);
    }

    @TearDown
    public void tearDown() throws Exception {
        state.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
