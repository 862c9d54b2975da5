package dev.localbedrock.runtime.auth;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks a request's AWS Signature Version 4 the way AWS does, and says who signed it.
 *
 * <p><b>What is accepted.</b>
 * <ul>
 *   <li>{@code Authorization: AWS4-HMAC-SHA256 Credential=<key>/<yyyymmdd>/<region>/<service>/aws4_request,
 *       SignedHeaders=…, Signature=…}, with the signing time from {@code X-Amz-Date} (or, failing that, {@code Date});
 *       </li>
 *   <li>presigned requests: {@code X-Amz-Algorithm}, {@code X-Amz-Credential}, {@code X-Amz-Date},
 *       {@code X-Amz-Expires} (1 s to 7 days; 7 days when absent), {@code X-Amz-SignedHeaders},
 *       {@code X-Amz-Signature} (and {@code X-Amz-Security-Token}) in the query;</li>
 *   <li>the payload as {@code x-amz-content-sha256} names it: a hex SHA-256 (checked against the body), or
 *       {@code UNSIGNED-PAYLOAD}; without the header, the body's SHA-256 (what every SDK signs for Bedrock). A
 *       presigned request without the header may have signed either, and both are tried;</li>
 *   <li>temporary credentials, whose {@code X-Amz-Security-Token} must equal the stored session token.</li>
 * </ul>
 *
 * <p><b>What is refused, and why.</b> The chunked {@code STREAMING-…} payload modes (IncompleteSignatureException):
 * they sign the body chunk by chunk as it arrives, which no Bedrock operation this server serves uses (the SDKs sign
 * InvokeModel and Converse bodies whole), and accepting the seed signature alone would leave the body unsigned.
 * SigV4a ({@code AWS4-ECDSA-P256-SHA256}) likewise. A long-term key sent with a session token is refused as AWS
 * refuses it (a stale {@code AWS_SESSION_TOKEN} next to fresh long-term keys gets "The security token included in
 * the request is invalid.").
 *
 * <p><b>Canonical form.</b> The canonical request is rebuilt from the bytes as received, over exactly the client's
 * SignedHeaders list (see {@link CanonicalRequest} for the URI, query and header rules, taken from the Java, Python
 * and JavaScript SDKs, which all encode the path a second time for non-S3 services). Signatures are compared in
 * constant time ({@link MessageDigest#isEqual}).
 *
 * <p><b>Errors</b>, in AWS's words (all 403): no signature at all → MissingAuthenticationTokenException
 * "Missing Authentication Token"; a malformed or partial one → IncompleteSignatureException naming what is missing;
 * an unknown key, a disabled one (AWS answers an inactive key exactly as an unknown one), a missing or wrong session
 * token → UnrecognizedClientException "The security token included in the request is invalid."; an expired
 * temporary key → ExpiredTokenException; a signing time more than the allowed skew away from now, either way, or
 * past a presigned request's expiry, or a mismatch → InvalidSignatureException.
 *
 * <p><b>Cost.</b> The derived signing key is cached per key, day, region and service ({@link SigningKeyCache}), so a
 * verification is two SHA-256 passes (body and canonical request) and one HMAC. Thread-safe.
 */
public final class SigV4Verifier {
    public static final Duration DEFAULT_SKEW = Duration.ofMinutes(15);
    static final String SIGNATURE_MISMATCH = "The request signature we calculated does not match the signature you "
            + "provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for "
            + "details.";
    static final String INVALID_TOKEN = "The security token included in the request is invalid.";
    static final String EXPIRED_TOKEN = "The security token included in the request is expired";
    static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
    private static final DateTimeFormatter BASIC = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'");
    private static final HexFormat HEX = HexFormat.of();
    private static final int KEY_CACHE_ENTRIES = 10_000;

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    });
    private static final ThreadLocal<Mac> HMAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    });

    private final CredentialResolver credentials;
    private final Clock clock;
    private final Duration skew;
    private final SigningKeyCache keys = new SigningKeyCache(KEY_CACHE_ENTRIES);

    public SigV4Verifier(CredentialResolver credentials, Clock clock, Duration skew) {
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.skew = Objects.requireNonNull(skew, "skew");
    }

    public SigV4Verifier(CredentialResolver credentials, Clock clock) {
        this(credentials, clock, DEFAULT_SKEW);
    }

    /** Whether the request carries any SigV4 signature at all (header or presigned query). */
    public static boolean isSigned(SignedRequest request) {
        return request.header("Authorization") != null || isPresigned(request.rawQuery());
    }

    /**
     * The caller, once the request's signature is the one its key makes.
     *
     * @throws BedrockException with the type and message AWS answers for the failure
     */
    public VerifiedCaller verify(SignedRequest request) {
        SignatureParts parts = parse(request);
        Instant signedAt = parseAmzDate(parts.amzDate());
        String dateOfSigning = parts.amzDate().substring(0, 8);
        if (!parts.scopeDate().equals(dateOfSigning)) {
            throw new BedrockException(BedrockErrorType.INVALID_SIGNATURE,
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"
                            + parts.scopeDate() + "' != '" + dateOfSigning + "', from '" + parts.amzDate() + "'.");
        }

        SigningCredential credential = credentials.find(parts.accessKeyId())
                .filter(SigningCredential::enabled)
                .orElseThrow(() -> new BedrockException(BedrockErrorType.UNRECOGNIZED_CLIENT, INVALID_TOKEN));
        checkToken(credential, parts.securityToken());
        Instant now = clock.instant();
        if (credential.expiredAt(now)) {
            throw new BedrockException(BedrockErrorType.EXPIRED_TOKEN, EXPIRED_TOKEN);
        }
        checkTime(parts, signedAt, now);

        byte[] signingKey = keys.signingKey(credential, parts.scopeDate(), parts.region(), parts.service());
        String declared = request.header("x-amz-content-sha256");
        boolean matches;
        if (declared != null || !parts.presigned()) {
            matches = signatureMatches(request, parts, signingKey, payloadHash(declared, request.body()));
        } else {
            // A presigned URL's signer chose the payload form without saying which: try both.
            matches = signatureMatches(request, parts, signingKey, sha256Hex(request.body()))
                    || signatureMatches(request, parts, signingKey, UNSIGNED_PAYLOAD);
        }
        if (!matches) {
            throw new BedrockException(BedrockErrorType.INVALID_SIGNATURE, SIGNATURE_MISMATCH);
        }
        return new VerifiedCaller(credential.accessKeyId(), credential.principalArn(), credential.temporary(),
                parts.region(), parts.service());
    }

    private static SignatureParts parse(SignedRequest request) {
        String authorization = request.header("Authorization");
        if (authorization != null) {
            if (!authorization.startsWith(SignatureParts.ALGORITHM + " ")) {
                throw SignatureParts.incomplete("Unsupported Authorization Type: only "
                        + SignatureParts.ALGORITHM + " (Signature Version 4) is accepted");
            }
            String amzDate = request.header("X-Amz-Date");
            if (amzDate == null && request.header("Date") != null) {
                amzDate = fromHttpDate(request.header("Date"));
            }
            return SignatureParts.fromHeader(authorization, amzDate, request.header("X-Amz-Security-Token"));
        }
        if (isPresigned(request.rawQuery())) {
            return SignatureParts.fromQuery(request.rawQuery());
        }
        throw new BedrockException(BedrockErrorType.MISSING_AUTHENTICATION_TOKEN, "Missing Authentication Token");
    }

    static boolean isPresigned(String rawQuery) {
        return rawQuery.contains("X-Amz-Signature=") || rawQuery.contains("X-Amz-Credential=")
                || rawQuery.contains("X-Amz-Algorithm=");
    }

    /** A temporary key must send its own session token; a long-term key must send none (as AWS answers). */
    private static void checkToken(SigningCredential credential, String sent) {
        boolean ok;
        if (credential.sessionToken() == null) {
            ok = sent == null;
        } else {
            ok = sent != null && MessageDigest.isEqual(sent.getBytes(StandardCharsets.UTF_8),
                    credential.sessionToken().getBytes(StandardCharsets.UTF_8));
        }
        if (!ok) {
            throw new BedrockException(BedrockErrorType.UNRECOGNIZED_CLIENT, INVALID_TOKEN);
        }
    }

    private void checkTime(SignatureParts parts, Instant signedAt, Instant now) {
        if (parts.presigned()) {
            Instant validFrom = now.minusSeconds(parts.expiresSeconds());
            if (signedAt.isBefore(validFrom)) {
                throw new BedrockException(BedrockErrorType.INVALID_SIGNATURE, "Signature expired: "
                        + parts.amzDate() + " is now earlier than " + basic(validFrom) + " (" + basic(now) + " - "
                        + parts.expiresSeconds() + " sec.)");
            }
        } else {
            Instant earliest = now.minus(skew);
            if (signedAt.isBefore(earliest)) {
                throw new BedrockException(BedrockErrorType.INVALID_SIGNATURE, "Signature expired: "
                        + parts.amzDate() + " is now earlier than " + basic(earliest) + " (" + basic(now) + " - "
                        + skew.toMinutes() + " min.)");
            }
        }
        Instant latest = now.plus(skew);
        if (signedAt.isAfter(latest)) {
            throw new BedrockException(BedrockErrorType.INVALID_SIGNATURE, "Signature not yet current: "
                    + parts.amzDate() + " is still later than " + basic(latest) + " (" + basic(now) + " + "
                    + skew.toMinutes() + " min.)");
        }
    }

    /** What the canonical request ends with, once the declared payload hash has been checked against the body. */
    private static String payloadHash(String declared, byte[] body) {
        if (declared == null) {
            return sha256Hex(body);
        }
        if (declared.equals(UNSIGNED_PAYLOAD)) {
            return declared;
        }
        if (declared.startsWith("STREAMING-")) {
            throw SignatureParts.incomplete("x-amz-content-sha256 '" + clip(declared) + "' (chunked payload "
                    + "signing) is not supported: sign the whole body (its hex SHA-256) or send UNSIGNED-PAYLOAD");
        }
        if (declared.length() != 64 || !isHex(declared)) {
            throw SignatureParts.incomplete("x-amz-content-sha256 must be the hex SHA-256 of the body or "
                    + "UNSIGNED-PAYLOAD, got '" + clip(declared) + "'");
        }
        byte[] actual = sha256Hex(body).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(actual, declared.toLowerCase(java.util.Locale.ROOT)
                .getBytes(StandardCharsets.US_ASCII))) {
            throw new BedrockException(BedrockErrorType.INVALID_SIGNATURE,
                    "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }
        return declared;
    }

    private static boolean signatureMatches(SignedRequest request, SignatureParts parts, byte[] signingKey,
                                            String payloadHash) {
        String canonical = CanonicalRequest.build(request.method(), request.rawPath(), request.rawQuery(),
                parts.presigned() ? "X-Amz-Signature" : null, parts.signedHeaders(), request, payloadHash);
        String stringToSign = SignatureParts.ALGORITHM + '\n' + parts.amzDate() + '\n' + parts.scope() + '\n'
                + sha256Hex(canonical.getBytes(StandardCharsets.UTF_8));
        byte[] expected;
        try {
            Mac mac = HMAC.get();
            mac.init(new SecretKeySpec(signingKey, "HmacSHA256"));
            expected = HEX.formatHex(mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8)))
                    .getBytes(StandardCharsets.US_ASCII);
        } catch (java.security.InvalidKeyException e) {
            throw new IllegalStateException("an HMAC key of 32 bytes is always valid", e);
        }
        return MessageDigest.isEqual(expected, parts.signature().getBytes(StandardCharsets.US_ASCII));
    }

    static String sha256Hex(byte[] data) {
        MessageDigest digest = SHA256.get();
        digest.reset();
        return HEX.formatHex(digest.digest(data));
    }

    private static Instant parseAmzDate(String amzDate) {
        try {
            return LocalDateTime.parse(amzDate, BASIC).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw SignatureParts.incomplete("Date must be in ISO-8601 'basic format'. Got '" + clip(amzDate)
                    + "'. See http://en.wikipedia.org/wiki/ISO_8601");
        }
    }

    /** A {@code Date} header (RFC 1123) as the ISO 8601 basic time the string to sign then holds. */
    private static String fromHttpDate(String date) {
        try {
            return basic(ZonedDateTime.parse(date.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        } catch (DateTimeParseException e) {
            return date; // parseAmzDate refuses it, naming what was sent
        }
    }

    private static String basic(Instant instant) {
        return BASIC.format(instant.atOffset(ZoneOffset.UTC));
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (CanonicalRequest.hexValue(s.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Client text echoed in an error, kept short. */
    private static String clip(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }

    /** For tests and diagnostics: how many derived keys the cache holds. */
    int cachedSigningKeys() {
        return keys.size();
    }
}
