package dev.localbedrock.runtime.state;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs each operation as one transaction on a single connection, one operation at a time. The write is
 * acknowledged only when {@code commit()} has returned, and on SQLite that means it is on disk (see
 * {@link #tune}); a failure rolls back, so a half-done operation is never visible.
 *
 * <p>One connection behind a lock rather than a pool: the database is embedded and owned by this process, SQLite
 * admits one writer at a time anyway, and control-plane calls are few and short. A shared database (PostgreSQL,
 * several replicas) is where a pool belongs; it would replace this class, not the repositories.
 */
final class Transactor implements AutoCloseable {
    private final String url;
    private final ReentrantLock lock = new ReentrantLock();
    private Connection connection;
    private boolean closed;

    Transactor(String url) {
        this.url = url;
    }

    <T> T inTransaction(String what, SqlWork<T> work) {
        lock.lock();
        try {
            Connection c = connection();
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException e) {
                rollback(c, e);
                throw SqlErrors.translate(what, e);
            } catch (RuntimeException e) {
                rollback(c, e);
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    private Connection connection() {
        if (closed) {
            throw new StateException("the state database is closed");
        }
        try {
            if (connection == null || connection.isClosed()) {
                connection = open(url);
            }
            return connection;
        } catch (SQLException e) {
            throw new StateException("cannot open the state database " + url + ": " + e.getMessage(), e);
        }
    }

    static Connection open(String url) throws SQLException {
        Connection c = DriverManager.getConnection(url);
        try {
            tune(c, url);
            c.setAutoCommit(false);
            return c;
        } catch (SQLException e) {
            c.close();
            throw e;
        }
    }

    /**
     * SQLite's durability settings: the write-ahead log (readers never see a commit in progress; an interrupted
     * one is discarded on the next open) with a sync at every commit, so an acknowledged write survives a kill -9
     * and a power cut; a busy timeout so another process holding the lock (a backup) makes us wait, not fail.
     */
    private static void tune(Connection c, String url) throws SQLException {
        if (!url.startsWith("jdbc:sqlite:")) {
            return;
        }
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=FULL");
            s.execute("PRAGMA busy_timeout=10000");
            s.execute("PRAGMA foreign_keys=ON");
        }
    }

    private static void rollback(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
            try {
                c.close(); // a connection that cannot roll back is not reused: the next operation opens a new one
            } catch (SQLException ignored) {
                // already reported through the suppressed exception
            }
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException e) {
            throw new StateException("cannot close the state database: " + e.getMessage(), e);
        } finally {
            connection = null;
            lock.unlock();
        }
    }
}
