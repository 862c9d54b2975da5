package dev.localbedrock.runtime.events;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * The signature of a webhook POST: {@code sha256=} and the lower-case hex HMAC-SHA256, keyed with the webhook's
 * secret, of {@code <timestamp>.<body>}, where the timestamp is the {@value #TIMESTAMP_HEADER} header (Unix seconds).
 * Signing the timestamp with the body lets a receiver refuse replays of an old, validly signed POST.
 */
public final class EventSignature {
    public static final String SIGNATURE_HEADER = "X-Local-Bedrock-Signature";
    public static final String TIMESTAMP_HEADER = "X-Local-Bedrock-Timestamp";
    /** The event's id, the same on every retry of it: receivers de-duplicate on it. */
    public static final String EVENT_ID_HEADER = "X-Local-Bedrock-Event-Id";
    /** 1 for the first POST of an event, 2 for its first retry, ... */
    public static final String ATTEMPT_HEADER = "X-Local-Bedrock-Delivery-Attempt";

    private EventSignature() {
    }

    public static String sign(String secret, long timestampSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestampSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is in every JDK", e);
        }
    }
}
