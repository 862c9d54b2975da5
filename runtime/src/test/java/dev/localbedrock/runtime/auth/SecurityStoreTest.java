package dev.localbedrock.runtime.auth;

import dev.localbedrock.runtime.iam.PolicyDocument;
import dev.localbedrock.runtime.iam.PolicyValidationException;
import dev.localbedrock.runtime.state.AccessKeyKind;
import dev.localbedrock.runtime.state.StateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Principals, keys and policies through {@link SecurityStore} and back through {@link PrincipalDirectory}, on a
 * real SQLite file: round trips, nothing secret in the file, generation bumps, temporary credentials, and a second
 * store (another process's view) seeing changes once it polls.
 */
class SecurityStoreTest {
    private static final String ACCOUNT = "000000000000";
    private static final String ALLOW_INVOKE = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
            + "\"Action\":\"bedrock:InvokeModel\",\"Resource\":\"*\"}]}";

    /** A clock tests move. */
    static final class TestClock extends Clock {
        Instant now = Instant.parse("2024-05-01T10:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @TempDir
    Path dir;
    private final TestClock clock = new TestClock();
    private String url;
    private StateStore state;
    private SecretSealer sealer;
    private SecurityStore store;
    private PrincipalDirectory directory;

    @BeforeEach
    void open() {
        url = "jdbc:sqlite:" + dir.resolve("state/control-plane.db");
        sealer = SecretSealer.forState(url, Map.of());
        state = StateStore.open(url);
        store = new SecurityStore(state.security(), sealer, ACCOUNT, clock);
        directory = new PrincipalDirectory(state.security(), sealer);
    }

    @AfterEach
    void close() {
        state.close();
    }

    @Test
    void aKeyRoundTripsToTheCredentialTheVerifierNeeds() {
        store.createPrincipal("alice");
        IssuedCredentials issued = store.createAccessKey("alice");
        assertTrue(issued.accessKeyId().matches("AKIA[A-Z2-7]{16}"), issued.accessKeyId());
        assertEquals(40, issued.secretAccessKey().length());
        assertTrue(issued.secretAccessKey().matches("[A-Za-z0-9+/]{40}"), "base64 alphabet");
        assertEquals("arn:aws:iam::000000000000:user/alice", issued.principalArn());
        assertFalse(issued.toString().contains(issued.secretAccessKey()));

        SigningCredential credential = directory.find(issued.accessKeyId()).orElseThrow();
        assertEquals(issued.secretAccessKey(), credential.secretAccessKey());
        assertEquals(issued.principalArn(), credential.principalArn());
        assertTrue(credential.enabled());
        assertNull(credential.sessionToken());
        assertNull(credential.expiresAt());
        assertEquals(Optional.empty(), directory.find("AKIAAAAAAAAAAAAAAAAA"));

        List<AccessKeyInfo> listed = store.listAccessKeys("alice");
        assertEquals(1, listed.size());
        assertEquals(issued.accessKeyId(), listed.get(0).accessKeyId());
        assertEquals(AccessKeyKind.LONG_TERM, listed.get(0).kind());
        assertEquals(clock.now, listed.get(0).createdAt());
    }

    @Test
    void disableEnableAndDeleteShowAfterARefresh() {
        store.createPrincipal("alice");
        String id = store.createAccessKey("alice").accessKeyId();
        assertTrue(directory.find(id).orElseThrow().enabled());
        store.setAccessKeyEnabled(id, false);
        assertTrue(directory.find(id).orElseThrow().enabled(), "cached until the poll");
        assertTrue(directory.refreshIfChanged());
        assertFalse(directory.find(id).orElseThrow().enabled());
        assertFalse(store.listAccessKeys(null).get(0).enabled());
        store.setAccessKeyEnabled(id, true);
        directory.refreshIfChanged();
        assertTrue(directory.find(id).orElseThrow().enabled());
        store.deleteAccessKey(id);
        directory.refreshIfChanged();
        assertEquals(Optional.empty(), directory.find(id));
        assertThrows(NoSuchEntityException.class, () -> store.deleteAccessKey(id));
        assertThrows(NoSuchEntityException.class, () -> store.setAccessKeyEnabled(id, true));
        assertFalse(directory.refreshIfChanged(), "nothing changed since");
    }

    @Test
    void noSecretOrSessionTokenIsInTheDatabaseFilesInTheClear() throws Exception {
        store.createPrincipal("alice");
        IssuedCredentials longTerm = store.createAccessKey("alice");
        IssuedCredentials temporary = store.issueSessionToken("alice", null);
        // both views of the files: with the log still open, and after the close folds it back in
        assertAbsentFromFiles(longTerm.secretAccessKey(), temporary.secretAccessKey(), temporary.sessionToken());
        state.close();
        assertAbsentFromFiles(longTerm.secretAccessKey(), temporary.secretAccessKey(), temporary.sessionToken());
        state = StateStore.open(url);
        PrincipalDirectory reopened = new PrincipalDirectory(state.security(), sealer);
        assertEquals(temporary.sessionToken(), reopened.find(temporary.accessKeyId()).orElseThrow().sessionToken());
        assertEquals(longTerm.secretAccessKey(),
                reopened.find(longTerm.accessKeyId()).orElseThrow().secretAccessKey());
    }

    private void assertAbsentFromFiles(String... secrets) throws Exception {
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir.resolve("state"))) {
            files = listing.filter(p -> p.getFileName().toString().startsWith("control-plane.db")).toList();
        }
        assertFalse(files.isEmpty());
        boolean sawKeyId = false;
        for (Path file : files) {
            String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            for (String secret : secrets) {
                assertFalse(bytes.contains(secret), "a secret in the clear in " + file.getFileName());
            }
            sawKeyId |= bytes.contains("AKIA");
        }
        assertTrue(sawKeyId, "the search would have found stored text: the key id is there in the clear");
    }

    @Test
    void aWrongMasterKeyCannotUnseal() {
        store.createPrincipal("alice");
        String id = store.createAccessKey("alice").accessKeyId();
        byte[] other = new byte[32];
        other[0] = 1;
        PrincipalDirectory wrong = new PrincipalDirectory(state.security(), SecretSealer.of(other));
        SecretSealer.UnsealException e = assertThrows(SecretSealer.UnsealException.class, () -> wrong.find(id));
        assertTrue(e.getMessage().contains("another master key"), e.getMessage());
        assertThrows(SecretSealer.UnsealException.class, wrong::verifyMasterKey);
        assertEquals(1, directory.verifyMasterKey());
    }

    @Test
    void everyChangeBumpsTheGeneration() throws Exception {
        long g0 = state.security().generation();
        store.createPrincipal("alice");
        long g1 = state.security().generation();
        assertTrue(g1 > g0);
        store.createPrincipal("alice");
        assertEquals(g1, state.security().generation(), "an existing principal is no change");
        String id = store.createAccessKey("alice").accessKeyId();
        long g2 = state.security().generation();
        assertTrue(g2 > g1);
        store.setAccessKeyEnabled(id, false);
        long g3 = state.security().generation();
        assertTrue(g3 > g2);
        store.attachPolicy("alice", "invoke", ALLOW_INVOKE);
        long g4 = state.security().generation();
        assertTrue(g4 > g3);
        store.detachPolicy("alice", "invoke");
        long g5 = state.security().generation();
        assertTrue(g5 > g4);
        store.deleteAccessKey(id);
        assertTrue(state.security().generation() > g5);
        long before = state.security().generation();
        assertThrows(NoSuchEntityException.class, () -> store.detachPolicy("alice", "invoke"));
        assertEquals(before, state.security().generation(), "a refused change bumps nothing");
    }

    @Test
    void policiesAreValidatedStoredAndHandedOutPerPrincipal() throws Exception {
        store.createPrincipal("alice");
        String arn = store.principalArn("alice");
        assertEquals(List.of(), directory.policiesOf(arn));
        store.attachPolicy("alice", "invoke", ALLOW_INVOKE);
        directory.refreshIfChanged();
        List<PolicyDocument> policies = directory.policiesOf(arn);
        assertEquals(1, policies.size());
        assertEquals("invoke", policies.get(0).name());

        PolicyValidationException bad = assertThrows(PolicyValidationException.class, () -> store.attachPolicy(
                "alice", "broken", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Permit\","
                        + "\"Action\":\"bedrock:InvokeModel\",\"Resource\":\"*\"}]}"));
        assertTrue(bad.getMessage().contains("Permit"), bad.getMessage());
        assertThrows(PolicyValidationException.class, () -> store.attachPolicy("alice", "broken", "{not json"));
        assertEquals(List.of("invoke"), store.listPolicies("alice").stream().map(p -> p.policyName()).toList());

        String deny = "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"*\","
                + "\"Resource\":\"*\"}}";
        store.attachPolicy("alice", "invoke", deny);
        assertEquals(1, store.listPolicies("alice").size(), "the same name replaces");
        assertEquals(deny, store.listPolicies("alice").get(0).document());
        assertThrows(NoSuchEntityException.class, () -> store.attachPolicy("bob", "invoke", ALLOW_INVOKE));
        assertThrows(IllegalArgumentException.class, () -> store.attachPolicy("alice", "bad name", ALLOW_INVOKE));
        assertThrows(IllegalArgumentException.class, () -> store.createPrincipal("no/slashes"));
        assertThrows(IllegalArgumentException.class, () -> store.createPrincipal("x".repeat(65)));
    }

    @Test
    void temporaryCredentialsActAsThePrincipalAndExpire() {
        store.createPrincipal("alice");
        store.createAccessKey("alice");
        IssuedCredentials session = store.issueSessionToken("alice", Duration.ofSeconds(900));
        assertTrue(session.accessKeyId().matches("ASIA[A-Z2-7]{16}"), session.accessKeyId());
        assertTrue(session.sessionToken().length() >= 100);
        assertEquals(clock.now.plusSeconds(900), session.expiresAt());
        SigningCredential credential = directory.find(session.accessKeyId()).orElseThrow();
        assertEquals("arn:aws:iam::000000000000:user/alice", credential.principalArn());
        assertEquals(session.sessionToken(), credential.sessionToken());
        assertTrue(credential.temporary());
        assertFalse(credential.expiredAt(clock.now));
        assertTrue(credential.expiredAt(clock.now.plusSeconds(900)), "the verifier can tell ExpiredToken");

        assertEquals(SecurityStore.DEFAULT_SESSION.toSeconds(), Duration.between(clock.now,
                store.issueSessionToken("alice", null).expiresAt()).toSeconds());
        IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
                () -> store.issueSessionToken("alice", Duration.ofSeconds(899)));
        assertTrue(tooShort.getMessage().contains("durationSeconds"), tooShort.getMessage());
        assertThrows(IllegalArgumentException.class, () -> store.issueSessionToken("alice",
                Duration.ofSeconds(129_601)));
        store.issueSessionToken("alice", Duration.ofSeconds(129_600));
        assertThrows(NoSuchEntityException.class, () -> store.issueSessionToken("bob", null));

        // temporary keys do not count toward the two-key quota; a third long-term key does not fit
        store.createAccessKey("alice");
        IllegalStateException quota = assertThrows(IllegalStateException.class, () -> store.createAccessKey("alice"));
        assertTrue(quota.getMessage().contains("AccessKeysPerUser"), quota.getMessage());

        // purge: only temporary keys expired longer ago than the grace go
        clock.now = clock.now.plus(Duration.ofDays(1));
        assertEquals(0, store.purgeExpiredTemporaryKeys(Duration.ofDays(1)));
        assertEquals(2, store.purgeExpiredTemporaryKeys(Duration.ofHours(1)), "the 900 s and the 12 h ones");
        assertEquals(3, store.listAccessKeys("alice").size(), "two long-term and the 36 h one remain");
    }

    @Test
    void anotherStoreOnTheSameFileSeesChangesAfterItPolls() {
        store.createPrincipal("alice");
        try (StateStore other = StateStore.open(url)) {
            PrincipalDirectory server = new PrincipalDirectory(other.security(),
                    SecretSealer.forState(url, Map.of()));
            String arn = store.principalArn("alice");
            assertEquals(List.of(), server.policiesOf(arn));
            String id = "AKIA" + "Q".repeat(16);
            assertEquals(Optional.empty(), server.find(id));

            String created = store.createAccessKey("alice").accessKeyId();
            store.attachPolicy("alice", "invoke", ALLOW_INVOKE);
            long before = server.generation();
            assertEquals(List.of(), server.policiesOf(arn), "cached until the poll");
            assertTrue(server.refreshIfChanged());
            assertTrue(server.generation() > before);
            assertEquals(1, server.policiesOf(arn).size());
            assertTrue(server.find(created).orElseThrow().enabled());
            store.setAccessKeyEnabled(created, false);
            assertTrue(server.refreshIfChanged());
            assertFalse(server.find(created).orElseThrow().enabled());
            assertFalse(server.refreshIfChanged());
        } catch (PolicyValidationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theCacheStaysBounded() {
        PrincipalDirectory small = new PrincipalDirectory(state.security(), sealer, 4);
        for (int i = 0; i < 20; i++) {
            assertEquals(Optional.empty(), small.find("AKIA" + String.format("%016d", i)));
        }
        store.createPrincipal("alice");
        String id = store.createAccessKey("alice").accessKeyId();
        small.refreshIfChanged();
        assertTrue(small.find(id).isPresent());
    }
}
