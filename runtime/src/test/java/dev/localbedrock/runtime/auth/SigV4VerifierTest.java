package dev.localbedrock.runtime.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

class SigV4VerifierTest {
    static final Instant NOW = Instant.parse("2025-03-14T15:09:26Z");
    static final SigningCredential ALICE = new SigningCredential("AKIAALICE0000000000", "alice/secret+KEY0123456789",
            "arn:aws:iam::000000000000:user/alice", null, null, true);
    static final SigningCredential TEMP = new SigningCredential("ASIATEMP00000000000", "temp-secret-abcdef",
            "arn:aws:sts::000000000000:assumed-role/Runner/job-7", "FwoGZXIvYXdzEBYaDH+token/==",
            NOW.plus(Duration.ofHours(1)), true);
    static final SigningCredential DISABLED = new SigningCredential("AKIADISABLED0000000", "disabled-secret",
            "arn:aws:iam::000000000000:user/bob", null, null, false);
    static final SigningCredential EXPIRED = new SigningCredential("ASIAEXPIRED00000000", "expired-secret",
            "arn:aws:sts::000000000000:assumed-role/Runner/old", "old-token", NOW.minusSeconds(1), true);

    final Map<String, SigningCredential> store = new HashMap<>(Map.of(ALICE.accessKeyId(), ALICE,
            TEMP.accessKeyId(), TEMP, DISABLED.accessKeyId(), DISABLED, EXPIRED.accessKeyId(), EXPIRED));
    final SigV4Verifier verifier = new SigV4Verifier(id -> Optional.ofNullable(store.get(id)),
            Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMinutes(15));

    // ---- the property: whatever the SDK signs verifies; any signed byte changed does not ----

    @Test
    void everyRequestTheSdkSignsVerifiesAndEveryTamperedOneIsRefused() {
        Random random = new Random(18);
        for (int i = 0; i < 400; i++) {
            SigningCredential credential = random.nextBoolean() ? ALICE : TEMP;
            byte[] body = randomBody(random);
            boolean presign = random.nextInt(5) == 0;
            SdkHttpRequest request = randomRequest(random, body, presign);
            SignedRequest signed = SdkSigner.sign(request, body, credential, NOW.minusSeconds(random.nextInt(600)),
                    "us-east-1", presign ? Duration.ofMinutes(10) : null);

            VerifiedCaller caller = verifier.verify(signed);
            assertEquals(credential.accessKeyId(), caller.accessKeyId(), signed.toString());
            assertEquals(credential.principalArn(), caller.principalArn());
            assertEquals(credential.temporary(), caller.temporary());
            assertEquals("us-east-1", caller.region());
            assertEquals("bedrock", caller.service());

            for (SignedRequest tampered : tamperings(signed, random)) {
                BedrockException e = assertThrows(BedrockException.class, () -> verifier.verify(tampered),
                        "tampered request verified: " + tampered + " " + tampered.headers());
                assertEquals(BedrockErrorType.INVALID_SIGNATURE, e.type(), e.getMessage() + " for " + tampered);
            }
        }
    }

