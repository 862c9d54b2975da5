package dev.localbedrock.runtime.auth;

import dev.localbedrock.runtime.iam.PolicyDocument;
import dev.localbedrock.runtime.iam.PolicyValidationException;
import dev.localbedrock.runtime.state.AccessKeyRecord;
import dev.localbedrock.runtime.state.AtGeneration;
import dev.localbedrock.runtime.state.PolicyRecord;
import dev.localbedrock.runtime.state.SecurityRepository;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The server's read side of the security state: each access key's credential (secret unsealed) for the SigV4
 * verifier, and each principal's policies for the authorizer, cached in memory.
 *
 * <p>Freshness: the cache belongs to one security generation. {@link #refreshIfChanged()} (the server calls it
 * every second) reads the generation row and, when another process (the command line) or this one changed
 * anything, drops the cache, which then refills one miss at a time. A miss reads the row and the generation in one
 * transaction and is cached only under the generation it was read at, so a read that raced a change never
 * outlives it. Unknown key ids are cached too (as absent): a client sending made-up ids costs one read per id and
 * generation, not one per request. So a new, disabled or deleted key, or a changed policy, takes effect at the
 * next poll (within about a second).
 *
 * <p>A stored policy that no longer parses (a stricter release) is replaced by a deny-all: failing closed.
 */
public final class PrincipalDirectory implements CredentialResolver {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PrincipalDirectory.class);
    private static final int DEFAULT_MAX_ENTRIES = 100_000;
    private static final String DENY_ALL =
            "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}}";

    private record Cache(long generation, ConcurrentHashMap<String, Optional<SigningCredential>> credentials,
                         ConcurrentHashMap<String, List<PolicyDocument>> policies) {
        Cache(long generation) {
            this(generation, new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
        }
    }

    private final SecurityRepository repository;
    private final SecretSealer sealer;
    private final int maxEntries;
    private final AtomicReference<Cache> cache;

    public PrincipalDirectory(SecurityRepository repository, SecretSealer sealer) {
        this(repository, sealer, DEFAULT_MAX_ENTRIES);
    }

    PrincipalDirectory(SecurityRepository repository, SecretSealer sealer, int maxEntries) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.sealer = Objects.requireNonNull(sealer, "sealer");
        this.maxEntries = maxEntries;
        this.cache = new AtomicReference<>(new Cache(repository.generation()));
    }

    /**
     * The credential behind {@code accessKeyId}, enabled or not, expired or not (the verifier tells which), or empty
     * when unknown.
     *
     * @throws SecretSealer.UnsealException when the master key is not the one the secret was sealed with
     */
    @Override
    public Optional<SigningCredential> find(String accessKeyId) {
        Cache current = cache.get();
        Optional<SigningCredential> cached = current.credentials.get(accessKeyId);
        if (cached != null) {
            return cached;
        }
        AtGeneration<Optional<AccessKeyRecord>> read = repository.findKey(accessKeyId);
        Optional<SigningCredential> credential = read.value().map(this::unseal);
        Cache target = cacheFor(read.generation());
        if (target != null) {
            put(target.credentials, accessKeyId, credential);
        }
        return credential;
    }

    /**
     * The identity policies of the principal with that ARN, parsed (none for an unknown principal: an implicit
     * deny). Read {@link #generation()} before this, and use it as the decision cache's epoch: the policies are
     * then at least as new as the epoch they are cached under.
     */
    public List<PolicyDocument> policiesOf(String principalArn) {
        Cache current = cache.get();
        List<PolicyDocument> cached = current.policies.get(principalArn);
        if (cached != null) {
            return cached;
        }
        AtGeneration<List<PolicyRecord>> read = repository.policiesOfArn(principalArn);
        List<PolicyDocument> parsed = new ArrayList<>(read.value().size());
        for (PolicyRecord record : read.value()) {
            parsed.add(parse(record));
        }
        List<PolicyDocument> policies = List.copyOf(parsed);
        Cache target = cacheFor(read.generation());
        if (target != null) {
            put(target.policies, principalArn, policies);
        }
        return policies;
    }

    /** The security generation the cache is at: an epoch that changes whenever keys or policies change. */
    public long generation() {
        return cache.get().generation;
    }

    /**
     * Reads the generation row and drops the cache when it differs from the cache's (a generation lower than the
     * cache's means the database was replaced, e.g. restored: it is dropped then too).
     *
     * @return whether it was dropped
     */
    public boolean refreshIfChanged() {
        long stored = repository.generation();
        Cache current = cache.get();
        if (current.generation == stored) {
            return false;
        }
        if (cache.compareAndSet(current, new Cache(stored))) {
            log.debug("security state changed (generation {} → {}): cache dropped", current.generation, stored);
        }
        return true;
    }

    /**
     * The cache to put a value read at {@code generation} in: the current one when it is that generation, a fresh
     * one (swapped in) when the value is newer, none when the value is older than what the cache already holds.
     */
    private Cache cacheFor(long generation) {
        while (true) {
            Cache current = cache.get();
            if (current.generation == generation) {
                return current;
            }
            if (current.generation > generation) {
                return null;
            }
            Cache fresh = new Cache(generation);
            if (cache.compareAndSet(current, fresh)) {
                log.debug("security state changed (generation {} → {}): cache dropped", current.generation,
                        generation);
                return fresh;
            }
        }
    }

    private <V> void put(ConcurrentHashMap<String, V> map, String key, V value) {
        if (map.size() >= maxEntries) {
            map.clear(); // bounded: the entries in use refill at one read each
        }
        map.put(key, value);
    }

    private SigningCredential unseal(AccessKeyRecord key) {
        String secret = sealer.unseal(key.sealedSecret(), SecurityStore.secretContext(key.accessKeyId()));
        String token = key.sealedSessionToken() == null ? null
                : sealer.unseal(key.sealedSessionToken(), SecurityStore.sessionTokenContext(key.accessKeyId()));
        return new SigningCredential(key.accessKeyId(), secret, key.principalArn(), token, key.expiresAt(),
                key.enabled());
    }

    private static PolicyDocument parse(PolicyRecord record) {
        try {
            return PolicyDocument.parse(record.policyName(), record.document());
        } catch (PolicyValidationException e) {
            log.error("stored policy {} of {} no longer parses ({}): denying everything to that principal until it"
                    + " is fixed", record.policyName(), record.principalName(), e.getMessage());
            try {
                return PolicyDocument.parse(record.policyName() + " (invalid: deny all)", DENY_ALL);
            } catch (PolicyValidationException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
    }

    /**
     * Unseals every stored key once, so a server started with the wrong master key fails at start with that message
     * instead of answering errors to signed requests.
     *
     * @throws SecretSealer.UnsealException when a key cannot be unsealed
     * @return how many keys were checked
     */
    public int verifyMasterKey() {
        List<AccessKeyRecord> keys = repository.listKeys(null);
        keys.forEach(this::unseal);
        return keys.size();
    }
}
