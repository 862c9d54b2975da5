package dev.localbedrock.runtime.auth;

import java.util.Optional;

/**
 * Looks up the credential behind an access key id, for the SigV4 verifier. Called once per signed request, on a
 * decode thread (never the event loop): an implementation may read the durable state but should cache.
 */
@FunctionalInterface
public interface CredentialResolver {
    /** The key's credential (enabled or not, expired or not: the verifier decides), or empty when unknown. */
    Optional<SigningCredential> find(String accessKeyId);
}
