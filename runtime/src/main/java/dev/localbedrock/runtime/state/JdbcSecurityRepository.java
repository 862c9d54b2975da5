package dev.localbedrock.runtime.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link SecurityRepository} over {@code principals}, {@code access_keys}, {@code principal_policies} and the
 * one-row {@code security_generation}. A change and its generation bump are one transaction: a reader never sees
 * the new generation without the change, nor the change under the old generation.
 */
final class JdbcSecurityRepository implements SecurityRepository {
    private static final String KEY_COLUMNS = "k.access_key_id, k.principal_name, p.arn, k.kind, k.sealed_secret,"
            + " k.sealed_session_token, k.enabled, k.created_at, k.expires_at";
    private static final String KEY_FROM = " FROM access_keys k JOIN principals p ON p.name = k.principal_name";
    private final Transactor tx;

    JdbcSecurityRepository(Transactor tx) {
        this.tx = tx;
    }

    @Override
    public long generation() {
        return tx.inTransaction("read the security generation", JdbcSecurityRepository::generation);
    }

    private static long generation(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT generation FROM security_generation WHERE generation_id = 1");
             ResultSet rows = s.executeQuery()) {
            if (!rows.next()) {
                throw new StateException("the security_generation row is missing");
            }
            return rows.getLong(1);
        }
    }

    private static void bump(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE security_generation SET generation = generation + 1 WHERE generation_id = 1")) {
            if (s.executeUpdate() != 1) {
                throw new StateException("the security_generation row is missing");
            }
        }
    }

    @Override
    public PrincipalRecord createPrincipalIfAbsent(PrincipalRecord principal) {
        return tx.inTransaction("create principal " + principal.name(), c -> {
            Optional<PrincipalRecord> existing = findPrincipal(c, principal.name());
            if (existing.isPresent()) {
                return existing.get();
            }
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO principals (name, arn, created_at) VALUES (?, ?, ?)")) {
                s.setString(1, principal.name());
                s.setString(2, principal.arn());
                Timestamps.set(s, 3, principal.createdAt());
                s.executeUpdate();
            }
            bump(c);
            return principal;
        });
    }

    @Override
    public Optional<PrincipalRecord> findPrincipal(String name) {
        return tx.inTransaction("find principal " + name, c -> findPrincipal(c, name));
    }

    private static Optional<PrincipalRecord> findPrincipal(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT name, arn, created_at FROM principals WHERE name = ?")) {
            s.setString(1, name);
            try (ResultSet rows = s.executeQuery()) {
                return rows.next() ? Optional.of(readPrincipal(rows)) : Optional.empty();
            }
        }
    }

    @Override
    public List<PrincipalRecord> principals() {
        return tx.inTransaction("list principals", c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT name, arn, created_at FROM principals ORDER BY name");
                 ResultSet rows = s.executeQuery()) {
                List<PrincipalRecord> all = new ArrayList<>();
                while (rows.next()) {
                    all.add(readPrincipal(rows));
                }
                return all;
            }
        });
    }

    @Override
    public void insertKey(AccessKeyRecord key) {
        tx.inTransaction("create access key " + key.accessKeyId(), c -> {
            requirePrincipal(c, key.principalName());
            try (PreparedStatement s = c.prepareStatement("INSERT INTO access_keys (access_key_id, principal_name,"
                    + " kind, sealed_secret, sealed_session_token, enabled, created_at, expires_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setString(1, key.accessKeyId());
                s.setString(2, key.principalName());
                s.setString(3, key.kind().stored());
                s.setString(4, key.sealedSecret());
                s.setString(5, key.sealedSessionToken());
                s.setBoolean(6, key.enabled());
                Timestamps.set(s, 7, key.createdAt());
                Timestamps.set(s, 8, key.expiresAt());
                s.executeUpdate();
            }
            bump(c);
            return null;
        });
    }

    @Override
    public AtGeneration<Optional<AccessKeyRecord>> findKey(String accessKeyId) {
        return tx.inTransaction("find access key " + accessKeyId, c -> {
            long generation = generation(c);
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT " + KEY_COLUMNS + KEY_FROM + " WHERE k.access_key_id = ?")) {
                s.setString(1, accessKeyId);
                try (ResultSet rows = s.executeQuery()) {
                    return new AtGeneration<>(generation,
                            rows.next() ? Optional.of(readKey(rows)) : Optional.<AccessKeyRecord>empty());
                }
            }
        });
    }

    @Override
    public List<AccessKeyRecord> listKeys(String principalName) {
        return tx.inTransaction("list access keys", c -> {
            String where = principalName == null ? "" : " WHERE k.principal_name = ?";
            try (PreparedStatement s = c.prepareStatement("SELECT " + KEY_COLUMNS + KEY_FROM + where
                    + " ORDER BY k.principal_name, k.created_at, k.access_key_id")) {
                if (principalName != null) {
                    s.setString(1, principalName);
                }
                try (ResultSet rows = s.executeQuery()) {
                    List<AccessKeyRecord> all = new ArrayList<>();
                    while (rows.next()) {
                        all.add(readKey(rows));
                    }
                    return all;
                }
            }
        });
    }

    @Override
    public boolean setKeyEnabled(String accessKeyId, boolean enabled) {
        return tx.inTransaction((enabled ? "enable" : "disable") + " access key " + accessKeyId, c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE access_keys SET enabled = ? WHERE access_key_id = ?")) {
                s.setBoolean(1, enabled);
                s.setString(2, accessKeyId);
                if (s.executeUpdate() == 0) {
                    return false;
                }
            }
            bump(c);
            return true;
        });
    }

    @Override
    public boolean deleteKey(String accessKeyId) {
        return tx.inTransaction("delete access key " + accessKeyId, c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM access_keys WHERE access_key_id = ?")) {
                s.setString(1, accessKeyId);
                if (s.executeUpdate() == 0) {
                    return false;
                }
            }
            bump(c);
            return true;
        });
    }

    @Override
    public int deleteTemporaryKeysExpiredBefore(Instant before) {
        return tx.inTransaction("purge expired temporary keys", c -> {
            int deleted;
            try (PreparedStatement s = c.prepareStatement("DELETE FROM access_keys WHERE kind = ?"
                    + " AND expires_at IS NOT NULL AND expires_at < ?")) {
                s.setString(1, AccessKeyKind.TEMPORARY.stored());
                Timestamps.set(s, 2, before);
                deleted = s.executeUpdate();
            }
            if (deleted > 0) {
                bump(c);
            }
            return deleted;
        });
    }

    @Override
    public void putPolicy(PolicyRecord policy) {
        tx.inTransaction("attach policy " + policy.policyName() + " to " + policy.principalName(), c -> {
            requirePrincipal(c, policy.principalName());
            try (PreparedStatement s = c.prepareStatement("INSERT INTO principal_policies (principal_name,"
                    + " policy_name, document, attached_at) VALUES (?, ?, ?, ?) ON CONFLICT (principal_name,"
                    + " policy_name) DO UPDATE SET document = excluded.document, attached_at = excluded.attached_at")) {
                s.setString(1, policy.principalName());
                s.setString(2, policy.policyName());
                s.setString(3, policy.document());
                Timestamps.set(s, 4, policy.attachedAt());
                s.executeUpdate();
            }
            bump(c);
            return null;
        });
    }

    @Override
    public boolean deletePolicy(String principalName, String policyName) {
        return tx.inTransaction("detach policy " + policyName + " from " + principalName, c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "DELETE FROM principal_policies WHERE principal_name = ? AND policy_name = ?")) {
                s.setString(1, principalName);
                s.setString(2, policyName);
                if (s.executeUpdate() == 0) {
                    return false;
                }
            }
            bump(c);
            return true;
        });
    }

    @Override
    public List<PolicyRecord> policies(String principalName) {
        return tx.inTransaction("list policies of " + principalName, c -> policies(c,
                "SELECT principal_name, policy_name, document, attached_at FROM principal_policies"
                        + " WHERE principal_name = ? ORDER BY policy_name", principalName));
    }

    @Override
    public AtGeneration<List<PolicyRecord>> policiesOfArn(String principalArn) {
        return tx.inTransaction("list policies of " + principalArn, c -> new AtGeneration<>(generation(c),
                policies(c, "SELECT pp.principal_name, pp.policy_name, pp.document, pp.attached_at"
                        + " FROM principal_policies pp JOIN principals p ON p.name = pp.principal_name"
                        + " WHERE p.arn = ? ORDER BY pp.policy_name", principalArn)));
    }

    private static List<PolicyRecord> policies(Connection c, String sql, String parameter) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, parameter);
            try (ResultSet rows = s.executeQuery()) {
                List<PolicyRecord> all = new ArrayList<>();
                while (rows.next()) {
                    all.add(new PolicyRecord(rows.getString(1), rows.getString(2), rows.getString(3),
                            Timestamps.get(rows, "attached_at")));
                }
                return all;
            }
        }
    }

    private static void requirePrincipal(Connection c, String name) throws SQLException {
        if (findPrincipal(c, name).isEmpty()) {
            throw new StateException("no principal named " + name);
        }
    }

    private static PrincipalRecord readPrincipal(ResultSet rows) throws SQLException {
        return new PrincipalRecord(rows.getString("name"), rows.getString("arn"), Timestamps.get(rows, "created_at"));
    }

    private static AccessKeyRecord readKey(ResultSet rows) throws SQLException {
        return new AccessKeyRecord(rows.getString("access_key_id"), rows.getString("principal_name"),
                rows.getString("arn"), AccessKeyKind.fromStored(rows.getString("kind")),
                rows.getString("sealed_secret"), rows.getString("sealed_session_token"), rows.getBoolean("enabled"),
                Timestamps.get(rows, "created_at"), Timestamps.get(rows, "expires_at"));
    }
}
