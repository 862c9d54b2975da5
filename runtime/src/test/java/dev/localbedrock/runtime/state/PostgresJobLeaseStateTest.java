package dev.localbedrock.runtime.state;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link JobLeaseStateTest} on PostgreSQL (Debian's server on loopback), a database per test. */
class PostgresJobLeaseStateTest extends JobLeaseStateTest {
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
