package dev.localbedrock.runtime.auth;

import java.time.Instant;
import java.util.Objects;

/**
 * What the server holds for one access key id, in the clear only in memory: the secret SigV4 needs to recompute a
 * signature (SigV4 is a MAC, so the verifier must know the secret itself; a hash of it cannot verify anything),
 * the principal the key acts as, and what limits its use.
 *
 * @param accessKeyId the id clients put in the credential scope ({@code AKIA…} long-term, {@code ASIA…} temporary)
 * @param secretAccessKey the secret, decrypted
 * @param principalArn who the key acts as, e.g. {@code arn:aws:iam::000000000000:user/alice}
 * @param sessionToken the token temporary credentials must send in {@code X-Amz-Security-Token}; null for a
 *     long-term key (which must not send one)
 * @param expiresAt after this instant the key is refused; null for a key that does not expire
 * @param enabled false once disabled: refused like an unknown key would not be, with AWS's own wording
 */
public record SigningCredential(String accessKeyId, String secretAccessKey, String principalArn, String sessionToken,
                                Instant expiresAt, boolean enabled) {
    public SigningCredential {
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(secretAccessKey, "secretAccessKey");
        Objects.requireNonNull(principalArn, "principalArn");
    }

    public boolean temporary() {
        return sessionToken != null;
    }

    public boolean expiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    /** Never prints the secret or the session token (records print every component otherwise). */
    @Override
    public String toString() {
        return "SigningCredential[" + accessKeyId + " → " + principalArn + (enabled ? "" : ", disabled")
                + (expiresAt == null ? "" : ", expires " + expiresAt) + "]";
    }
}
