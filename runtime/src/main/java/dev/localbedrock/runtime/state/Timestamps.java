package dev.localbedrock.runtime.state;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Instants as BIGINT milliseconds since the epoch: the same on every database (SQLite has no timestamp type; a
 * PostgreSQL TIMESTAMP would bring time-zone rules). The APIs report milliseconds, so nothing is lost that a
 * client could see.
 */
final class Timestamps {
    private Timestamps() {
    }

    static Instant normalize(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.MILLIS);
    }

    static void set(PreparedStatement statement, int index, Instant instant) throws SQLException {
        if (instant == null) {
            statement.setNull(index, Types.BIGINT);
        } else {
            statement.setLong(index, instant.toEpochMilli());
        }
    }

    static Instant get(ResultSet rows, String column) throws SQLException {
        long millis = rows.getLong(column);
        return rows.wasNull() ? null : Instant.ofEpochMilli(millis);
    }
}
