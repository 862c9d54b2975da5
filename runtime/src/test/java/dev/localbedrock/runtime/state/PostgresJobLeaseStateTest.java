package dev.localbedrock.runtime.state;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** {@link JobLeaseStateTest} on PostgreSQL (Debian's server on loopback), a database per test. */
class PostgresJobLeaseStateTest extends JobLeaseStateTest {
    private static DebianPostgres server;
    private String database;

    @BeforeAll
    static void startServer() throws Exception {
        server = DebianPostgres.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void newDatabase() throws Exception {
        database = server.newDatabase();
    }

    @Override
    String url() {
        return database;
    }
}
