package dev.localbedrock.runtime.cli;

import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Signs the command line's calls to a server's admin endpoints the way the SDKs sign theirs (SigV4, signing name
 * {@code bedrock}), with the caller's AWS credentials from the environment, system properties or the shared profile
 * — the same places the AWS CLI looks. A server in {@code auth: sigv4} mode needs that; one in {@code open} mode
 * ignores it, and with no credentials anywhere the request goes unsigned. Instance metadata is not consulted: this
 * runs offline.
 */
final class AdminRequestSigner {
    private static final Set<String> SET_BY_THE_CLIENT = Set.of("host", "content-length");

    private AdminRequestSigner() {
    }

    /** The request to send: {@code method uri} with {@code body} (null for none), signed when credentials exist. */
    static HttpRequest.Builder request(String method, URI uri, String body) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body);
        HttpRequest.Builder out = HttpRequest.newBuilder(uri).method(method, publisher);
        if (body != null) {
            out.header("Content-Type", "application/json");
        }
        AwsCredentials credentials = credentials();
        if (credentials == null) {
            return out;
        }
        SdkHttpRequest.Builder unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(uri);
        if (body != null) {
            unsigned.putHeader("Content-Type", "application/json");
        }
        AwsCredentialsIdentity identity = credentials instanceof AwsSessionCredentials s
                ? AwsSessionCredentialsIdentity.create(s.accessKeyId(), s.secretAccessKey(), s.sessionToken())
                : AwsCredentialsIdentity.create(credentials.accessKeyId(), credentials.secretAccessKey());
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(identity).request(unsigned.build())
                .payload(ContentStreamProvider.fromByteArray(bytes))
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region())).request();
        signed.forEachHeader((name, values) -> {
            if (!SET_BY_THE_CLIENT.contains(name.toLowerCase(java.util.Locale.ROOT))
                    && !name.equalsIgnoreCase("Content-Type")) {
                values.forEach(v -> out.header(name, v));
            }
        });
        return out;
    }

    private static AwsCredentials credentials() {
        try {
            return AwsCredentialsProviderChain.of(EnvironmentVariableCredentialsProvider.create(),
                    SystemPropertyCredentialsProvider.create(), ProfileCredentialsProvider.create())
                    .resolveCredentials();
        } catch (SdkClientException e) {
            return null; // none configured: unsigned, for an open server
        }
    }

    private static String region() {
        String region = System.getenv("AWS_REGION");
        if (region == null || region.isBlank()) {
            region = System.getenv("AWS_DEFAULT_REGION");
        }
        return region == null || region.isBlank() ? "us-east-1" : region;
    }
}
