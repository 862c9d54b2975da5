package dev.localbedrock.runtime.state;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link StateStoreTest} on PostgreSQL (Debian's server, started on loopback): the same migrations and the same
 * repository SQL, each test on a database of its own, so the state can be shared by several replicas by URL.
 */
class PostgresStateStoreTest extends StateStoreTest {
    @RegisterExtension
    static final SharedPostgres server = new SharedPostgres();
    private String database;

    @BeforeEach
    void newDatabase() throws Exception {
        database = server.newDatabase();
    }

    @Override
    String url() {
        return database;
    }
}
