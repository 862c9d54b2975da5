package dev.localbedrock.runtime.auth;

import dev.localbedrock.runtime.state.AccessKeyKind;

import java.time.Instant;

/**
 * What a listing shows of an access key: everything but the secret and the session token, which are shown once, by
 * the call that creates them, and never again.
 */
public record AccessKeyInfo(String accessKeyId, String principalName, String principalArn, AccessKeyKind kind,
                            boolean enabled, Instant createdAt, Instant expiresAt) {
}
