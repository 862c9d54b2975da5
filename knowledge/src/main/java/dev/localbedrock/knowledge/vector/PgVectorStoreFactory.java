package dev.localbedrock.knowledge.vector;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vector indexes in one PostgreSQL database with the pgvector extension (a table each, in the connection's default
 * schema), reached with a JDBC URL, user and password: the {@code vector_store} section's {@code url}, {@code user}
 * and {@code password}. The indexes' specs live in the catalogue table {@value PgNames#CATALOGUE}, so reopening an
 * index with another dimension, metric or field names fails as it does for the embedded store.
 *
 * <p>The extension must be installed in the database ({@code CREATE EXTENSION vector}, which needs a privileged
 * role); the factory creates it itself where its role may. An index is open at most once per factory at a time.
 */
public final class PgVectorStoreFactory implements VectorStoreFactory, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PgVectorStoreFactory.class);

    /** Connections per factory unless told otherwise: searches in parallel beside one writer, on few cores. */
    public static final int DEFAULT_MAX_CONNECTIONS = 4;
    private static final String LAYOUT_VERSION = "1";

    private final PgConnections connections;
    private final String url;
    private final Set<String> open = new HashSet<>();
    private volatile boolean extensionChecked;

    /**
     * @param url a JDBC URL such as {@code jdbc:postgresql://db.example:5432/knowledge}
     * @param user the role to connect as; {@code null} for the driver's default or the URL's
     * @param password its password; {@code null} for none or the URL's
     */
    public PgVectorStoreFactory(String url, String user, String password) {
        this(url, user, password, DEFAULT_MAX_CONNECTIONS);
    }

    public PgVectorStoreFactory(String url, String user, String password, int maxConnections) {
        if (url == null || !url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("vector_store.url must be a jdbc:postgresql: URL, got '" + url + "'");
        }
        this.url = url;
        this.connections = new PgConnections(url, user, password, maxConnections);
    }

    @Override
    public PgVectorStore open(IndexSpec spec) throws IOException {
        PgNames.checkColumn("vectorField", spec.fields().vectorField());
        PgNames.checkColumn("textField", spec.fields().textField());
        PgNames.checkColumn("metadataField", spec.fields().metadataField());
        synchronized (open) {
            if (!open.add(spec.indexName())) {
                throw new IOException("vector index '" + spec.indexName() + "' is already open");
            }
        }
        try {
            ensureExtension();
            connections.inTransaction(connection -> {
                lockCatalogue(connection);
                Map<String, String> recorded = recordedSpec(connection, spec.indexName());
                if (recorded != null) {
                    checkSpec(spec, recorded);
                } else {
                    create(connection, spec);
                }
                return null;
            });
            log.debug("Opened vector index {} ({} dimensions, {}) in PostgreSQL", spec.indexName(),
                    spec.dimensions(), spec.metric());
            return new PgVectorStore(this, connections, spec);
        } catch (SQLException e) {
            released(spec.indexName());
            throw failure("opening vector index '" + spec.indexName() + "'", e);
        } catch (RuntimeException e) {
            released(spec.indexName());
            throw e;
        }
    }

    @Override
    public void drop(String indexName) throws IOException {
        IndexSpec.checkIndexName(indexName);
        synchronized (open) {
            if (open.contains(indexName)) {
                throw new IOException("vector index '" + indexName + "' is open; close it before dropping it");
            }
        }
        dropTable(indexName);
    }

    /** Closes the pooled connections; stores opened from this factory cannot be used afterwards. */
    @Override
    public void close() {
        connections.close();
    }

    @Override
    public String toString() {
        return "PgVectorStoreFactory[" + url.replaceAll("[?;].*", "") + "]"; // the URL may carry a password
    }

    // ---- called by the stores

    void released(String indexName) {
        synchronized (open) {
            open.remove(indexName);
        }
    }

    void dropTable(String indexName) throws IOException {
        try {
            connections.inTransaction(connection -> {
                lockCatalogue(connection);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("DROP TABLE IF EXISTS " + PgNames.quote(PgNames.table(indexName)));
                }
                try (PreparedStatement delete = connection.prepareStatement(
                        "DELETE FROM " + PgNames.CATALOGUE + " WHERE index_name = ?")) {
                    delete.setString(1, indexName);
                    delete.executeUpdate();
                }
                return null;
            });
        } catch (SQLException e) {
            throw failure("dropping vector index '" + indexName + "'", e);
        }
    }

    static IOException failure(String what, SQLException e) {
        return new IOException(what + " failed in PostgreSQL: " + e.getMessage()
                + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")"), e);
    }

    // ---- catalogue

    private void ensureExtension() throws SQLException, IOException {
        if (extensionChecked) {
            return;
        }
        boolean installed = connections.withConnection(connection -> {
            try (Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT 1 FROM pg_extension WHERE extname = 'vector'")) {
                if (rows.next()) {
                    return true;
                }
            }
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE EXTENSION IF NOT EXISTS vector");
                return true;
            } catch (SQLException e) {
                log.warn("CREATE EXTENSION vector failed: {}", e.getMessage());
                return false;
            }
        });
        if (!installed) {
            throw new IOException("the PostgreSQL database has no pgvector extension and this role may not create it:"
                    + " install pgvector and run CREATE EXTENSION vector in the database as a privileged role");
        }
        extensionChecked = true;
    }

    /** Creates the catalogue if need be and holds a lock on it to the end of the transaction. */
    private static void lockCatalogue(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            // Serialises creating, checking and dropping indexes across servers sharing the database.
            statement.execute("SELECT pg_advisory_xact_lock(hashtext('" + PgNames.CATALOGUE + "'))");
            statement.execute("CREATE TABLE IF NOT EXISTS " + PgNames.CATALOGUE + " (index_name text PRIMARY KEY,"
                    + " table_name text NOT NULL, layout text NOT NULL, dimensions integer NOT NULL,"
                    + " metric text NOT NULL, vector_field text NOT NULL, text_field text NOT NULL,"
                    + " metadata_field text NOT NULL)");
        }
    }

    private static Map<String, String> recordedSpec(Connection connection, String indexName) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT dimensions, metric, vector_field,"
                + " text_field, metadata_field FROM " + PgNames.CATALOGUE + " WHERE index_name = ?")) {
            select.setString(1, indexName);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    return null;
                }
                Map<String, String> recorded = new LinkedHashMap<>();
                recorded.put("dimensions", Integer.toString(rows.getInt(1)));
                recorded.put("metric", rows.getString(2));
                recorded.put("vectorField", rows.getString(3));
                recorded.put("textField", rows.getString(4));
                recorded.put("metadataField", rows.getString(5));
                return recorded;
            }
        }
    }

    private static Map<String, String> specData(IndexSpec spec) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("dimensions", Integer.toString(spec.dimensions()));
        data.put("metric", spec.metric().name());
        data.put("vectorField", spec.fields().vectorField());
        data.put("textField", spec.fields().textField());
        data.put("metadataField", spec.fields().metadataField());
        return data;
    }

    private static void checkSpec(IndexSpec spec, Map<String, String> recorded) {
        List<String> differences = new ArrayList<>();
        for (Map.Entry<String, String> expected : specData(spec).entrySet()) {
            String found = recorded.get(expected.getKey());
            if (!expected.getValue().equals(found)) {
                differences.add(expected.getKey() + " is " + found + ", not " + expected.getValue());
            }
        }
        if (!differences.isEmpty()) {
            throw new IndexSpecMismatchException("vector index '" + spec.indexName() + "' was created with another"
                    + " spec: " + String.join("; ", differences)
                    + ". Open it with the spec it was created with, or drop it and ingest again");
        }
    }

    private static void create(Connection connection, IndexSpec spec) throws SQLException {
        String table = PgNames.table(spec.indexName());
        try (PreparedStatement exists = connection.prepareStatement("SELECT to_regclass(?)")) {
            exists.setString(1, PgNames.quote(table));
            try (ResultSet rows = exists.executeQuery()) {
                if (rows.next() && rows.getString(1) != null) {
                    throw new IndexSpecMismatchException("table " + PgNames.quote(table) + " of vector index '"
                            + spec.indexName() + "' exists but records no vector spec; it is not one of this"
                            + " server's");
                }
            }
        }
        try (Statement statement = connection.createStatement()) {
            for (String ddl : PgVectorStore.createStatements(spec)) {
                statement.execute(ddl);
            }
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + PgNames.CATALOGUE
                + " (index_name, table_name, layout, dimensions, metric, vector_field, text_field, metadata_field)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, spec.indexName());
            insert.setString(2, table);
            insert.setString(3, LAYOUT_VERSION);
            insert.setInt(4, spec.dimensions());
            insert.setString(5, spec.metric().name());
            insert.setString(6, spec.fields().vectorField());
            insert.setString(7, spec.fields().textField());
            insert.setString(8, spec.fields().metadataField());
            insert.executeUpdate();
        }
    }
}
