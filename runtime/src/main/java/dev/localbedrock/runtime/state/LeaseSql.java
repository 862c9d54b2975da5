package dev.localbedrock.runtime.state;

import java.time.Instant;

/**
 * The lease statements of a jobs table (V8's {@code lease_owner} and {@code lease_expires_at}), portable SQL that
 * SQLite and PostgreSQL run alike. A claim is one conditional UPDATE: concurrent claims of one row are serialized
 * by the database (PostgreSQL re-checks the condition on the row a first claim committed), so at most one of two
 * racing owners updates the row.
 */
final class LeaseSql {
    private final Transactor tx;
    private final String table;
    private final String key;

    LeaseSql(Transactor tx, String table, String key) {
        this.tx = tx;
        this.table = table;
        this.key = key;
    }

    /**
     * Takes the lease of the row when it is free (released, or never taken), expired before {@code expiredBefore},
     * or already {@code owner}'s. @return whether {@code owner} holds it now
     */
    boolean claim(String id, String owner, Instant expiredBefore, Instant expiresAt) {
        return tx.inTransaction("claim " + table + " " + id + " for " + owner, c -> {
            try (var s = c.prepareStatement("UPDATE " + table + " SET lease_owner = ?, lease_expires_at = ? WHERE "
                    + key + " = ? AND (lease_expires_at IS NULL OR lease_owner = ? OR lease_expires_at < ?)")) {
                s.setString(1, owner);
                Timestamps.set(s, 2, expiresAt);
                s.setString(3, id);
                s.setString(4, owner);
                Timestamps.set(s, 5, expiredBefore);
                return s.executeUpdate() == 1;
            }
        });
    }

    /**
     * Extends {@code owner}'s lease. @return false when another owner took the row over, the lease was released
     * (a renewal racing the job's end must not make a finished job look held), or the row is gone
     */
    boolean renew(String id, String owner, Instant expiresAt) {
        return tx.inTransaction("renew lease of " + table + " " + id, c -> {
            try (var s = c.prepareStatement("UPDATE " + table + " SET lease_expires_at = ? WHERE " + key
                    + " = ? AND lease_owner = ? AND lease_expires_at IS NOT NULL")) {
                Timestamps.set(s, 1, expiresAt);
                s.setString(2, id);
                s.setString(3, owner);
                return s.executeUpdate() == 1;
            }
        });
    }

    /** Ends {@code owner}'s lease; the owner stays in the row, as the replica that last ran the job. */
    void release(String id, String owner) {
        tx.inTransaction("release lease of " + table + " " + id, c -> {
            try (var s = c.prepareStatement("UPDATE " + table + " SET lease_expires_at = NULL WHERE " + key
                    + " = ? AND lease_owner = ?")) {
                s.setString(1, id);
                s.setString(2, owner);
                s.executeUpdate();
                return null;
            }
        });
    }

    /** The row's lease: who holds or last held it, and until when (null when released); empty for no row. */
    java.util.Optional<JobLease> read(String id) {
        return tx.inTransaction("read lease of " + table + " " + id, c -> {
            try (var s = c.prepareStatement("SELECT lease_owner, lease_expires_at FROM " + table + " WHERE " + key
                    + " = ?")) {
                s.setString(1, id);
                try (var r = s.executeQuery()) {
                    return r.next() ? java.util.Optional.of(new JobLease(r.getString("lease_owner"),
                            Timestamps.get(r, "lease_expires_at"))) : java.util.Optional.<JobLease>empty();
                }
            }
        });
    }
}
