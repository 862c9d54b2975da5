package dev.localbedrock.runtime.state;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * How this server leases the background jobs it runs (fine-tuning, knowledge-base ingestion) in the shared state:
 * its owner id, how long a lease lasts unless renewed, and how often the owner renews (and looks for jobs whose
 * owner died). A job's row carries its lease ({@code lease_owner}, {@code lease_expires_at}, migration V8).
 *
 * <p>The durations come from {@code LOCAL_BEDROCK_JOB_LEASE_MS} and {@code LOCAL_BEDROCK_JOB_LEASE_RENEW_MS} (or
 * the system properties {@code localbedrock.job_lease_ms} and {@code localbedrock.job_lease_renew_ms}); the defaults
 * are 15 s and 5 s: a dead replica's job is resumed elsewhere between 15 and 20 s after its last renewal.
 *
 * @param owner     this server's id in lease columns, random for the life of the process
 * @param lease     how long a claim or a renewal holds
 * @param renew     how often the owner renews its leases and scans for expired ones
 * @param exclusive true when one process owns the state (SQLite): at start every lease is a dead process's, so
 *                  start-up recovery takes over jobs without waiting for their leases to expire
 */
public record JobLeases(String owner, Duration lease, Duration renew, boolean exclusive) {
    /** This process's owner id: one per JVM, logged by the services that lease. */
    public static final String PROCESS_OWNER = newOwner();
    static final long DEFAULT_LEASE_MS = 15_000;
    static final long DEFAULT_RENEW_MS = 5_000;

    public JobLeases {
        if (renew.compareTo(lease) >= 0) {
            throw new IllegalArgumentException("a job lease (" + lease.toMillis() + " ms) must outlast its renewal"
                    + " period (" + renew.toMillis() + " ms)");
        }
    }

    /** The leases of a server on the state at {@code jdbcUrl}, with the durations of the environment. */
    public static JobLeases forState(String jdbcUrl) {
        return new JobLeases(PROCESS_OWNER, Duration.ofMillis(setting("LOCAL_BEDROCK_JOB_LEASE_MS",
                "localbedrock.job_lease_ms", DEFAULT_LEASE_MS)), Duration.ofMillis(setting(
                "LOCAL_BEDROCK_JOB_LEASE_RENEW_MS", "localbedrock.job_lease_renew_ms", DEFAULT_RENEW_MS)),
                StateStore.sqliteFile(jdbcUrl).isPresent());
    }

    /** Leases for a process that owns its state alone (the defaults). */
    public static JobLeases singleProcess() {
        return new JobLeases(PROCESS_OWNER, Duration.ofMillis(DEFAULT_LEASE_MS), Duration.ofMillis(DEFAULT_RENEW_MS),
                true);
    }

    /** When a lease taken or renewed at {@code now} ends. */
    public Instant expiry(Instant now) {
        return now.plus(lease);
    }

    /**
     * The instant a start-up claim compares leases with: now, or, for an exclusive state, the far future (every
     * lease found then is a dead process's).
     */
    public Instant startupClaimTime(Instant now) {
        return exclusive ? Instant.ofEpochMilli(Long.MAX_VALUE) : now;
    }

    private static long setting(String env, String property, long fallback) {
        String value = System.getenv(env);
        if (value == null || value.isBlank()) {
            value = System.getProperty(property);
        }
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            long millis = Long.parseLong(value.trim());
            if (millis <= 0) {
                throw new NumberFormatException();
            }
            return millis;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(env + " must be a positive number of milliseconds, not '" + value
                    + "'");
        }
    }

    private static String newOwner() {
        byte[] id = new byte[6];
        new SecureRandom().nextBytes(id);
        return "replica-" + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(id);
    }
}
