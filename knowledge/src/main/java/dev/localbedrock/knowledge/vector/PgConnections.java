package dev.localbedrock.knowledge.vector;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Properties;
import java.util.concurrent.Semaphore;

/**
 * A small pool of JDBC connections to one PostgreSQL database, so searches run in parallel with each other and with
 * writes without a connection per call. At most {@code size} are open; a borrower waits for one to come back.
 * A connection that failed (or was left inside a transaction) is closed instead of returned.
 */
final class PgConnections implements AutoCloseable {

    private final String url;
    private final Properties properties;
    private final Semaphore permits;
    private final Deque<Connection> idle = new ArrayDeque<>();
    private boolean closed;

    PgConnections(String url, String user, String password, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1, got " + size);
        }
        this.url = url;
        this.properties = new Properties();
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        properties.setProperty("ApplicationName", "local-bedrock");
        this.permits = new Semaphore(size, true);
    }

    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Runs the work on a pooled connection in autocommit mode. */
    <T> T withConnection(Work<T> work) throws SQLException {
        Connection connection = borrow();
        boolean healthy = false;
        try {
            T result = work.run(connection);
            healthy = connection.getAutoCommit();
            return result;
        } finally {
            giveBack(connection, healthy);
        }
    }

    /** Runs the work in one transaction: committed when it returns, rolled back when it throws. */
    <T> T inTransaction(Work<T> work) throws SQLException {
        return withConnection(connection -> {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        });
    }

    private Connection borrow() throws SQLException {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted waiting for a PostgreSQL connection", e);
        }
        try {
            Connection connection;
            synchronized (this) {
                if (closed) {
                    throw new SQLException("the PostgreSQL vector store is closed");
                }
                connection = idle.pollFirst();
            }
            if (connection == null || connection.isClosed()) {
                connection = DriverManager.getConnection(url, properties);
            }
            return connection;
        } catch (SQLException | RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    private void giveBack(Connection connection, boolean healthy) {
        try {
            boolean keep;
            synchronized (this) {
                keep = healthy && !closed;
                if (keep) {
                    idle.addFirst(connection);
                }
            }
            if (!keep) {
                closeQuietly(connection);
            }
        } finally {
            permits.release();
        }
    }

    @Override
    public void close() {
        Deque<Connection> toClose;
        synchronized (this) {
            closed = true;
            toClose = new ArrayDeque<>(idle);
            idle.clear();
        }
        toClose.forEach(PgConnections::closeQuietly);
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // it is being discarded either way
        }
    }
}
