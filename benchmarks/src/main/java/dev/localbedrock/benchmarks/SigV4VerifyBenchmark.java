package dev.localbedrock.benchmarks;

import dev.localbedrock.runtime.auth.SigV4Verifier;
import dev.localbedrock.runtime.auth.SignedRequest;
import dev.localbedrock.runtime.auth.SigningCredential;
import dev.localbedrock.runtime.auth.VerifiedCaller;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * SigV4 verification per request: an InvokeModel call with a 1 KB body, signed by the AWS SDK for Java with
 * temporary credentials, checked with the signing key already cached (every request after a key's first of the
 * day). Covers the body hash, the canonical request, its hash and the HMAC.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SigV4VerifyBenchmark {
    private static final Instant NOW = Instant.parse("2025-03-14T15:09:26Z");

    private SigV4Verifier verifier;
    private SignedRequest request;

    @Setup
    public void setUp() {
        SigningCredential credential = new SigningCredential("ASIABENCH0000000000", "bench-secret-0123456789",
                "arn:aws:sts::000000000000:assumed-role/Runner/bench", "FwoGZXIvYXdzEBYaDH-session-token", null,
                true);
        verifier = new SigV4Verifier(id -> Optional.of(credential), Clock.fixed(NOW, ZoneOffset.UTC));
        byte[] body = new byte[1024];
        new Random(1).nextBytes(body);
        SdkHttpRequest unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.POST).protocol("http")
                .host("localhost").port(8080)
                .encodedPath("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2F"
                        + "anthropic.claude-3-haiku-20240307-v1%3A0/invoke")
                .putHeader("Content-Type", "application/json").putHeader("Accept", "application/json")
                .putHeader("Content-Length", "1024")
                .putHeader("amz-sdk-invocation-id", "3f1b6c1e-2f4c-4a43-9c7e-0c2f3d0e9b11")
                .putHeader("amz-sdk-request", "attempt=1; max=4").build();
        var signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsSessionCredentialsIdentity.create(credential.accessKeyId(),
                        credential.secretAccessKey(), credential.sessionToken()))
                .request(unsigned).payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(NOW, ZoneOffset.UTC)));
        Map<String, List<String>> headers = new LinkedHashMap<>(signed.request().headers());
        request = new SignedRequest("POST", signed.request().encodedPath(), headers, body);
        verify(); // warms the signing-key cache, and fails the run if the request does not verify
    }

    @Benchmark
    public VerifiedCaller verify() {
        return verifier.verify(request);
    }
}
