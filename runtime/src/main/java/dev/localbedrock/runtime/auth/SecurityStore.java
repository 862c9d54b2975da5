package dev.localbedrock.runtime.auth;

import dev.localbedrock.runtime.iam.PolicyDocument;
import dev.localbedrock.runtime.iam.PolicyValidationException;
import dev.localbedrock.runtime.state.AccessKeyKind;
import dev.localbedrock.runtime.state.AccessKeyRecord;
import dev.localbedrock.runtime.state.DuplicateResourceException;
import dev.localbedrock.runtime.state.PolicyRecord;
import dev.localbedrock.runtime.state.PrincipalRecord;
import dev.localbedrock.runtime.state.SecurityRepository;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Administers principals, their access keys and their policies in the state database: what the command line and
 * (later) an admin API call. Every change commits with a bump of the security generation, which a running
 * server's {@link PrincipalDirectory} polls. Secrets and session tokens are stored sealed ({@link SecretSealer})
 * and returned in the clear once, by the call that creates them.
 */
public final class SecurityStore {
    /** IAM's quota of access keys per user (long-term ones; temporary credentials do not count). */
    public static final int MAX_LONG_TERM_KEYS = 2;
    /** GetSessionToken's bounds and default for DurationSeconds. */
    public static final Duration MIN_SESSION = Duration.ofSeconds(900);
    public static final Duration MAX_SESSION = Duration.ofSeconds(129_600);
    public static final Duration DEFAULT_SESSION = Duration.ofSeconds(43_200);
    /** Longest policy document accepted (the column's size; IAM's own quotas are smaller). */
    public static final int MAX_POLICY_CHARS = 131_072;

    private final SecurityRepository repository;
    private final SecretSealer sealer;
    private final String account;
    private final Clock clock;

    /**
     * @param account the 12-digit account in principal ARNs (the one the server's other ARNs carry)
     */
    public SecurityStore(SecurityRepository repository, SecretSealer sealer, String account, Clock clock) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.sealer = Objects.requireNonNull(sealer, "sealer");
        this.account = Objects.requireNonNull(account, "account");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The context a key's secret is sealed under: binds the ciphertext to its row. */
    static String secretContext(String accessKeyId) {
        return "secret:" + accessKeyId;
    }

    static String sessionTokenContext(String accessKeyId) {
        return "session-token:" + accessKeyId;
    }

    /** The ARN principal {@code name} has (or would have). */
    public String principalArn(String name) {
        return IamNames.userArn(account, IamNames.checkPrincipalName(name));
    }

    /** Creates the principal unless it exists. @return the stored one */
    public PrincipalRecord createPrincipal(String name) {
        return repository.createPrincipalIfAbsent(new PrincipalRecord(IamNames.checkPrincipalName(name),
                IamNames.userArn(account, name), clock.instant()));
    }

    public List<PrincipalRecord> principals() {
        return repository.principals();
    }

    /**
     * Creates a long-term key for an existing principal.
     *
     * @throws NoSuchEntityException when there is no such principal
     * @throws IllegalStateException when it already has {@value #MAX_LONG_TERM_KEYS} keys, as IAM refuses
     */
    public IssuedCredentials createAccessKey(String principalName) {
        PrincipalRecord principal = requirePrincipal(principalName);
        long existing = repository.listKeys(principal.name()).stream()
                .filter(k -> k.kind() == AccessKeyKind.LONG_TERM).count();
        if (existing >= MAX_LONG_TERM_KEYS) {
            throw new IllegalStateException("Cannot exceed quota for AccessKeysPerUser: " + MAX_LONG_TERM_KEYS
                    + " (" + principal.name() + " has " + existing + "; delete one first)");
        }
        return issue(principal, AccessKeyKind.LONG_TERM, null);
    }

    /**
     * Issues temporary credentials acting as {@code principalName} with its policies, as STS GetSessionToken does.
     *
     * @param duration between {@link #MIN_SESSION} and {@link #MAX_SESSION}; null for {@link #DEFAULT_SESSION}
     * @throws IllegalArgumentException for a duration out of bounds, with STS's wording
     */
    public IssuedCredentials issueSessionToken(String principalName, Duration duration) {
        Duration lifetime = duration == null ? DEFAULT_SESSION : duration;
        if (lifetime.compareTo(MIN_SESSION) < 0) {
            throw new IllegalArgumentException("1 validation error detected: Value '" + lifetime.toSeconds()
                    + "' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or"
                    + " equal to " + MIN_SESSION.toSeconds());
        }
        if (lifetime.compareTo(MAX_SESSION) > 0) {
            throw new IllegalArgumentException("1 validation error detected: Value '" + lifetime.toSeconds()
                    + "' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or"
                    + " equal to " + MAX_SESSION.toSeconds());
        }
        PrincipalRecord principal = requirePrincipal(principalName);
        return issue(principal, AccessKeyKind.TEMPORARY, lifetime);
    }

