package dev.localbedrock.knowledge.vector;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * PostgreSQL names for the pgvector store. Identifiers are always quoted, since the knowledge base's default names
 * hold dashes and upper case, and PostgreSQL keeps at most 63 bytes of one: a relation name that would be longer is
 * shortened with a hash of the whole index name, so two long index names never share a table; a longer field name is
 * refused rather than silently cut.
 */
final class PgNames {

    /** PostgreSQL's identifier limit (NAMEDATALEN - 1), in bytes. */
    static final int MAX_IDENTIFIER_BYTES = 63;
    /** pgvector's HNSW index takes {@code vector} columns of at most this many dimensions. */
    static final int MAX_HNSW_DIMENSIONS = 2000;
    /** The catalogue of the indexes this store created, with their specs. */
    static final String CATALOGUE = "localbedrock_vector_indexes";

    private PgNames() {
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** The table of an index: its name when that fits (index names are ASCII), else a hashed short form. */
    static String table(String indexName) {
        return relation(indexName, "");
    }

    /** A relation belonging to an index (its table, or one of the table's indexes with a suffix). */
    static String relation(String indexName, String suffix) {
        if (indexName.length() + suffix.length() <= MAX_IDENTIFIER_BYTES) {
            return indexName + suffix;
        }
        String hash = "_" + sha256Hex(indexName).substring(0, 12);
        return indexName.substring(0, MAX_IDENTIFIER_BYTES - suffix.length() - hash.length()) + hash + suffix;
    }

    /** Refuses a field name PostgreSQL cannot hold as a column name unchanged. */
    static void checkColumn(String what, String name) {
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_IDENTIFIER_BYTES) {
            throw new IllegalArgumentException("fieldMapping." + what + " '" + name + "' is " + bytes
                    + " bytes in UTF-8; a PostgreSQL column name is at most " + MAX_IDENTIFIER_BYTES);
        }
        checkNoNul("fieldMapping." + what, name);
    }

    static void checkNoNul(String what, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " holds a NUL character, which PostgreSQL cannot store");
        }
    }

    /** A value for a message, NUL shown as \0. */
    static String printable(String value) {
        return value.replace("\0", "\\0");
    }

    private static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
