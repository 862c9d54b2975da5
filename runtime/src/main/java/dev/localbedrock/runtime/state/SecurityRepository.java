package dev.localbedrock.runtime.state;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Principals, their access keys and their attached policies. Every change bumps the security generation in the
 * same transaction, so a reader that polls {@link #generation()} sees every change, whichever process made it.
 */
public interface SecurityRepository {
    /** The counter every change bumps. */
    long generation();

    /** Inserts {@code principal} unless one with its name exists. @return the stored principal (the existing one) */
    PrincipalRecord createPrincipalIfAbsent(PrincipalRecord principal);

    Optional<PrincipalRecord> findPrincipal(String name);

    List<PrincipalRecord> principals();

    /** Inserts a key; its principal must exist. @throws DuplicateResourceException when the id is taken */
    void insertKey(AccessKeyRecord key);

    /** The key and the generation it was read at. */
    AtGeneration<Optional<AccessKeyRecord>> findKey(String accessKeyId);

    /** Keys ordered by principal then creation, all of them when {@code principalName} is null. */
    List<AccessKeyRecord> listKeys(String principalName);

    /** @return whether the key exists */
    boolean setKeyEnabled(String accessKeyId, boolean enabled);

    /** @return whether there was such a key */
    boolean deleteKey(String accessKeyId);

    /** Deletes temporary keys that expired before {@code before}. @return how many */
    int deleteTemporaryKeysExpiredBefore(Instant before);

    /** Attaches a policy, replacing one of the same name on the same principal (which must exist). */
    void putPolicy(PolicyRecord policy);

    /** @return whether the principal had a policy of that name */
    boolean deletePolicy(String principalName, String policyName);

    /** The principal's policies ordered by name. */
    List<PolicyRecord> policies(String principalName);

    /** The policies of the principal with that ARN (none when there is no such principal), with the generation. */
    AtGeneration<List<PolicyRecord>> policiesOfArn(String principalArn);
}
