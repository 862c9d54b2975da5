package dev.localbedrock.runtime.state;

import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.sql.SQLException;

/** Tells a uniqueness violation from other failures, for SQLite and for databases that report SQLSTATE 23505. */
final class SqlErrors {
    private SqlErrors() {
    }

    static boolean isUniqueViolation(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLiteException s) {
                SQLiteErrorCode code = s.getResultCode();
                if (code == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
                        || code == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY) {
                    return true;
                }
            } else if (t instanceof SQLException q && "23505".equals(q.getSQLState())) {
                return true; // the standard SQLSTATE for unique_violation (PostgreSQL, H2, ...)
            }
        }
        return false;
    }

    /** The exception to throw for a failed statement: typed when it is a duplicate. */
    static StateException translate(String what, SQLException e) {
        if (isUniqueViolation(e)) {
            return new DuplicateResourceException(what + ": already exists (" + e.getMessage() + ")", e);
        }
        return new StateException(what + ": " + e.getMessage(), e);
    }
}
