package dev.localbedrock.runtime.state;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.sql.SQLException;

/**
 * One {@link DebianPostgres} server for every test class of a run that needs PostgreSQL, each test taking a database
 * of its own from it ({@link #newDatabase}): starting a server (initdb and pg_ctl) costs seconds, a database
 * milliseconds. Registered as {@code @RegisterExtension static final SharedPostgres POSTGRES = new SharedPostgres();};
 * the server is started by the first class that asks and stopped when the whole run ends (JUnit closes what the
 * root context's store holds).
 */
public final class SharedPostgres implements BeforeAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedPostgres.class);
    private DebianPostgres server;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(DebianPostgres.class, key -> {
            try {
                return DebianPostgres.start();
            } catch (Exception e) {
                throw new IllegalStateException("cannot start Debian's PostgreSQL for the tests", e);
            }
        }, DebianPostgres.class);
    }

    /** A new, empty database on the run's server, as a JDBC URL naming its user. */
    public String newDatabase() throws SQLException {
        if (server == null) {
            throw new IllegalStateException("SharedPostgres must be registered as a static extension");
        }
        return server.newDatabase();
    }
}
