package dev.localbedrock.knowledge.vector;

import java.util.List;
import java.util.Objects;

/**
 * A search's pre-filter: which chunks may be returned at all, the subset of Retrieve's filter a store translates.
 * Conditions compare an {@link Attribute} (a metadata key, the source URI or the data-source id) with strings;
 * {@link AndAll} and {@link OrAll} combine them. The nearest {@code k} are found among the chunks that pass, not
 * filtered out of the nearest {@code k}.
 *
 * <p>A chunk without the attribute fails {@link Equals}, {@link In} and {@link StartsWith} and passes
 * {@link NotEquals}.
 */
public sealed interface Filter {

    /** What a condition compares: a metadata key, or one of the two attributes every chunk has. */
    record Attribute(Kind kind, String key) {
        public enum Kind { METADATA, SOURCE_URI, DATA_SOURCE_ID }

        public Attribute {
            Objects.requireNonNull(kind, "kind");
            if (kind == Kind.METADATA && (key == null || key.isEmpty())) {
                throw new IllegalArgumentException("a metadata filter needs a key");
            }
        }

        public static Attribute metadata(String key) {
            return new Attribute(Kind.METADATA, key);
        }

        public static Attribute sourceUri() {
            return new Attribute(Kind.SOURCE_URI, null);
        }

        public static Attribute dataSourceId() {
            return new Attribute(Kind.DATA_SOURCE_ID, null);
        }
    }

    record Equals(Attribute attribute, String value) implements Filter {
        public Equals {
            Objects.requireNonNull(attribute, "attribute");
            Objects.requireNonNull(value, "value");
        }
    }

    record NotEquals(Attribute attribute, String value) implements Filter {
        public NotEquals {
            Objects.requireNonNull(attribute, "attribute");
            Objects.requireNonNull(value, "value");
        }
    }

    /** Passes when the attribute equals one of the values; no values pass nothing. */
    record In(Attribute attribute, List<String> values) implements Filter {
        public In {
            Objects.requireNonNull(attribute, "attribute");
            values = List.copyOf(values);
        }
    }

    record StartsWith(Attribute attribute, String prefix) implements Filter {
        public StartsWith {
            Objects.requireNonNull(attribute, "attribute");
            Objects.requireNonNull(prefix, "prefix");
        }
    }

    record AndAll(List<Filter> filters) implements Filter {
        public AndAll {
            filters = nonEmpty("andAll", filters);
        }
    }

    record OrAll(List<Filter> filters) implements Filter {
        public OrAll {
            filters = nonEmpty("orAll", filters);
        }
    }

    static Filter equalsTo(Attribute attribute, String value) {
        return new Equals(attribute, value);
    }

    static Filter notEquals(Attribute attribute, String value) {
        return new NotEquals(attribute, value);
    }

    static Filter in(Attribute attribute, List<String> values) {
        return new In(attribute, values);
    }

    static Filter startsWith(Attribute attribute, String prefix) {
        return new StartsWith(attribute, prefix);
    }

    static Filter andAll(Filter... filters) {
        return new AndAll(List.of(filters));
    }

    static Filter orAll(Filter... filters) {
        return new OrAll(List.of(filters));
    }

    private static List<Filter> nonEmpty(String what, List<Filter> filters) {
        if (filters == null || filters.isEmpty()) {
            throw new IllegalArgumentException(what + " needs at least one filter");
        }
        return List.copyOf(filters);
    }
}
