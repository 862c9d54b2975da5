package dev.localbedrock.runtime.state;

import dev.localbedrock.runtime.quota.UsageLedger;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * The replicas' shared token buckets in PostgreSQL's {@code usage_ledger}: one upsert per meeting refills the row by
 * the database's clock (so replicas' clocks never matter), takes what the replica sent, and returns the level, under
 * the row lock the upsert takes, so concurrent meetings serialise per bucket. It runs on a connection of its own, so
 * control-plane writes never queue behind it, and without a synchronous commit: a crash may forget the last
 * fraction of a second of counting, which costs nothing, while every meeting saves a disk flush. The same
 * transaction records, when this replica sent a taking, that it is spending from the bucket
 * ({@code usage_ledger_replicas}), and counts the other replicas that took from it within
 * {@link UsageLedger#ACTIVE_NANOS}, so each can take its share.
 */
final class JdbcUsageLedger implements UsageLedger, AutoCloseable {
    /** One token in sub-units: a per-minute allowance refills this bucket by that many every nanosecond. */
    private static final long SUB_UNITS = 60_000_000_000L;
    /** Refill is counted for at most ten minutes of idleness, so the product stays inside a BIGINT. */
    private static final long MAX_ELAPSED_NANOS = 10 * SUB_UNITS;

    /** The deepest overdraft a level records (as deep as TokenBucket saturates). */
    private static final long FLOOR = Long.MIN_VALUE / 2;

    // NUMERIC inside, so that no allowance or idle time can overflow a BIGINT; the result is clamped to
    // [max(-10 minutes' allowance, FLOOR), one minute's allowance] before it is stored.
    private static final String MEET = """
            INSERT INTO usage_ledger AS l (ledger_key, per_minute, level, at_nanos)
            VALUES (?, ?, ?, (extract(epoch FROM clock_timestamp()) * 1000000000)::BIGINT)
            ON CONFLICT (ledger_key) DO UPDATE SET
                level = GREATEST(GREATEST(-10 * EXCLUDED.per_minute::NUMERIC * %1$d, %3$d),
                        LEAST(EXCLUDED.per_minute::NUMERIC * %1$d,
                              l.level::NUMERIC
                              + LEAST(%2$d, GREATEST(0, EXCLUDED.at_nanos - l.at_nanos))::NUMERIC
                                * EXCLUDED.per_minute
                              - ?::NUMERIC))::BIGINT,
                at_nanos = GREATEST(l.at_nanos, EXCLUDED.at_nanos),
                per_minute = EXCLUDED.per_minute
            RETURNING level""".formatted(SUB_UNITS, MAX_ELAPSED_NANOS, FLOOR);

    /** A replica's row for a bucket it stopped meeting is dropped by the others after ten minutes. */
    private static final long FORGET_NANOS = 10 * 60_000_000_000L;

    // This replica's taking recorded, stale replicas forgotten, and the others still taking counted, in one
    // statement: its sub-statements share one snapshot, so the count cannot see the insert and adds this replica.
    private static final String MEMBERS = """
            WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000000)::BIGINT AS now),
            gone AS (
                DELETE FROM usage_ledger_replicas
                WHERE ledger_key = ? AND replica <> ? AND took_at_nanos < (SELECT now FROM clock) - %1$d),
            me AS (
                INSERT INTO usage_ledger_replicas (ledger_key, replica, took_at_nanos)
                SELECT ?, ?, now FROM clock WHERE ?
                ON CONFLICT (ledger_key, replica) DO UPDATE SET took_at_nanos = EXCLUDED.took_at_nanos)
            SELECT count(*) + 1 FROM usage_ledger_replicas
            WHERE ledger_key = ? AND replica <> ? AND took_at_nanos > (SELECT now FROM clock) - %2$d"""
            .formatted(FORGET_NANOS, ACTIVE_NANOS);

    private final Transactor tx;
    /** This process among the replicas: random, so a restarted replica is a new one and its old row ages out. */
    private final String replica;

    JdbcUsageLedger(Transactor tx) {
        this.tx = tx;
        this.replica = java.util.UUID.randomUUID().toString();
    }

    @Override
    public Share exchange(String key, long perMinute, long taken) {
        return tx.inTransaction("meet the usage ledger", c -> {
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL synchronous_commit = off");
            }
            try (PreparedStatement ps = c.prepareStatement(MEET)) {
                ps.setString(1, key);
                ps.setLong(2, perMinute);
                // A bucket met for the first time starts full, less what was taken.
                java.math.BigInteger full = java.math.BigInteger.valueOf(perMinute).multiply(
                        java.math.BigInteger.valueOf(SUB_UNITS));
                ps.setLong(3, full.subtract(java.math.BigInteger.valueOf(taken)).min(full)
                        .max(java.math.BigInteger.valueOf(FLOOR)).longValueExact());
                ps.setLong(4, taken);
                long level;
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    level = rs.getLong(1);
                }
                return new Share(level, replicas(c, key, taken != 0));
            }
        });
    }

    /**
     * After the level's upsert, under its row lock, so meetings of one bucket count its replicas one at a time. A
     * replica that only looks (an idle one meets every round) does not shrink the others' shares.
     */
    private int replicas(java.sql.Connection c, String key, boolean took) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement(MEMBERS)) {
            ps.setString(1, key);
            ps.setString(2, replica);
            ps.setString(3, key);
            ps.setString(4, replica);
            ps.setBoolean(5, took);
            ps.setString(6, key);
            ps.setString(7, replica);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Override
    public void close() {
        tx.close();
    }
}