    private IssuedCredentials issue(PrincipalRecord principal, AccessKeyKind kind, Duration lifetime) {
        boolean temporary = kind == AccessKeyKind.TEMPORARY;
        Instant now = clock.instant();
        for (int attempt = 0; ; attempt++) {
            String id = KeyMaterial.accessKeyId(temporary);
            String secret = KeyMaterial.secretAccessKey();
            String token = temporary ? KeyMaterial.sessionToken() : null;
            Instant expires = temporary ? now.plus(lifetime) : null;
            AccessKeyRecord record = new AccessKeyRecord(id, principal.name(), principal.arn(), kind,
                    sealer.seal(secret, secretContext(id)), token == null ? null
                    : sealer.seal(token, sessionTokenContext(id)), true, now, expires);
            try {
                repository.insertKey(record);
            } catch (DuplicateResourceException e) {
                if (attempt < 3) {
                    continue; // 80 random bits: a collision is all but impossible, but costs nothing to survive
                }
                throw e;
            }
            return new IssuedCredentials(id, secret, token, principal.arn(), record.expiresAt());
        }
    }

    /** Keys of one principal, or of all when {@code principalName} is null; never the secrets. */
    public List<AccessKeyInfo> listAccessKeys(String principalName) {
        if (principalName != null) {
            requirePrincipal(principalName);
        }
        return repository.listKeys(principalName).stream().map(k -> new AccessKeyInfo(k.accessKeyId(),
                k.principalName(), k.principalArn(), k.kind(), k.enabled(), k.createdAt(), k.expiresAt())).toList();
    }

    /** @throws NoSuchEntityException when there is no such key */
    public void setAccessKeyEnabled(String accessKeyId, boolean enabled) {
        if (!repository.setKeyEnabled(accessKeyId, enabled)) {
            throw noSuchKey(accessKeyId);
        }
    }

    /** @throws NoSuchEntityException when there is no such key */
    public void deleteAccessKey(String accessKeyId) {
        if (!repository.deleteKey(accessKeyId)) {
            throw noSuchKey(accessKeyId);
        }
    }

    /**
     * Deletes temporary keys that expired more than {@code grace} ago. The grace keeps a recently expired key known,
     * so a client still using it is told ExpiredToken rather than that its key does not exist.
     *
     * @return how many were deleted
     */
    public int purgeExpiredTemporaryKeys(Duration grace) {
        return repository.deleteTemporaryKeysExpiredBefore(clock.instant().minus(grace));
    }

    /**
     * Validates {@code document} as IAM does and attaches it to the principal under {@code policyName}, replacing
     * a policy of that name (PutUserPolicy's semantics).
     *
     * @throws PolicyValidationException naming what is wrong with the document; nothing is stored
     * @throws NoSuchEntityException when there is no such principal
     */
    public void attachPolicy(String principalName, String policyName, String document)
            throws PolicyValidationException {
        IamNames.checkPolicyName(policyName);
        Objects.requireNonNull(document, "document");
        if (document.length() > MAX_POLICY_CHARS) {
            throw new PolicyValidationException("the policy document has " + document.length()
                    + " characters; at most " + MAX_POLICY_CHARS + " are accepted");
        }
        PolicyDocument.parse(policyName, document);
        PrincipalRecord principal = requirePrincipal(principalName);
        repository.putPolicy(new PolicyRecord(principal.name(), policyName, document, clock.instant()));
    }

    /** @throws NoSuchEntityException when the principal has no policy of that name */
    public void detachPolicy(String principalName, String policyName) {
        requirePrincipal(principalName);
        if (!repository.deletePolicy(principalName, policyName)) {
            throw new NoSuchEntityException("The user policy with name " + policyName + " cannot be found"
                    + " (principal " + principalName + ")");
        }
    }

    /** The principal's attached policies, by name. */
    public List<PolicyRecord> listPolicies(String principalName) {
        requirePrincipal(principalName);
        return repository.policies(principalName);
    }

    private PrincipalRecord requirePrincipal(String name) {
        IamNames.checkPrincipalName(name);
        return repository.findPrincipal(name).orElseThrow(() -> new NoSuchEntityException(
                "The user with name " + name + " cannot be found"));
    }

    private static NoSuchEntityException noSuchKey(String accessKeyId) {
        return new NoSuchEntityException("The Access Key with id " + accessKeyId + " cannot be found");
    }
}
