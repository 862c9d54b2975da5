package dev.localbedrock.knowledge.vector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A vector index in PostgreSQL with the pgvector extension: one table per {@link IndexSpec}, with the knowledge
 * base's field names as its vector ({@code vector(dims)}), text ({@code text}) and metadata ({@code jsonb}) columns,
 * the store's own chunk id, data-source id and source URI columns, and an HNSW index whose operator class is the
 * metric's. Opened through {@link PgVectorStoreFactory}, which records each index's spec in a catalogue table.
 *
 * <p>Every write is its own transaction, committed before the call returns (an upsert's whole batch in one), so
 * writes are durable and visible at once and {@link #commit()} has nothing left to do. Calls run on the factory's
 * pooled connections, so searches run in parallel with each other and with writes.
 */
public final class PgVectorStore implements VectorStore {

    private static final Logger log = LoggerFactory.getLogger(PgVectorStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String CHUNK_ID = PgNames.quote(LuceneFilters.CHUNK_ID);
    static final String DATA_SOURCE_ID = PgNames.quote(LuceneFilters.DATA_SOURCE_ID);
    static final String SOURCE_URI = PgNames.quote(LuceneFilters.SOURCE_URI);

    /**
     * HNSW candidates a search explores however few results are asked for, as the embedded store does; pgvector's
     * default of 40 is a narrower beam than Lucene's.
     */
    static final int MIN_CANDIDATES = 100;
    /** pgvector's largest {@code hnsw.ef_search}. */
    private static final int MAX_EF_SEARCH = 1000;

    private final PgVectorStoreFactory factory;
    private final PgConnections connections;
    private final IndexSpec spec;
    private final String table;
    private final String vectorColumn;
    private final String textColumn;
    private final String metadataColumn;
    private final PgFilters filters;
    private final String upsertSql;
    /** Read: any operation; write: close and drop, so nothing runs on a closing index. */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    PgVectorStore(PgVectorStoreFactory factory, PgConnections connections, IndexSpec spec) {
        this.factory = factory;
        this.connections = connections;
        this.spec = spec;
        this.table = PgNames.quote(PgNames.table(spec.indexName()));
        this.vectorColumn = PgNames.quote(spec.fields().vectorField());
        this.textColumn = PgNames.quote(spec.fields().textField());
        this.metadataColumn = PgNames.quote(spec.fields().metadataField());
        this.filters = new PgFilters(metadataColumn);
        this.upsertSql = "INSERT INTO " + table + " (" + CHUNK_ID + ", " + DATA_SOURCE_ID + ", " + SOURCE_URI + ", "
                + vectorColumn + ", " + textColumn + ", " + metadataColumn + ") VALUES (?, ?, ?, ?::vector, ?, ?::jsonb)"
                + " ON CONFLICT (" + CHUNK_ID + ") DO UPDATE SET " + DATA_SOURCE_ID + " = EXCLUDED." + DATA_SOURCE_ID
                + ", " + SOURCE_URI + " = EXCLUDED." + SOURCE_URI + ", " + vectorColumn + " = EXCLUDED." + vectorColumn
                + ", " + textColumn + " = EXCLUDED." + textColumn + ", " + metadataColumn + " = EXCLUDED."
                + metadataColumn;
    }

    /** The statements that create this index's table and its indexes. */
    static List<String> createStatements(IndexSpec spec) {
        String tableName = PgNames.table(spec.indexName());
        String table = PgNames.quote(tableName);
        String vector = PgNames.quote(spec.fields().vectorField());
        List<String> ddl = new ArrayList<>();
        ddl.add("CREATE TABLE " + table + " (" + CHUNK_ID + " text PRIMARY KEY, " + DATA_SOURCE_ID + " text NOT NULL, "
                + SOURCE_URI + " text NOT NULL, " + vector + " vector(" + spec.dimensions() + ") NOT NULL, "
                + PgNames.quote(spec.fields().textField()) + " text NOT NULL, "
                + PgNames.quote(spec.fields().metadataField()) + " jsonb NOT NULL)");
        ddl.add("CREATE INDEX " + PgNames.quote(PgNames.relation(spec.indexName(), "_source")) + " ON " + table
                + " (" + DATA_SOURCE_ID + ", " + SOURCE_URI + ")");
        ddl.add("CREATE INDEX " + PgNames.quote(PgNames.relation(spec.indexName(), "_metadata")) + " ON " + table
                + " USING gin (" + PgNames.quote(spec.fields().metadataField()) + " jsonb_path_ops)");
        if (spec.dimensions() <= PgNames.MAX_HNSW_DIMENSIONS) {
            ddl.add("CREATE INDEX " + PgNames.quote(PgNames.relation(spec.indexName(), "_hnsw")) + " ON " + table
                    + " USING hnsw (" + vector + " " + operatorClass(spec.metric()) + ")");
        } // else no ANN index: pgvector's HNSW takes at most 2 000 dimensions, and searches scan exactly
        return ddl;
    }

    static String operatorClass(Metric metric) {
        return switch (metric) {
            case COSINE -> "vector_cosine_ops";
            case EUCLIDEAN -> "vector_l2_ops";
            case DOT_PRODUCT -> "vector_ip_ops";
        };
    }

    /** pgvector's distance operator for the metric, the one its operator class indexes. */
    static String distanceOperator(Metric metric) {
        return switch (metric) {
            case COSINE -> "<=>";     // 1 - cos
            case EUCLIDEAN -> "<->";  // L2 distance
            case DOT_PRODUCT -> "<#>"; // negated inner product
        };
    }

    /** The raw similarity {@link Metric#score} takes, from pgvector's distance. */
    static double rawSimilarity(Metric metric, double distance) {
        return switch (metric) {
            case COSINE -> 1 - distance;
            case EUCLIDEAN -> distance * distance;
            case DOT_PRODUCT -> -distance;
        };
    }

    @Override
    public IndexSpec spec() {
        return spec;
    }

    @Override
    public void upsert(List<ChunkRecord> chunks) throws IOException {
        // Checked first, so a bad record writes nothing; a later record with an id replaces an earlier one.
        Map<String, ChunkRecord> byId = new LinkedHashMap<>();
        for (int i = 0; i < chunks.size(); i++) {
            ChunkRecord chunk = chunks.get(i);
            check(i, chunk);
            byId.remove(chunk.chunkId());
            byId.put(chunk.chunkId(), chunk);
        }
        if (byId.isEmpty()) {
            return;
        }
        run(() -> connections.inTransaction(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(upsertSql)) {
                for (ChunkRecord chunk : byId.values()) {
                    insert.setString(1, chunk.chunkId());
                    insert.setString(2, chunk.dataSourceId());
                    insert.setString(3, chunk.sourceUri());
                    insert.setString(4, vectorLiteral(chunk.vector()));
                    insert.setString(5, chunk.text());
                    insert.setString(6, toJson(new TreeMap<>(chunk.metadata())));
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            return 0L;
        }));
    }

    @Override
    public long deleteBySource(String dataSourceId, String sourceUri) throws IOException {
        return update("DELETE FROM " + table + " WHERE " + DATA_SOURCE_ID + " = ? AND " + SOURCE_URI + " = ?",
                List.of(dataSourceId, sourceUri));
    }

    @Override
    public long deleteByDataSource(String dataSourceId) throws IOException {
        return update("DELETE FROM " + table + " WHERE " + DATA_SOURCE_ID + " = ?", List.of(dataSourceId));
    }

    private long update(String sql, List<String> parameters) throws IOException {
        return run(() -> connections.withConnection(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                for (int i = 0; i < parameters.size(); i++) {
                    statement.setString(i + 1, parameters.get(i));
                }
                return (long) statement.executeUpdate();
            }
        }));
    }

    @Override
    public List<Hit> search(float[] query, int k, Filter filter) throws IOException {
        VectorChecks.check(spec, "query", query);
        VectorChecks.checkK(k);
        PgFilters.Sql where = filter == null ? null : filters.toSql(filter);
        String distance = vectorColumn + " " + distanceOperator(spec.metric()) + " ?::vector";
        String sql = "SELECT " + CHUNK_ID + ", " + DATA_SOURCE_ID + ", " + SOURCE_URI + ", " + textColumn + ", "
                + metadataColumn + "::text, " + distance + " FROM " + table
                + (where == null ? "" : " WHERE " + where.condition())
                + " ORDER BY " + distance + " LIMIT ?";
        String vector = vectorLiteral(query);
        int efSearch = Math.min(Math.max(k, MIN_CANDIDATES), MAX_EF_SEARCH);
        return run(() -> connections.inTransaction(connection -> {
            try (Statement settings = connection.createStatement()) {
                // A wider beam than pgvector's default, and a filtered search goes on through the graph until it
                // has k passing chunks in distance order: the filter applies before the nearest k are taken.
                settings.execute("SET LOCAL hnsw.ef_search = " + efSearch);
                settings.execute("SET LOCAL hnsw.iterative_scan = strict_order");
            }
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                int p = 1;
                statement.setString(p++, vector);
                if (where != null) {
                    for (String parameter : where.parameters()) {
                        statement.setString(p++, parameter);
                    }
                }
                statement.setString(p++, vector);
                statement.setInt(p, k);
                List<Hit> hits = new ArrayList<>();
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        double score = spec.metric().score(rawSimilarity(spec.metric(), rows.getDouble(6)));
                        hits.add(new Hit(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
                                fromJson(rows.getString(5)), (float) score));
                    }
                }
                return hits;
            }
        }));
    }

    @Override
    public long count() throws IOException {
        return run(() -> connections.withConnection(connection -> {
            try (Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + table)) {
                rows.next();
                return rows.getLong(1);
            }
        }));
    }

    @Override
    public void commit() throws IOException {
        run(() -> 0L); // every write committed before it returned
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            factory.released(spec.indexName());
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    @Override
    public void drop() throws IOException {
        lifecycle.writeLock().lock();
        try {
            ensureOpen();
            closed = true;
            try {
                factory.dropTable(spec.indexName());
            } finally {
                factory.released(spec.indexName());
            }
            log.info("Dropped vector index {}", spec.indexName());
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "PgVectorStore[" + spec.indexName() + "]";
    }

    // ---- values

    private void check(int index, ChunkRecord chunk) {
        String where = "chunks[" + index + "] (chunkId " + PgNames.printable(chunk.chunkId()) + ")";
        VectorChecks.check(spec, where + " vector", chunk.vector());
        // PostgreSQL's text and jsonb cannot hold NUL.
        PgNames.checkNoNul(where + " chunkId", chunk.chunkId());
        PgNames.checkNoNul(where + " dataSourceId", chunk.dataSourceId());
        PgNames.checkNoNul(where + " sourceUri", chunk.sourceUri());
        PgNames.checkNoNul(where + " text", chunk.text());
        chunk.metadata().forEach((key, value) -> {
            if (key.isEmpty()) {
                throw new IllegalArgumentException(where + " metadata key must be non-empty");
            }
            PgNames.checkNoNul(where + " metadata key '" + PgNames.printable(key) + "'", key);
            PgNames.checkNoNul(where + " metadata '" + PgNames.printable(key) + "'", value);
        });
    }

    /** pgvector's text form, {@code [1.0,2.5E-4,...]}; Java's float strings round-trip exactly. */
    static String vectorLiteral(float[] vector) {
        StringBuilder text = new StringBuilder(vector.length * 12).append('[');
        for (int i = 0; i < vector.length; i++) {
            if (i > 0) {
                text.append(',');
            }
            text.append(vector[i]);
        }
        return text.append(']').toString();
    }

    private static String toJson(Map<String, String> metadata) {
        try {
            return JSON.writeValueAsString(metadata);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> fromJson(String json) {
        try {
            return Collections.unmodifiableMap(
                    JSON.readValue(json, new TypeReference<LinkedHashMap<String, String>>() { }));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("stored metadata is not a JSON object of strings", e);
        }
    }

    // ---- lifecycle

    private interface Sql<T> {
        T run() throws SQLException;
    }

    private <T> T run(Sql<T> work) throws IOException {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return work.run();
        } catch (SQLException e) {
            throw PgVectorStoreFactory.failure("vector index '" + spec.indexName() + "'", e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("vector index '" + spec.indexName() + "' is closed");
        }
    }
}