    /**
     * Whatever a client puts in the signature's places (random bytes, cut or repeated parts, stray separators, huge
     * or non-ASCII values in the Authorization header, X-Amz-Date, the presigned query), the verifier answers with
     * one of AWS's 403 signature errors: never another exception, which the server would turn into a 500.
     */
    @Test
    void garbageInTheSignaturesPlacesIsAlwaysAnAws403() {
        Random random = new Random(4);
        java.util.Set<BedrockErrorType> signatureErrors = java.util.EnumSet.of(BedrockErrorType.INVALID_SIGNATURE,
                BedrockErrorType.INCOMPLETE_SIGNATURE, BedrockErrorType.UNRECOGNIZED_CLIENT,
                BedrockErrorType.MISSING_AUTHENTICATION_TOKEN, BedrockErrorType.EXPIRED_TOKEN);
        String[] pieces = {"AWS4-HMAC-SHA256", "Credential=", "SignedHeaders=", "Signature=", ",", " ", "/", "=",
                "aws4_request", "bedrock", "us-east-1", "20250314", "T", "Z", ";", "host", "x-amz-date",
                ALICE.accessKeyId(), "é", "\u0000", "%", "%zz", "&", "X-Amz-Algorithm=AWS4-HMAC-SHA256",
                "X-Amz-Credential=", "X-Amz-Signature=", "X-Amz-Expires=", "-1", "99999999999999999999",
                "X-Amz-SignedHeaders=", "X-Amz-Date=", "ffff", "20250314T150926Z"};
        for (int i = 0; i < 5000; i++) {
            byte[] body = randomBody(random);
            boolean presign = random.nextInt(4) == 0;
            SignedRequest good = SdkSigner.sign(randomRequest(random, body, presign), body, ALICE, NOW, "us-east-1",
                    presign ? Duration.ofMinutes(5) : null);
            Map<String, List<String>> headers = new LinkedHashMap<>(good.headers());
            String target = good.target();
            switch (random.nextInt(4)) {
                case 0 -> headers.put("Authorization", List.of(garble(random, pieces,
                        headers.getOrDefault("Authorization", List.of("")).get(0))));
                case 1 -> headers.put("X-Amz-Date", List.of(garble(random, pieces,
                        headers.getOrDefault("X-Amz-Date", List.of("")).get(0))));
                case 2 -> target = target + (target.contains("?") ? "&" : "?") + garble(random, pieces, "");
                default -> {
                    headers.remove(random.nextBoolean() ? "Authorization" : "X-Amz-Date");
                    headers.put("x-amz-content-sha256", List.of(garble(random, pieces, "")));
                }
            }
            SignedRequest bad = new SignedRequest(good.method(), target, headers, body);
            try {
                verifier.verify(bad);
            } catch (BedrockException e) {
                assertTrue(signatureErrors.contains(e.type()), e.type() + ": " + e.getMessage() + " for " + bad);
                assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
            }
        }
    }

    /** {@code original} cut, spliced and salted with signature-shaped pieces. */
    private static String garble(Random random, String[] pieces, String original) {
        StringBuilder b = new StringBuilder();
        if (!original.isEmpty() && random.nextBoolean()) {
            int from = random.nextInt(original.length());
            b.append(original, 0, from);
        }
        int n = random.nextInt(8);
        for (int k = 0; k < n; k++) {
            b.append(random.nextInt(5) == 0 ? Character.toString((char) random.nextInt(0x3000))
                    : pieces[random.nextInt(pieces.length)]);
        }
        if (!original.isEmpty() && random.nextBoolean()) {
            b.append(original.substring(random.nextInt(original.length())));
        }
        return b.toString();
    }

    private static SdkHttpRequest randomRequest(Random random, byte[] body, boolean presign) {
        SdkHttpMethod method = List.of(SdkHttpMethod.GET, SdkHttpMethod.POST, SdkHttpMethod.PUT,
                SdkHttpMethod.DELETE).get(random.nextInt(4));
        String[] modelIds = {"anthropic.claude-3-haiku-20240307-v1:0",
                "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-8b-instruct-v1:0",
                "arn:aws:bedrock:us-east-1:000000000000:inference-profile/us.amazon.nova-lite-v1:0",
                "tiny llama 100%", "a~b_c.d-e", "ünï/cødé"};
        StringBuilder path = new StringBuilder("/model/")
                .append(SdkHttpUtils.urlEncode(modelIds[random.nextInt(modelIds.length)]));
        path.append(List.of("/invoke", "/converse", "/invoke-with-response-stream", "/converse-stream", "")
                .get(random.nextInt(5)));
        if (random.nextInt(4) == 0) {
            path.append("/seg%20with%25:colon");
        }
        SdkHttpRequest.Builder builder = SdkHttpRequest.builder().method(method).protocol("http")
                .host("localhost").port(8000 + random.nextInt(100)).encodedPath(path.toString());
        int params = random.nextInt(4);
        for (int p = 0; p < params; p++) {
            String name = List.of("z", "a", "maxResults", "next token", "a")
                    .get(random.nextInt(5));
            builder.appendRawQueryParameter(name, List.of("1", "b", "x y", "100%", "a:b/c", "", "~é")
                    .get(random.nextInt(7)));
        }
        builder.putHeader("Content-Type", "application/json");
        builder.putHeader("X-Amzn-Bedrock-Trace", random.nextBoolean() ? "ENABLED" : "  DISABLED\t  now ");
        if (random.nextBoolean()) {
            builder.appendHeader("X-Custom-Multi", "first   value");
            builder.appendHeader("X-Custom-Multi", " second\tvalue ");
        }
        if (!presign && random.nextInt(3) == 0) {
            boolean unsigned = random.nextBoolean();
            // the SDK signs the payload over plain http whatever it is told: unsigned payloads need https
            builder.protocol(unsigned ? "https" : "http");
            builder.putHeader("x-amz-content-sha256", unsigned ? "UNSIGNED-PAYLOAD" : SigV4Verifier.sha256Hex(body));
        }
        if (!method.equals(SdkHttpMethod.GET) && body.length > 0) {
            builder.putHeader("Content-Length", Integer.toString(body.length));
        }
        return builder.build();
    }

