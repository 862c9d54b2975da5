package dev.localbedrock.runtime.state;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * {@link StateStoreTest} on PostgreSQL (Debian's server, started on loopback): the same migrations and the same
 * repository SQL, each test on a database of its own, so the state can be shared by several replicas by URL.
 */
class PostgresStateStoreTest extends StateStoreTest {
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
