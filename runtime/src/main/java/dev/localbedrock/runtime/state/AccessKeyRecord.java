package dev.localbedrock.runtime.state;

import java.time.Instant;
import java.util.Objects;

/**
 * A stored access key. The secret and the session token are sealed (encrypted and authenticated under the master
 * key, see {@code auth.SecretSealer}); this layer never sees them in the clear.
 *
 * @param accessKeyId the key id
 * @param principalName the principal it acts as
 * @param principalArn that principal's ARN (joined in on reads; ignored on insert)
 * @param kind long-term or temporary
 * @param sealedSecret the sealed secret access key
 * @param sealedSessionToken the sealed session token of temporary credentials; null for a long-term key
 * @param enabled false once disabled
 * @param createdAt when it was created
 * @param expiresAt when it stops working; null for a long-term key
 */
public record AccessKeyRecord(String accessKeyId, String principalName, String principalArn, AccessKeyKind kind,
                              String sealedSecret, String sealedSessionToken, boolean enabled, Instant createdAt,
                              Instant expiresAt) {
    public AccessKeyRecord {
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(principalName, "principalName");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(sealedSecret, "sealedSecret");
        createdAt = Timestamps.normalize(Objects.requireNonNull(createdAt, "createdAt"));
        expiresAt = Timestamps.normalize(expiresAt);
    }

    /** Leaves the sealed values out: they are ciphertext, but logs have no use for them. */
    @Override
    public String toString() {
        return "AccessKeyRecord[" + accessKeyId + " → " + principalName + ", " + kind.stored()
                + (enabled ? "" : ", disabled") + (expiresAt == null ? "" : ", expires " + expiresAt) + "]";
    }
}