    private static byte[] randomBody(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> new byte[0];
            case 1 -> "{\"inputText\":\"hello\",\"textGenerationConfig\":{\"maxTokenCount\":8}}"
                    .getBytes(StandardCharsets.UTF_8);
            default -> {
                byte[] bytes = new byte[1 + random.nextInt(2048)];
                random.nextBytes(bytes);
                yield bytes;
            }
        };
    }

    /** Each signed part of the request changed in one byte; none of these may verify. */
    private static List<SignedRequest> tamperings(SignedRequest r, Random random) {
        List<SignedRequest> out = new ArrayList<>();
        boolean unsigned = "UNSIGNED-PAYLOAD".equals(r.header("x-amz-content-sha256"));
        boolean presigned = r.rawQuery().contains("X-Amz-Signature=");
        if (!unsigned && !presigned) {
            byte[] body = r.body().length == 0 ? new byte[] {'x'} : r.body().clone();
            if (r.body().length > 0) {
                body[random.nextInt(body.length)] ^= (byte) (1 << random.nextInt(8));
            }
            out.add(new SignedRequest(r.method(), r.target(), r.headers(), body));
        }
        out.add(new SignedRequest(r.method().equals("POST") ? "PUT" : "POST", r.target(), r.headers(), r.body()));
        out.add(new SignedRequest(r.method(), r.rawPath() + "x" + query(r), r.headers(), r.body()));
        out.add(new SignedRequest(r.method(), r.rawPath().replaceFirst("/model/", "/modeL/") + query(r), r.headers(),
                r.body()));
        out.add(new SignedRequest(r.method(), r.rawPath() + (r.rawQuery().isEmpty() ? "?extra=1"
                : "?" + r.rawQuery() + "&extra=1"), r.headers(), r.body()));
        out.add(withHeader(r, "Content-Type", "application/jsoN"));
        out.add(withHeader(r, "Host", r.header("Host") + "0"));
        if (!presigned) {
            Instant date = Instant.from(java.time.format.DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmssX")
                    .parse(r.header("X-Amz-Date")));
            out.add(withHeader(r, "X-Amz-Date", java.time.format.DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'")
                    .format(date.plusSeconds(1).atOffset(ZoneOffset.UTC))));
            String auth = r.header("Authorization");
            int sig = auth.indexOf("Signature=") + "Signature=".length() + random.nextInt(64);
            char c = auth.charAt(sig);
            out.add(withHeader(r, "Authorization", auth.substring(0, sig) + (c == '0' ? '1' : '0')
                    + auth.substring(sig + 1)));
        } else {
            String q = r.rawQuery();
            int sig = q.indexOf("X-Amz-Signature=") + "X-Amz-Signature=".length() + random.nextInt(64);
            char c = q.charAt(sig);
            out.add(new SignedRequest(r.method(), r.rawPath() + "?" + q.substring(0, sig) + (c == '0' ? '1' : '0')
                    + q.substring(sig + 1), r.headers(), r.body()));
        }
        return out;
    }

    private static String query(SignedRequest r) {
        return r.rawQuery().isEmpty() ? "" : "?" + r.rawQuery();
    }

    static SignedRequest withHeader(SignedRequest r, String name, String value) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        r.headers().forEach((n, v) -> {
            if (!n.equalsIgnoreCase(name)) {
                headers.put(n, v);
            }
        });
        if (value != null) {
            headers.put(name, List.of(value));
        }
        return new SignedRequest(r.method(), r.target(), headers, r.body());
    }

    static SignedRequest withoutHeader(SignedRequest r, String name) {
        return withHeader(r, name, null);
    }

    // ---- the refusals, in AWS's words ----

    private SignedRequest invokeSignedBy(SigningCredential credential, Instant at) {
        byte[] body = "{\"prompt\":\"hi\"}".getBytes(StandardCharsets.UTF_8);
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.POST).protocol("http")
                .host("localhost").port(8080).encodedPath("/model/" + SdkHttpUtils.urlEncode(
                        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2") + "/invoke")
                .putHeader("Content-Type", "application/json").build();
        return SdkSigner.sign(request, body, credential, at, "us-west-2", null);
    }

    private BedrockException refusal(SignedRequest request) {
        return assertThrows(BedrockException.class, () -> verifier.verify(request));
    }

    @Test
    void unknownAndDisabledKeysGetAwsUnrecognizedClient() {
        SigningCredential stranger = new SigningCredential("AKIASTRANGER0000000", "x", "arn:aws:iam::1:user/x",
                null, null, true);
        for (SigningCredential credential : List.of(stranger, DISABLED)) {
            BedrockException e = refusal(invokeSignedBy(credential, NOW));
            assertEquals(BedrockErrorType.UNRECOGNIZED_CLIENT, e.type());
            assertEquals("The security token included in the request is invalid.", e.getMessage());
        }
    }

    @Test
    void wrongSecretGetsAwsSignatureMismatch() {
        SigningCredential forged = new SigningCredential(ALICE.accessKeyId(), "not-alice's-secret",
                ALICE.principalArn(), null, null, true);
        BedrockException e = refusal(invokeSignedBy(forged, NOW));
        assertEquals(BedrockErrorType.INVALID_SIGNATURE, e.type());
        assertEquals("The request signature we calculated does not match the signature you provided. Check your "
                + "AWS Secret Access Key and signing method. Consult the service documentation for details.",
                e.getMessage());
    }

    @Test
    void temporaryKeysNeedTheirOwnSessionTokenAndLongTermKeysNone() {
        assertTrue(verifier.verify(invokeSignedBy(TEMP, NOW)).temporary());
        SigningCredential wrongToken = new SigningCredential(TEMP.accessKeyId(), TEMP.secretAccessKey(),
                TEMP.principalArn(), "someone-else's-token", null, true);
        SigningCredential noToken = new SigningCredential(TEMP.accessKeyId(), TEMP.secretAccessKey(),
                TEMP.principalArn(), null, null, true);
        SigningCredential strayToken = new SigningCredential(ALICE.accessKeyId(), ALICE.secretAccessKey(),
                ALICE.principalArn(), "stale-session-token", null, true);
        for (SigningCredential signer : List.of(wrongToken, noToken, strayToken)) {
            BedrockException e = refusal(invokeSignedBy(signer, NOW));
            assertEquals(BedrockErrorType.UNRECOGNIZED_CLIENT, e.type(), signer.toString());
            assertEquals("The security token included in the request is invalid.", e.getMessage());
        }
    }

    @Test
    void expiredTemporaryKeyGetsAwsExpiredToken() {
        BedrockException e = refusal(invokeSignedBy(EXPIRED, NOW));
        assertEquals(BedrockErrorType.EXPIRED_TOKEN, e.type());
        assertEquals("The security token included in the request is expired", e.getMessage());
    }

    @Test
    void signingTimeOutsideTheSkewIsRefusedBothWays() {
        assertEquals(ALICE.accessKeyId(), verifier.verify(invokeSignedBy(ALICE, NOW.minusSeconds(900)))
                .accessKeyId());
        assertEquals(ALICE.accessKeyId(), verifier.verify(invokeSignedBy(ALICE, NOW.plusSeconds(900)))
                .accessKeyId());

        BedrockException past = refusal(invokeSignedBy(ALICE, NOW.minusSeconds(901)));
        assertEquals(BedrockErrorType.INVALID_SIGNATURE, past.type());
        assertEquals("Signature expired: 20250314T145425Z is now earlier than 20250314T145426Z "
                + "(20250314T150926Z - 15 min.)", past.getMessage());

        BedrockException future = refusal(invokeSignedBy(ALICE, NOW.plusSeconds(901)));
        assertEquals(BedrockErrorType.INVALID_SIGNATURE, future.type());
        assertEquals("Signature not yet current: 20250314T152427Z is still later than 20250314T152426Z "
                + "(20250314T150926Z + 15 min.)", future.getMessage());
    }

    @Test
    void noSignatureAtAllIsAMissingToken() {
        SignedRequest unsigned = withoutHeader(invokeSignedBy(ALICE, NOW), "Authorization");
        assertFalse(SigV4Verifier.isSigned(unsigned));
        BedrockException e = refusal(unsigned);
        assertEquals(BedrockErrorType.MISSING_AUTHENTICATION_TOKEN, e.type());
        assertEquals("Missing Authentication Token", e.getMessage());
    }

    @Test
    void malformedAuthorizationNamesWhatIsMissing() {
        SignedRequest signed = invokeSignedBy(ALICE, NOW);
        String auth = signed.header("Authorization");
        String noSignature = auth.substring(0, auth.indexOf(", Signature="));
        BedrockException e = refusal(withHeader(signed, "Authorization", noSignature));
        assertEquals(BedrockErrorType.INCOMPLETE_SIGNATURE, e.type());
        assertEquals("Authorization header requires 'Signature' parameter.", e.getMessage());

        e = refusal(withHeader(signed, "Authorization", "AWS4-HMAC-SHA256 Signature=abc"));
        assertEquals("Authorization header requires 'Credential' parameter. Authorization header requires "
                + "'SignedHeaders' parameter.", e.getMessage());

        e = refusal(withoutHeader(signed, "X-Amz-Date"));
        assertEquals(BedrockErrorType.INCOMPLETE_SIGNATURE, e.type());
        assertTrue(e.getMessage().contains("'X-Amz-Date' or a 'Date' header"), e.getMessage());

        e = refusal(withHeader(signed, "Authorization", auth.replace("/aws4_request", "/aws5_request")));
        assertEquals("Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.",
                e.getMessage());

        e = refusal(withHeader(signed, "Authorization", auth.replaceFirst("SignedHeaders=[^,]*",
                "SignedHeaders=content-type;x-amz-date")));
        assertEquals("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.", e.getMessage());

        e = refusal(withHeader(signed, "Authorization", "Bearer abc"));
        assertEquals(BedrockErrorType.INCOMPLETE_SIGNATURE, e.type());

        e = refusal(withHeader(signed, "X-Amz-Date", "2025-03-14T15:09:26Z"));
        assertEquals(BedrockErrorType.INCOMPLETE_SIGNATURE, e.type());
        assertTrue(e.getMessage().startsWith("Date must be in ISO-8601 'basic format'."), e.getMessage());

        e = refusal(withHeader(signed, "X-Amz-Date", "20250313T150926Z"));
        assertEquals(BedrockErrorType.INVALID_SIGNATURE, e.type());
        assertTrue(e.getMessage().startsWith("Date in Credential scope does not match YYYYMMDD"), e.getMessage());
    }

    @Test
    void payloadHashDeclaredMustMatchAndStreamingIsRefused() {
        byte[] body = "{\"x\":1}".getBytes(StandardCharsets.UTF_8);
        SdkHttpRequest.Builder base = SdkHttpRequest.builder().method(SdkHttpMethod.POST).protocol("https")
                .host("localhost").encodedPath("/model/m/invoke");
        SignedRequest unsignedPayload = SdkSigner.sign(base.copy().putHeader("x-amz-content-sha256",
                "UNSIGNED-PAYLOAD").build(), body, ALICE, NOW, "us-east-1", null);
        assertEquals(ALICE.accessKeyId(), verifier.verify(unsignedPayload).accessKeyId());
        // UNSIGNED-PAYLOAD leaves the body out of the signature, as on AWS: another body still verifies
        verifier.verify(new SignedRequest("POST", unsignedPayload.target(), unsignedPayload.headers(),
                "other".getBytes(StandardCharsets.UTF_8)));

        SignedRequest declared = SdkSigner.sign(base.copy().putHeader("x-amz-content-sha256",
                SigV4Verifier.sha256Hex(body)).build(), body, ALICE, NOW, "us-east-1", null);
        verifier.verify(declared);
        BedrockException e = refusal(new SignedRequest("POST", declared.target(), declared.headers(), new byte[1]));
        assertEquals(BedrockErrorType.INVALID_SIGNATURE, e.type());
        assertEquals("The provided 'x-amz-content-sha256' header does not match what was computed.",
                e.getMessage());

        for (String streaming : List.of("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                "STREAMING-AWS4-HMAC-SHA256-EVENTS")) {
            e = refusal(withHeader(declared, "x-amz-content-sha256", streaming));
            assertEquals(BedrockErrorType.INCOMPLETE_SIGNATURE, e.type());
            assertTrue(e.getMessage().contains("chunked payload signing") && e.getMessage().contains(streaming),
                    e.getMessage());
        }
        e = refusal(withHeader(declared, "x-amz-content-sha256", "not-a-hash"));
        assertEquals(BedrockErrorType.INCOMPLETE_SIGNATURE, e.type());
    }

    @Test
    void presignedUrlsFromTheSdkVerifyUntilTheyExpire() {
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.GET).protocol("http")
                .host("localhost").port(8080).encodedPath("/foundation-models")
                .appendRawQueryParameter("byProvider", "Meta").build();
        SignedRequest presigned = SdkSigner.sign(request, new byte[0], TEMP, NOW.minusSeconds(299), "eu-west-1",
                Duration.ofMinutes(5));
        assertTrue(presigned.rawQuery().contains("X-Amz-Expires=300"), presigned.target());
        assertTrue(presigned.header("Authorization") == null);
        VerifiedCaller caller = verifier.verify(presigned);
        assertEquals(TEMP.principalArn(), caller.principalArn());
        assertEquals("eu-west-1", caller.region());

        SignedRequest stale = SdkSigner.sign(request, new byte[0], TEMP, NOW.minusSeconds(301), "eu-west-1",
                Duration.ofMinutes(5));
        BedrockException e = refusal(stale);
        assertEquals(BedrockErrorType.INVALID_SIGNATURE, e.type());
        assertTrue(e.getMessage().startsWith("Signature expired: "), e.getMessage());

        String withoutSignature = presigned.target().replaceAll("&?X-Amz-Signature=[0-9a-f]+", "");
        e = refusal(new SignedRequest("GET", withoutSignature, presigned.headers(), new byte[0]));
        assertEquals(BedrockErrorType.INCOMPLETE_SIGNATURE, e.type());
        assertTrue(e.getMessage().startsWith("AWS query-string parameters must include"), e.getMessage());

        String noToken = presigned.target().replaceAll("&?X-Amz-Security-Token=[^&]+", "");
        assertEquals(BedrockErrorType.UNRECOGNIZED_CLIENT,
                refusal(new SignedRequest("GET", noToken, presigned.headers(), new byte[0])).type());
    }

    @Test
    void signingKeysAreCachedPerScopeAndRenewedWhenTheSecretChanges() {
        verifier.verify(invokeSignedBy(ALICE, NOW));
        verifier.verify(invokeSignedBy(ALICE, NOW.minusSeconds(10)));
        assertEquals(1, verifier.cachedSigningKeys());
        SigningCredential rotated = new SigningCredential(ALICE.accessKeyId(), "rotated-secret", ALICE.principalArn(),
                null, null, true);
        store.put(ALICE.accessKeyId(), rotated);
        assertEquals(BedrockErrorType.INVALID_SIGNATURE, refusal(invokeSignedBy(ALICE, NOW)).type());
        verifier.verify(invokeSignedBy(rotated, NOW));
    }

    @Test
    void canonicalPathIsNormalizedAndEncodedAgainLikeTheSdks() {
        assertEquals("/model/a/invoke", CanonicalRequest.normalizePath("/model//a/./b/../invoke"));
        assertEquals("/", CanonicalRequest.normalizePath(""));
        assertEquals("/a/", CanonicalRequest.normalizePath("/a/"));
        assertEquals("%253A%2520~", CanonicalRequest.reencode("%253A%2520~"));
        assertEquals("a%3Ab%20c", CanonicalRequest.reencode("a%3ab c"));
        assertEquals("%2B", CanonicalRequest.reencode("+"));
    }
}
