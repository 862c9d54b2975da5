package dev.localbedrock.runtime.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/** Signs requests with the AWS SDK for Java's own SigV4 signer, the oracle the verifier is checked against. */
final class SdkSigner {
    private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();

    private SdkSigner() {}

    static AwsCredentialsIdentity identity(SigningCredential credential) {
        return credential.sessionToken() == null
                ? AwsCredentialsIdentity.create(credential.accessKeyId(), credential.secretAccessKey())
                : AwsSessionCredentialsIdentity.create(credential.accessKeyId(), credential.secretAccessKey(),
                        credential.sessionToken());
    }

    /** Signs with the Authorization header (or, with {@code presignFor} set, a presigned query). */
    static SignedRequest sign(SdkHttpRequest request, byte[] body, SigningCredential credential, Instant at,
                              String region, Duration presignFor) {
        var signed = SIGNER.sign(r -> {
            r.identity(identity(credential))
                    .request(request)
                    .payload(body.length == 0 && presignFor != null ? null : ContentStreamProvider.fromByteArray(body))
                    .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                    .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC));
            if (request.firstMatchingHeader("x-amz-content-sha256").filter("UNSIGNED-PAYLOAD"::equals)
                    .isPresent()) {
                r.putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false);
            }
            if (presignFor != null) {
                r.putProperty(AwsV4FamilyHttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                        .putProperty(AwsV4FamilyHttpSigner.EXPIRATION_DURATION, presignFor);
            }
        });
        SignedRequest received = received(signed.request(), body);
        String declared = request.firstMatchingHeader("x-amz-content-sha256").orElse(null);
        if (declared != null && !declared.equals(received.header("x-amz-content-sha256"))) {
            throw new IllegalStateException("the SDK signed another payload form than " + declared);
        }
        return received;
    }

    /** The request as a server receives it: the target as the SDK writes it on the wire, its headers, its body. */
    static SignedRequest received(SdkHttpRequest request, byte[] body) {
        String target = request.encodedPath().isEmpty() ? "/" : request.encodedPath();
        target += request.encodedQueryParameters().map(q -> "?" + q).orElse("");
        Map<String, List<String>> headers = new LinkedHashMap<>(request.headers());
        return new SignedRequest(request.method().name(), target, headers, body);
    }
}
