package dev.localbedrock.runtime.auth;

import java.time.Instant;

/**
 * A new access key as handed to its owner, the only time the secret leaves the server in the clear.
 *
 * @param accessKeyId the key id
 * @param secretAccessKey the secret
 * @param sessionToken the session token of temporary credentials; null for a long-term key
 * @param principalArn who the key acts as
 * @param expiresAt when temporary credentials stop working; null for a long-term key
 */
public record IssuedCredentials(String accessKeyId, String secretAccessKey, String sessionToken,
                                String principalArn, Instant expiresAt) {
    /** Never prints the secret or the token. */
    @Override
    public String toString() {
        return "IssuedCredentials[" + accessKeyId + " → " + principalArn
                + (expiresAt == null ? "" : ", expires " + expiresAt) + "]";
    }
}
