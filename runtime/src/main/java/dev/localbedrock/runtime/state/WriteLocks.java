package dev.localbedrock.runtime.state;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Serialises the transactions that check a count or an absence and then write on it (a resource's 50 tags, the jobs in
 * progress): under PostgreSQL's read-committed isolation two replicas could each count 49 and each add the 50th. A
 * transaction-scoped advisory lock on the scope makes the second wait for the first's commit and count again; it is
 * released with the transaction, so nothing can leak it. On SQLite nothing is needed: one process owns the file,
 * and its one connection runs one transaction at a time.
 */
final class WriteLocks {
    private WriteLocks() {
    }

    /** Takes the scope's lock for the rest of the caller's transaction (PostgreSQL; nothing on SQLite). */
    static void serialize(Connection c, String scope) throws SQLException {
        if (!c.getMetaData().getURL().startsWith("jdbc:postgresql:")) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            s.setLong(1, key(scope));
            s.execute();
        }
    }

    /** The scope's 64-bit lock key: the first 8 bytes of its SHA-256, so scopes do not collide in practice. */
    static long key(String scope) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(scope.getBytes(StandardCharsets.UTF_8));
            long key = 0;
            for (int i = 0; i < 8; i++) {
                key = key << 8 | (digest[i] & 0xFF);
            }
            return key;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
