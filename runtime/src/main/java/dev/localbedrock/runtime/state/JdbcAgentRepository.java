package dev.localbedrock.runtime.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link AgentRepository} over the tables of V7: {@code agents}, its three child tables and {@code agent_versions}. */
final class JdbcAgentRepository implements AgentRepository {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AGENT_COLUMNS = "id, arn, name, status, draft_json, failure_reasons, prepared_json,"
            + " prepared_at, versions_made, created_at, updated_at, client_token";
    private static final String PART_COLUMNS = "agent_id, id, name, state, body_json, created_at, updated_at,"
            + " client_token";
    private final Transactor tx;

    JdbcAgentRepository(Transactor tx) {
        this.tx = tx;
    }

    @Override
    public void create(StoredAgent a, Map<String, String> tags) {
        tx.inTransaction("create agent " + a.id() + " (" + a.name() + ")", c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO agents (" + AGENT_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setString(1, a.id());
                s.setString(2, a.arn());
                s.setString(3, a.name());
                s.setString(4, a.status());
                s.setString(5, a.draftJson());
                s.setString(6, json(a.failureReasons()));
                setText(s, 7, a.preparedJson());
                setInstant(s, 8, a.preparedAt());
                s.setInt(9, a.versionsMade());
                Timestamps.set(s, 10, a.createdAt());
                Timestamps.set(s, 11, a.updatedAt());
                setText(s, 12, a.clientToken());
                s.executeUpdate();
            }
            JdbcTagRepository.upsert(c, a.arn(), tags);
            return null;
        });
    }

    @Override
    public Optional<StoredAgent> find(String id) {
        return tx.inTransaction("find agent " + id, c -> first(selectAgents(c, " WHERE id = ?", id)));
    }

    @Override
    public Optional<StoredAgent> findByClientToken(String token) {
        return tx.inTransaction("find agent by client token",
                c -> first(selectAgents(c, " WHERE client_token = ?", token)));
    }

    @Override
    public List<StoredAgent> list() {
        return tx.inTransaction("list agents", c -> selectAgents(c, " ORDER BY created_at, id"));
    }

    @Override
    public boolean update(StoredAgent a) {
        return tx.inTransaction("update agent " + a.id(), c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE agents SET name = ?, status = ?, draft_json = ?,"
                    + " failure_reasons = ?, prepared_json = ?, prepared_at = ?, updated_at = ? WHERE id = ?")) {
                s.setString(1, a.name());
                s.setString(2, a.status());
                s.setString(3, a.draftJson());
                s.setString(4, json(a.failureReasons()));
                setText(s, 5, a.preparedJson());
                setInstant(s, 6, a.preparedAt());
                Timestamps.set(s, 7, a.updatedAt());
                s.setString(8, a.id());
                return s.executeUpdate() > 0;
            }
        });
    }

    @Override
    public boolean delete(String id) {
        return tx.inTransaction("delete agent " + id, c -> {
            // Explicitly, not by the foreign keys' cascade: SQLite enforces it only with foreign_keys=ON.
            String arn = first(selectAgents(c, " WHERE id = ?", id)).map(StoredAgent::arn).orElse(null);
            if (arn == null) {
                return false;
            }
            update(c, "DELETE FROM tags WHERE resource_arn = ? OR resource_arn LIKE ?", arn,
                    arn.replace(":agent/", ":agent-alias/") + "/%");
            for (AgentPartKind kind : AgentPartKind.values()) {
                update(c, "DELETE FROM " + kind.table + " WHERE agent_id = ?", id);
            }
            update(c, "DELETE FROM agent_versions WHERE agent_id = ?", id);
            return update(c, "DELETE FROM agents WHERE id = ?", id) > 0;
        });
    }

    @Override
    public void createPart(AgentPartKind kind, StoredAgentPart p, String arn, Map<String, String> tags) {
        tx.inTransaction("create " + kind + " " + p.id() + " of agent " + p.agentId(), c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO " + kind.table + " (" + PART_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setString(1, p.agentId());
                s.setString(2, p.id());
                s.setString(3, p.name());
                s.setString(4, p.state());
                s.setString(5, p.bodyJson());
                Timestamps.set(s, 6, p.createdAt());
                Timestamps.set(s, 7, p.updatedAt());
                setText(s, 8, p.clientToken());
                s.executeUpdate();
            }
            if (arn != null) {
                JdbcTagRepository.upsert(c, arn, tags);
            }
            return null;
        });
    }

    @Override
    public Optional<StoredAgentPart> findPart(AgentPartKind kind, String agentId, String id) {
        return tx.inTransaction("find " + kind + " " + id, c -> first(selectParts(c, kind,
                " WHERE agent_id = ? AND id = ?", agentId, id)));
    }

    @Override
    public Optional<StoredAgentPart> findPartByClientToken(AgentPartKind kind, String agentId, String token) {
        return tx.inTransaction("find " + kind + " by client token", c -> first(selectParts(c, kind,
                " WHERE agent_id = ? AND client_token = ?", agentId, token)));
    }

    @Override
    public List<StoredAgentPart> listParts(AgentPartKind kind, String agentId) {
        return tx.inTransaction("list " + kind + " of agent " + agentId, c -> selectParts(c, kind,
                " WHERE agent_id = ? ORDER BY created_at, id", agentId));
    }

    @Override
    public boolean updatePart(AgentPartKind kind, StoredAgentPart p) {
        return tx.inTransaction("update " + kind + " " + p.id(), c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE " + kind.table + " SET name = ?, state = ?,"
                    + " body_json = ?, updated_at = ? WHERE agent_id = ? AND id = ?")) {
                s.setString(1, p.name());
                s.setString(2, p.state());
                s.setString(3, p.bodyJson());
                Timestamps.set(s, 4, p.updatedAt());
                s.setString(5, p.agentId());
                s.setString(6, p.id());
                return s.executeUpdate() > 0;
            }
        });
    }

    @Override
    public boolean deletePart(AgentPartKind kind, String agentId, String id, String arn) {
        return tx.inTransaction("delete " + kind + " " + id, c -> {
            if (arn != null) {
                update(c, "DELETE FROM tags WHERE resource_arn = ?", arn);
            }
            return update(c, "DELETE FROM " + kind.table + " WHERE agent_id = ? AND id = ?", agentId, id) > 0;
        });
    }

    @Override
    public int createVersion(String agentId, String snapshotJson, Instant at) {
        return tx.inTransaction("make a version of agent " + agentId, c -> {
            update(c, "UPDATE agents SET versions_made = versions_made + 1 WHERE id = ?", agentId);
            int version;
            try (PreparedStatement s = c.prepareStatement("SELECT versions_made FROM agents WHERE id = ?")) {
                s.setString(1, agentId);
                try (ResultSet r = s.executeQuery()) {
                    if (!r.next()) {
                        throw new StateException("agent " + agentId + " is gone");
                    }
                    version = r.getInt(1);
                }
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO agent_versions (agent_id, version,"
                    + " snapshot_json, created_at) VALUES (?, ?, ?, ?)")) {
                s.setString(1, agentId);
                s.setInt(2, version);
                s.setString(3, snapshotJson);
                Timestamps.set(s, 4, at);
                s.executeUpdate();
            }
            return version;
        });
    }

    @Override
    public Optional<StoredAgentVersion> findVersion(String agentId, int version) {
        return tx.inTransaction("find version " + version + " of agent " + agentId, c -> first(selectVersions(c,
                " WHERE agent_id = ? AND version = ?", agentId, version)));
    }

    @Override
    public List<StoredAgentVersion> listVersions(String agentId) {
        return tx.inTransaction("list versions of agent " + agentId, c -> selectVersions(c,
                " WHERE agent_id = ? ORDER BY version", agentId, null));
    }

    @Override
    public boolean deleteVersion(String agentId, int version) {
        return tx.inTransaction("delete version " + version + " of agent " + agentId, c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "DELETE FROM agent_versions WHERE agent_id = ? AND version = ?")) {
                s.setString(1, agentId);
                s.setInt(2, version);
                return s.executeUpdate() > 0;
            }
        });
    }

    private static List<StoredAgent> selectAgents(Connection c, String tail, String... parameters)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + AGENT_COLUMNS + " FROM agents" + tail)) {
            bind(s, parameters);
            try (ResultSet r = s.executeQuery()) {
                List<StoredAgent> all = new ArrayList<>();
                while (r.next()) {
                    long prepared = r.getLong("prepared_at");
                    Instant preparedAt = r.wasNull() ? null : Instant.ofEpochMilli(prepared);
                    all.add(new StoredAgent(r.getString("id"), r.getString("arn"), r.getString("name"),
                            r.getString("status"), r.getString("draft_json"), strings(r.getString("failure_reasons")),
                            r.getString("prepared_json"), preparedAt, r.getInt("versions_made"),
                            Timestamps.get(r, "created_at"), Timestamps.get(r, "updated_at"),
                            r.getString("client_token")));
                }
                return all;
            }
        }
    }

    private static List<StoredAgentPart> selectParts(Connection c, AgentPartKind kind, String tail,
                                                     String... parameters) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + PART_COLUMNS + " FROM " + kind.table + tail)) {
            bind(s, parameters);
            try (ResultSet r = s.executeQuery()) {
                List<StoredAgentPart> all = new ArrayList<>();
                while (r.next()) {
                    all.add(new StoredAgentPart(r.getString("agent_id"), r.getString("id"), r.getString("name"),
                            r.getString("state"), r.getString("body_json"), Timestamps.get(r, "created_at"),
                            Timestamps.get(r, "updated_at"), r.getString("client_token")));
                }
                return all;
            }
        }
    }

    private static List<StoredAgentVersion> selectVersions(Connection c, String tail, String agentId,
                                                           Integer version) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT agent_id, version, snapshot_json, created_at"
                + " FROM agent_versions" + tail)) {
            s.setString(1, agentId);
            if (version != null) {
                s.setInt(2, version);
            }
            try (ResultSet r = s.executeQuery()) {
                List<StoredAgentVersion> all = new ArrayList<>();
                while (r.next()) {
                    all.add(new StoredAgentVersion(r.getString("agent_id"), r.getInt("version"),
                            r.getString("snapshot_json"), Timestamps.get(r, "created_at")));
                }
                return all;
            }
        }
    }

    private static int update(Connection c, String sql, String... parameters) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, parameters);
            return s.executeUpdate();
        }
    }

    private static void bind(PreparedStatement s, String... parameters) throws SQLException {
        for (int i = 0; i < parameters.length; i++) {
            s.setString(i + 1, parameters[i]);
        }
    }

    private static <T> Optional<T> first(List<T> rows) {
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    private static String json(List<String> values) {
        try {
            return JSON.writeValueAsString(values);
        } catch (JsonProcessingException e) {
            throw new StateException("cannot write failure reasons: " + e.getMessage(), e);
        }
    }

    private static List<String> strings(String json) {
        try {
            return JSON.readValue(json, new TypeReference<List<String>>() { });
        } catch (JsonProcessingException e) {
            throw new StateException("unreadable failure reasons: " + e.getMessage(), e);
        }
    }

    private static void setText(PreparedStatement s, int index, String value) throws SQLException {
        if (value == null) {
            s.setNull(index, Types.VARCHAR);
        } else {
            s.setString(index, value);
        }
    }

    private static void setInstant(PreparedStatement s, int index, Instant value) throws SQLException {
        if (value == null) {
            s.setNull(index, Types.BIGINT);
        } else {
            Timestamps.set(s, index, value);
        }
    }
}
