package dev.localbedrock.runtime.auth;

import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.runtime.catalog.AuthMode;
import dev.localbedrock.runtime.iam.IamActions;
import dev.localbedrock.runtime.state.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The running server's side of authentication: the access gate for the configured mode and, in {@code sigv4} mode,
 * the principal directory kept in step with the durable state — polled every second, so a key the CLI creates,
 * disables or deletes, or a policy it attaches, takes effect within a second without a restart — and expired
 * temporary keys purged hourly.
 */
public final class ServerSecurity implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServerSecurity.class);
    static final Duration POLL = Duration.ofSeconds(1);
    static final Duration PURGE = Duration.ofHours(1);

    private final AccessGate gate;
    private final SessionTokens sessionTokens; // null in open mode
    private final ScheduledExecutorService timer; // null in open mode

    private ServerSecurity(AccessGate gate, SessionTokens sessionTokens, ScheduledExecutorService timer) {
        this.gate = gate;
        this.sessionTokens = sessionTokens;
        this.timer = timer;
    }

    /**
     * @param provisionedArns a provisioned model's ARN from its name, or null (for {@link IamActions})
     * @param resourceTags a resource's tags, empty when it has none or does not exist
     * @throws SecretSealer.UnsealException in {@code sigv4} mode when the master key cannot open the stored secrets
     */
    public static ServerSecurity start(AuthMode mode, StateStore state, String stateUrl, String region,
                                       String account, UnaryOperator<String> provisionedArns,
                                       Function<String, Map<String, String>> resourceTags) {
        if (mode == AuthMode.OPEN) {
            log.info("auth: open — signatures are not checked and no policy applies (server.auth: sigv4 enforces"
                    + " both; docs/security.md)");
            return new ServerSecurity(AccessGate.open(account), null, null);
        }
        SecretSealer sealer = SecretSealer.forState(stateUrl);
        PrincipalDirectory directory = new PrincipalDirectory(state.security(), sealer);
        int keys = directory.verifyMasterKey();
        SecurityStore store = new SecurityStore(state.security(), sealer, account, Clock.systemUTC());
        AccessGate gate = AccessGate.sigv4(account, directory, new IamActions(region, account, provisionedArns),
                quiet(resourceTags), Clock.systemUTC());
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "security-refresh");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> run("refresh", directory::refreshIfChanged), POLL.toMillis(),
                POLL.toMillis(), TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(() -> run("purge", () -> store.purgeExpiredTemporaryKeys(Duration.ofDays(1))),
                0, PURGE.toMillis(), TimeUnit.MILLISECONDS);
        log.info("auth: sigv4 — signatures verified, identity policies enforced ({} access keys)", keys);
        SessionTokens tokens = (principalArn, duration) -> store.issueSessionToken(
                principalArn.substring(principalArn.lastIndexOf('/') + 1), duration);
        return new ServerSecurity(gate, tokens, timer);
    }

    public AccessGate gate() {
        return gate;
    }

    /** STS GetSessionToken's issuer, or null in open mode (where no principal exists to act as). */
    public SessionTokens sessionTokens() {
        return sessionTokens;
    }

    private static void run(String what, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) { // the next tick tries again; the cache keeps serving what it has
            log.warn("security {} failed: {}", what, e.toString());
        }
    }

    /** Tags of a resource the request names but that does not exist: none (the operation answers not-found). */
    private static Function<String, Map<String, String>> quiet(Function<String, Map<String, String>> tags) {
        return arn -> {
            try {
                return tags.apply(arn);
            } catch (BedrockException e) {
                return Map.of();
            }
        };
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
