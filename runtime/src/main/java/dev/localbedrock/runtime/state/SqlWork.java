package dev.localbedrock.runtime.state;

import java.sql.Connection;
import java.sql.SQLException;

/** Statements run inside one transaction. */
@FunctionalInterface
interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
}
