package dev.localbedrock.knowledge.vector;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a vector index is: its name (unique within a store; the embedded store's directory name), the embedding
 * dimension, the metric and the field names. An index remembers the spec it was created with; opening it with
 * another fails with {@link IndexSpecMismatchException}, since vectors of another size or metric cannot be mixed in.
 */
public record IndexSpec(String indexName, int dimensions, Metric metric, FieldNames fields) {

    /** Largest embedding the stores accept; Titan's 1536 and every common embedding model fit. */
    public static final int MAX_DIMENSIONS = 4096;

    // Safe as a directory, a table or an index name everywhere: no separators, no dot segments.
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    public IndexSpec {
        checkIndexName(indexName);
        if (dimensions < 1 || dimensions > MAX_DIMENSIONS) {
            throw new IllegalArgumentException(
                    "dimensions must be between 1 and " + MAX_DIMENSIONS + ", got " + dimensions);
        }
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(fields, "fields");
    }

    /** Refuses a name that is not safe as a directory or table name. */
    public static String checkIndexName(String indexName) {
        if (indexName == null || !NAME.matcher(indexName).matches()) {
            throw new IllegalArgumentException("indexName must match " + NAME.pattern() + ", got '" + indexName + "'");
        }
        return indexName;
    }
}
