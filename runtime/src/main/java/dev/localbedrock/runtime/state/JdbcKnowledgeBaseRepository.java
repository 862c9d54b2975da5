package dev.localbedrock.runtime.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link KnowledgeBaseRepository} over the {@code knowledge_bases} and {@code data_sources} tables. */
final class JdbcKnowledgeBaseRepository implements KnowledgeBaseRepository {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KB_COLUMNS = "id, arn, name, status, body_json, failure_reasons, created_at,"
            + " updated_at, client_token";
    private static final String DS_COLUMNS = "id, knowledge_base_id, name, status, body_json, created_at,"
            + " updated_at, client_token";
    private final Transactor tx;

    JdbcKnowledgeBaseRepository(Transactor tx) {
        this.tx = tx;
    }

    @Override
    public void create(StoredKnowledgeBase kb, Map<String, String> tags) {
        tx.inTransaction("create knowledge base " + kb.id() + " (" + kb.name() + ")", c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO knowledge_bases (" + KB_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setString(1, kb.id());
                s.setString(2, kb.arn());
                s.setString(3, kb.name());
                s.setString(4, kb.status());
                s.setString(5, kb.bodyJson());
                s.setString(6, json(kb.failureReasons()));
                Timestamps.set(s, 7, kb.createdAt());
                Timestamps.set(s, 8, kb.updatedAt());
                setText(s, 9, kb.clientToken());
                s.executeUpdate();
            }
            JdbcTagRepository.upsert(c, kb.arn(), tags);
            return null;
        });
    }

    @Override
    public Optional<StoredKnowledgeBase> find(String id) {
        return tx.inTransaction("find knowledge base " + id, c -> first(selectKb(c, " WHERE id = ?", id)));
    }

    @Override
    public Optional<StoredKnowledgeBase> findByClientToken(String token) {
        return tx.inTransaction("find knowledge base by client token",
                c -> first(selectKb(c, " WHERE client_token = ?", token)));
    }

    @Override
    public List<StoredKnowledgeBase> list() {
        return tx.inTransaction("list knowledge bases", c -> selectKb(c, " ORDER BY created_at, id"));
    }

    @Override
    public boolean update(StoredKnowledgeBase kb) {
        return tx.inTransaction("update knowledge base " + kb.id(), c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE knowledge_bases SET name = ?, status = ?,"
                    + " body_json = ?, failure_reasons = ?, updated_at = ? WHERE id = ?")) {
                s.setString(1, kb.name());
                s.setString(2, kb.status());
                s.setString(3, kb.bodyJson());
                s.setString(4, json(kb.failureReasons()));
                Timestamps.set(s, 5, kb.updatedAt());
                s.setString(6, kb.id());
                return s.executeUpdate() > 0;
            }
        });
    }

    @Override
    public boolean delete(String id) {
        return tx.inTransaction("delete knowledge base " + id, c -> {
            // Explicitly, not by the foreign key's cascade: SQLite enforces it only with foreign_keys=ON, and
            // another database may have been created without it.
            try (PreparedStatement sources = c.prepareStatement("DELETE FROM data_sources WHERE knowledge_base_id = ?");
                 PreparedStatement tags = c.prepareStatement("DELETE FROM tags WHERE resource_arn IN"
                         + " (SELECT arn FROM knowledge_bases WHERE id = ?)");
                 PreparedStatement kb = c.prepareStatement("DELETE FROM knowledge_bases WHERE id = ?")) {
                sources.setString(1, id);
                sources.executeUpdate();
                tags.setString(1, id);
                tags.executeUpdate();
                kb.setString(1, id);
                return kb.executeUpdate() > 0;
            }
        });
    }

    @Override
    public void createDataSource(StoredDataSource ds) {
        tx.inTransaction("create data source " + ds.id() + " (" + ds.name() + ")", c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO data_sources (" + DS_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setString(1, ds.id());
                s.setString(2, ds.knowledgeBaseId());
                s.setString(3, ds.name());
                s.setString(4, ds.status());
                s.setString(5, ds.bodyJson());
                Timestamps.set(s, 6, ds.createdAt());
                Timestamps.set(s, 7, ds.updatedAt());
                setText(s, 8, ds.clientToken());
                s.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<StoredDataSource> findDataSource(String knowledgeBaseId, String id) {
        return tx.inTransaction("find data source " + id, c -> first(selectDs(c,
                " WHERE knowledge_base_id = ? AND id = ?", knowledgeBaseId, id)));
    }

    @Override
    public Optional<StoredDataSource> findDataSourceByClientToken(String knowledgeBaseId, String token) {
        return tx.inTransaction("find data source by client token", c -> first(selectDs(c,
                " WHERE knowledge_base_id = ? AND client_token = ?", knowledgeBaseId, token)));
    }

    @Override
    public List<StoredDataSource> listDataSources(String knowledgeBaseId) {
        return tx.inTransaction("list data sources of " + knowledgeBaseId, c -> selectDs(c,
                " WHERE knowledge_base_id = ? ORDER BY created_at, id", knowledgeBaseId));
    }

    @Override
    public boolean updateDataSource(StoredDataSource ds) {
        return tx.inTransaction("update data source " + ds.id(), c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE data_sources SET name = ?, status = ?,"
                    + " body_json = ?, updated_at = ? WHERE knowledge_base_id = ? AND id = ?")) {
                s.setString(1, ds.name());
                s.setString(2, ds.status());
                s.setString(3, ds.bodyJson());
                Timestamps.set(s, 4, ds.updatedAt());
                s.setString(5, ds.knowledgeBaseId());
                s.setString(6, ds.id());
                return s.executeUpdate() > 0;
            }
        });
    }

    @Override
    public boolean deleteDataSource(String knowledgeBaseId, String id) {
        return tx.inTransaction("delete data source " + id, c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "DELETE FROM data_sources WHERE knowledge_base_id = ? AND id = ?")) {
                s.setString(1, knowledgeBaseId);
                s.setString(2, id);
                return s.executeUpdate() > 0;
            }
        });
    }

    private static List<StoredKnowledgeBase> selectKb(Connection c, String tail, String... parameters)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + KB_COLUMNS + " FROM knowledge_bases" + tail)) {
            bind(s, parameters);
            try (ResultSet r = s.executeQuery()) {
                List<StoredKnowledgeBase> all = new ArrayList<>();
                while (r.next()) {
                    all.add(new StoredKnowledgeBase(r.getString("id"), r.getString("arn"), r.getString("name"),
                            r.getString("status"), r.getString("body_json"), strings(r.getString("failure_reasons")),
                            Timestamps.get(r, "created_at"), Timestamps.get(r, "updated_at"),
                            r.getString("client_token")));
                }
                return all;
            }
        }
    }

    private static List<StoredDataSource> selectDs(Connection c, String tail, String... parameters)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + DS_COLUMNS + " FROM data_sources" + tail)) {
            bind(s, parameters);
            try (ResultSet r = s.executeQuery()) {
                List<StoredDataSource> all = new ArrayList<>();
                while (r.next()) {
                    all.add(new StoredDataSource(r.getString("id"), r.getString("knowledge_base_id"),
                            r.getString("name"), r.getString("status"), r.getString("body_json"),
                            Timestamps.get(r, "created_at"), Timestamps.get(r, "updated_at"),
                            r.getString("client_token")));
                }
                return all;
            }
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
}
