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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link IngestionJobRepository} over the {@code ingestion_jobs} and {@code kb_documents} tables. */
final class JdbcIngestionJobRepository implements IngestionJobRepository {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS = "id, knowledge_base_id, data_source_id, status, description,"
            + " statistics_json, failure_reasons, started_at, updated_at, client_token";
    private final Transactor tx;
    private final LeaseSql leases;

    JdbcIngestionJobRepository(Transactor tx) {
        this.tx = tx;
        this.leases = new LeaseSql(tx, "ingestion_jobs", "id");
    }

    @Override
    public void create(StoredIngestionJob job, String leaseOwner, java.time.Instant leaseExpiresAt) {
        tx.inTransaction("create ingestion job " + job.id(), c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO ingestion_jobs (" + COLUMNS
                    + ", lease_owner, lease_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setString(1, job.id());
                s.setString(2, job.knowledgeBaseId());
                s.setString(3, job.dataSourceId());
                s.setString(4, job.status());
                setText(s, 5, job.description());
                s.setString(6, write(job.statistics()));
                s.setString(7, write(job.failureReasons()));
                Timestamps.set(s, 8, job.startedAt());
                Timestamps.set(s, 9, job.updatedAt());
                setText(s, 10, job.clientToken());
                setText(s, 11, leaseOwner);
                Timestamps.set(s, 12, leaseExpiresAt);
                s.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public boolean claim(String id, String owner, java.time.Instant expiredBefore, java.time.Instant expiresAt) {
        return leases.claim(id, owner, expiredBefore, expiresAt);
    }

    @Override
    public boolean renew(String id, String owner, java.time.Instant expiresAt) {
        return leases.renew(id, owner, expiresAt);
    }

    @Override
    public void release(String id, String owner) {
        leases.release(id, owner);
    }

    @Override
    public Optional<JobLease> lease(String id) {
        return leases.read(id);
    }

    @Override
    public Optional<StoredIngestionJob> find(String dataSourceId, String id) {
        return tx.inTransaction("find ingestion job " + id, c -> first(select(c,
                " WHERE data_source_id = ? AND id = ?", dataSourceId, id)));
    }

    @Override
    public Optional<StoredIngestionJob> findByClientToken(String dataSourceId, String token) {
        return tx.inTransaction("find ingestion job by client token", c -> first(select(c,
                " WHERE data_source_id = ? AND client_token = ?", dataSourceId, token)));
    }

    @Override
    public List<StoredIngestionJob> list(String dataSourceId) {
        return tx.inTransaction("list ingestion jobs of " + dataSourceId, c -> select(c,
                " WHERE data_source_id = ? ORDER BY started_at, id", dataSourceId));
    }

    @Override
    public List<StoredIngestionJob> withStatus(List<String> statuses) {
        String marks = String.join(", ", statuses.stream().map(s -> "?").toList());
        return tx.inTransaction("list unfinished ingestion jobs", c -> select(c,
                " WHERE status IN (" + marks + ") ORDER BY started_at, id", statuses.toArray(String[]::new)));
    }

    @Override
    public boolean update(StoredIngestionJob job) {
        return tx.inTransaction("update ingestion job " + job.id(), c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE ingestion_jobs SET status = ?,"
                    + " statistics_json = ?, failure_reasons = ?, updated_at = ? WHERE id = ?")) {
                s.setString(1, job.status());
                s.setString(2, write(job.statistics()));
                s.setString(3, write(job.failureReasons()));
                Timestamps.set(s, 4, job.updatedAt());
                s.setString(5, job.id());
                return s.executeUpdate() > 0;
            }
        });
    }

    @Override
    public List<StoredDocument> documents(String dataSourceId) {
        return tx.inTransaction("list documents of " + dataSourceId, c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT data_source_id, knowledge_base_id, s3_key,"
                    + " fingerprint, chunk_ids_json FROM kb_documents WHERE data_source_id = ? ORDER BY s3_key")) {
                s.setString(1, dataSourceId);
                try (ResultSet r = s.executeQuery()) {
                    List<StoredDocument> all = new ArrayList<>();
                    while (r.next()) {
                        all.add(new StoredDocument(r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                                strings(r.getString(5))));
                    }
                    return all;
                }
            }
        });
    }

    @Override
    public void putDocument(StoredDocument d) {
        tx.inTransaction("record document " + d.key(), c -> {
            delete(c, "DELETE FROM kb_documents WHERE data_source_id = ? AND s3_key = ?", d.dataSourceId(), d.key());
            try (PreparedStatement s = c.prepareStatement("INSERT INTO kb_documents (data_source_id,"
                    + " knowledge_base_id, s3_key, fingerprint, chunk_ids_json, indexed_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?)")) {
                s.setString(1, d.dataSourceId());
                s.setString(2, d.knowledgeBaseId());
                s.setString(3, d.key());
                s.setString(4, d.fingerprint());
                s.setString(5, write(d.chunkIds()));
                s.setLong(6, System.currentTimeMillis());
                s.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void deleteDocument(String dataSourceId, String key) {
        tx.inTransaction("forget document " + key, c -> {
            delete(c, "DELETE FROM kb_documents WHERE data_source_id = ? AND s3_key = ?", dataSourceId, key);
            return null;
        });
    }

    @Override
    public void deleteDataSource(String dataSourceId) {
        tx.inTransaction("delete ingestion state of " + dataSourceId, c -> {
            delete(c, "DELETE FROM kb_documents WHERE data_source_id = ?", dataSourceId);
            delete(c, "DELETE FROM ingestion_jobs WHERE data_source_id = ?", dataSourceId);
            return null;
        });
    }

    @Override
    public void deleteKnowledgeBase(String knowledgeBaseId) {
        tx.inTransaction("delete ingestion state of " + knowledgeBaseId, c -> {
            delete(c, "DELETE FROM kb_documents WHERE knowledge_base_id = ?", knowledgeBaseId);
            delete(c, "DELETE FROM ingestion_jobs WHERE knowledge_base_id = ?", knowledgeBaseId);
            return null;
        });
    }

    private static void delete(Connection c, String sql, String... parameters) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, parameters);
            s.executeUpdate();
        }
    }

    private static List<StoredIngestionJob> select(Connection c, String tail, String... parameters)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM ingestion_jobs" + tail)) {
            bind(s, parameters);
            try (ResultSet r = s.executeQuery()) {
                List<StoredIngestionJob> all = new ArrayList<>();
                while (r.next()) {
                    all.add(new StoredIngestionJob(r.getString("id"), r.getString("knowledge_base_id"),
                            r.getString("data_source_id"), r.getString("status"), r.getString("description"),
                            statistics(r.getString("statistics_json")), strings(r.getString("failure_reasons")),
                            Timestamps.get(r, "started_at"), Timestamps.get(r, "updated_at"),
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

    private static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new StateException("cannot write ingestion state: " + e.getMessage(), e);
        }
    }

    private static List<String> strings(String json) {
        try {
            return JSON.readValue(json, new TypeReference<List<String>>() { });
        } catch (JsonProcessingException e) {
            throw new StateException("unreadable ingestion state: " + e.getMessage(), e);
        }
    }

    private static Map<String, Long> statistics(String json) {
        try {
            return JSON.readValue(json, new TypeReference<LinkedHashMap<String, Long>>() { });
        } catch (JsonProcessingException e) {
            throw new StateException("unreadable ingestion statistics: " + e.getMessage(), e);
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
