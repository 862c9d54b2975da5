package dev.localbedrock.knowledge.vector;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link Filter}s as a SQL condition over the pgvector store's columns. Every value and metadata key is a bind
 * parameter; only the store's own, quoted identifiers are written into the SQL. Metadata is a {@code jsonb} object of
 * strings: {@code ->>} yields NULL for a missing key, which fails {@code =} and {@code starts_with} and passes
 * {@code IS DISTINCT FROM}, as {@link Filter} documents.
 */
final class PgFilters {

    /** A condition and its parameters, in order. */
    record Sql(String condition, List<String> parameters) {
    }

    private final String metadataColumn;

    PgFilters(String metadataColumn) {
        this.metadataColumn = metadataColumn;
    }

    Sql toSql(Filter filter) {
        List<String> parameters = new ArrayList<>();
        String condition = condition(filter, parameters);
        return new Sql(condition, List.copyOf(parameters));
    }

    private String condition(Filter filter, List<String> parameters) {
        if (filter instanceof Filter.Equals f) {
            if (f.attribute().kind() == Filter.Attribute.Kind.METADATA) {
                // Containment, so a GIN index on the metadata serves it.
                parameters.add(f.attribute().key());
                parameters.add(f.value());
                return metadataColumn + " @> jsonb_build_object(?::text, ?::text)";
            }
            return attribute(f.attribute(), parameters) + " = ?" + add(parameters, f.value());
        }
        if (filter instanceof Filter.NotEquals f) {
            return attribute(f.attribute(), parameters) + " IS DISTINCT FROM ?" + add(parameters, f.value());
        }
        if (filter instanceof Filter.In f) {
            if (f.values().isEmpty()) {
                return "FALSE";
            }
            String column = attribute(f.attribute(), parameters);
            parameters.addAll(f.values());
            return column + " IN (" + String.join(", ", java.util.Collections.nCopies(f.values().size(), "?")) + ")";
        }
        if (filter instanceof Filter.StartsWith f) {
            // starts_with, not LIKE: a prefix holding % or _ means itself.
            return "starts_with(" + attribute(f.attribute(), parameters) + ", ?)" + add(parameters, f.prefix());
        }
        if (filter instanceof Filter.AndAll f) {
            return combine(f.filters(), " AND ", parameters);
        }
        if (filter instanceof Filter.OrAll f) {
            return combine(f.filters(), " OR ", parameters);
        }
        throw new IllegalArgumentException("unsupported filter " + filter);
    }

    private String combine(List<Filter> filters, String operator, List<String> parameters) {
        List<String> conditions = new ArrayList<>(filters.size());
        for (Filter member : filters) {
            conditions.add("(" + condition(member, parameters) + ")");
        }
        return String.join(operator, conditions);
    }

    private String attribute(Filter.Attribute attribute, List<String> parameters) {
        return switch (attribute.kind()) {
            case METADATA -> {
                parameters.add(attribute.key());
                yield "(" + metadataColumn + " ->> ?::text)";
            }
            case SOURCE_URI -> PgVectorStore.SOURCE_URI;
            case DATA_SOURCE_ID -> PgVectorStore.DATA_SOURCE_ID;
        };
    }

    /** Appends a value parameter; returns "" so it reads inline after the placeholder it fills. */
    private static String add(List<String> parameters, String value) {
        parameters.add(value);
        return "";
    }
}
