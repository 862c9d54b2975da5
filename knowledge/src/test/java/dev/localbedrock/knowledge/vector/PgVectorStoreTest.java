package dev.localbedrock.knowledge.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.localbedrock.knowledge.vector.Filter.Attribute;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract on PostgreSQL with pgvector (PGlite: the real PostgreSQL and the real extension, in WASM, started once
 * for the class), and what only this store does: its table layout, identifiers and values that are not SQL.
 */
class PgVectorStoreTest extends VectorStoreContractTest {

    private static PgliteServer server;
    private static PgVectorStoreFactory factory;

    @BeforeAll
    static void startPostgres() throws Exception {
        server = PgliteServer.start();
        // One connection: pglite-server multiplexes its single PostgreSQL session over its clients whole query by
        // whole query, but interleaves two clients' extended-protocol messages (Parse, Bind, Execute), which a real
        // server keeps apart per connection. The concurrency case still runs its threads through the pool.
        factory = new PgVectorStoreFactory(server.jdbcUrl(), PgliteServer.USER, PgliteServer.PASSWORD, 1);
    }

    @AfterAll
    static void stopPostgres() {
        if (factory != null) {
            factory.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Override
    PgVectorStoreFactory stores() {
        return factory;
    }

    @Override
    boolean storedAnywhere(String indexName) throws SQLException {
        List<List<String>> rows = query("SELECT to_regclass(?)::text", PgNames.quote(PgNames.table(indexName)));
        List<List<String>> catalogue = query("SELECT index_name FROM " + PgNames.CATALOGUE + " WHERE index_name = ?",
                indexName);
        return rows.get(0).get(0) != null || !catalogue.isEmpty();
    }

    @Test
    void theTableHasTheFieldMappingsColumnsAndAnHnswIndexOfTheMetricsOperatorClass() throws Exception {
        for (Metric metric : Metric.values()) {
            String name = "layout-" + metric.name().toLowerCase();
            try (VectorStore store = stores().open(spec(name, 384, metric))) {
                store.upsert(List.of(chunk("a", "ds", "s3://b/a", gaussian(new java.util.Random(1), 384, 1))));
            }
            Map<String, String> columns = new LinkedHashMap<>();
            for (List<String> row : query("SELECT column_name::text, format_type(atttypid, atttypmod)"
                    + " FROM information_schema.columns c JOIN pg_attribute a ON a.attrelid = to_regclass(?)"
                    + " AND a.attname = c.column_name WHERE c.table_name = ? ORDER BY c.ordinal_position",
                    PgNames.quote(name), name)) {
                columns.put(row.get(0), row.get(1));
            }
            assertEquals(Map.of("_lb_chunk_id", "text", "_lb_data_source_id", "text", "_lb_source_uri", "text",
                    FIELDS.vectorField(), "vector(384)", FIELDS.textField(), "text", FIELDS.metadataField(), "jsonb"),
                    columns, metric.name());
            String hnsw = query("SELECT indexdef FROM pg_indexes WHERE tablename = ? AND indexdef LIKE '%hnsw%'",
                    name).get(0).get(0);
            assertTrue(hnsw.contains(PgVectorStore.operatorClass(metric)), hnsw);
        }
    }

    @Test
    void valuesThatLookLikeSqlAreOnlyValues() throws Exception {
        String hostile = "x'); DROP TABLE \"values-sql\"; --";
        try (VectorStore store = stores().open(spec("values-sql", 3, Metric.COSINE))) {
            store.upsert(List.of(new ChunkRecord(hostile, "ds'", "s3://b/100%_done", "it's",
                    Map.of("k'ey", "v\"al", "pct", "100%"), new float[] {1, 0, 0}),
                    chunk("plain", "ds", "s3://b/1000", new float[] {0, 1, 0})));
            List<Hit> hits = store.search(new float[] {1, 0, 0}, 5, Filter.andAll(
                    Filter.equalsTo(Attribute.metadata("k'ey"), "v\"al"),
                    Filter.startsWith(Attribute.sourceUri(), "s3://b/100%"),
                    Filter.in(Attribute.dataSourceId(), List.of("ds'"))));
            assertEquals(1, hits.size());
            assertEquals(new Hit(hostile, "ds'", "s3://b/100%_done", "it's", Map.of("k'ey", "v\"al", "pct", "100%"),
                    hits.get(0).score()), hits.get(0));
            // starts_with, not LIKE: '%' is a character, so "s3://b/1000" does not start with "s3://b/100%"
            assertEquals(List.of(hostile), store.search(new float[] {0, 1, 0}, 5,
                    Filter.startsWith(Attribute.sourceUri(), "s3://b/100%")).stream().map(Hit::chunkId).toList());
            assertEquals(2, store.count());
            assertEquals(1, store.deleteBySource("ds'", "s3://b/100%_done"));
        }
    }

    @Test
    void longIndexNamesGetDistinctTablesAndLongFieldNamesAreRefused() throws Exception {
        String a = "kb-" + "a".repeat(70) + "-one";
        String b = "kb-" + "a".repeat(70) + "-two";
        try (VectorStore first = stores().open(spec(a, 2, Metric.EUCLIDEAN));
             VectorStore second = stores().open(spec(b, 2, Metric.EUCLIDEAN))) {
            first.upsert(List.of(chunk("x", "ds", "s3://b/x", new float[] {1, 1})));
            assertEquals(1, first.count());
            assertEquals(0, second.count());
        }
        assertTrue(PgNames.table(a).length() <= 63);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> stores().open(
                new IndexSpec("long-field", 2, Metric.COSINE, new FieldNames("v".repeat(64), "t", "m"))));
        assertTrue(e.getMessage().contains("at most 63"), e.getMessage());
    }

    @Test
    void aSecondFactoryOnTheSameDatabaseSeesTheIndexAndChecksItsSpec() throws Exception {
        try (VectorStore store = stores().open(spec("shared", 3, Metric.DOT_PRODUCT))) {
            store.upsert(List.of(chunk("a", "ds", "s3://b/a", new float[] {1, 2, 3})));
        }
        try (PgVectorStoreFactory other = new PgVectorStoreFactory(server.jdbcUrl(), PgliteServer.USER,
                PgliteServer.PASSWORD, 1)) {
            try (VectorStore store = other.open(spec("shared", 3, Metric.DOT_PRODUCT))) {
                Hit hit = store.search(new float[] {1, 0, 0}, 1, null).get(0);
                assertEquals(Metric.DOT_PRODUCT.score(1), hit.score(), 1e-6);
            }
            assertThrows(IndexSpecMismatchException.class, () -> other.open(spec("shared", 3, Metric.COSINE)));
        }
    }

    private static List<List<String>> query(String sql, String... parameters) throws SQLException {
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl(), PgliteServer.USER,
                PgliteServer.PASSWORD);
             PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setString(i + 1, parameters[i]);
            }
            List<List<String>> rows = new ArrayList<>();
            try (ResultSet result = statement.executeQuery()) {
                int columns = result.getMetaData().getColumnCount();
                while (result.next()) {
                    List<String> row = new ArrayList<>();
                    for (int c = 1; c <= columns; c++) {
                        row.add(result.getString(c));
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }
}
