package dev.localbedrock.codecs.parameters;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * One inference parameter of a family's request body, as its codec validates it: where it sits in the body, what it
 * takes, its range and its default. The codec reads the body through these very values (see
 * {@code RequestBodyReader}'s overloads taking a parameter), so a form built from them and the codec's validation
 * cannot disagree.
 *
 * <p>Build one with the factories ({@link #number}, {@link #integer}, ...), which fill only the components that
 * apply to the kind; the others are null.
 *
 * @param path          the keys from the body's top level to the value, joined by {@code .}
 *                      ({@code textGenerationConfig.temperature}); no family's keys contain a dot
 * @param kind          what JSON value it takes
 * @param min           the smallest value (numeric kinds), else null
 * @param max           the largest value (numeric kinds), else null
 * @param defaultValue  the value that applies when the key is absent or {@code null}: a {@code Double}
 *                      ({@link ParameterKind#NUMBER}), {@code Integer}, {@code Boolean}, {@code String} or an empty
 *                      list ({@link ParameterKind#STRING_LIST}); null when the parameter is required or has no
 *                      default (an absent {@link ParameterKind#NUMBER_MAP} is simply empty)
 * @param maxItems      the most items of a {@link ParameterKind#STRING_LIST}, else null
 * @param maxLength     the most characters of each list item, else null
 * @param allowedValues the values a {@link ParameterKind#STRING} may take, else null
 * @param required      whether a body without it is refused
 * @param description   one line saying what it does (bedrock-spec §2.x)
 */
public record BodyParameter(String path, ParameterKind kind, Double min, Double max, Object defaultValue,
                            Integer maxItems, Integer maxLength, List<String> allowedValues, boolean required,
                            String description) {

    /** The largest whole number a {@code double} (the type of {@link #min} and {@link #max}) holds exactly. */
    private static final long EXACT_DOUBLE_LIMIT = 1L << 53;

    public BodyParameter {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(description, "description");
        if (path == null || path.isEmpty() || path.startsWith(".") || path.endsWith(".") || path.contains("..")) {
            throw new IllegalArgumentException("not a dotted key path: '" + path + "'");
        }
        allowedValues = allowedValues == null ? null : List.copyOf(allowedValues);
        if (kind.isNumeric() && (min == null || max == null || min > max)) {
            throw new IllegalArgumentException(path + ": need min <= max, not " + min + " and " + max);
        }
        if (required && defaultValue != null) {
            throw new IllegalArgumentException(path + ": a required parameter has no default");
        }
        checkDefault(path, kind, min, max, defaultValue, allowedValues);
    }

    /** An optional number in {@code [min, max]}. */
    public static BodyParameter number(String path, double min, double max, double defaultValue, String description) {
        return new BodyParameter(path, ParameterKind.NUMBER, min, max, defaultValue, null, null, null, false,
                description);
    }

    /** An optional integer in {@code [min, max]}. */
    public static BodyParameter integer(String path, int min, int max, int defaultValue, String description) {
        return new BodyParameter(path, ParameterKind.INTEGER, (double) min, (double) max, defaultValue, null, null,
                null, false, description);
    }

    /**
     * An optional integer in {@code [min, max]} for a range past {@code int} (Stability's unsigned 32-bit seed), with
     * a default that fits one; read it with {@code RequestBodyReader.longInteger}.
     */
    public static BodyParameter longInteger(String path, long min, long max, int defaultValue, String description) {
        if (Math.abs(min) > EXACT_DOUBLE_LIMIT || Math.abs(max) > EXACT_DOUBLE_LIMIT) {
            throw new IllegalArgumentException(path + ": bounds past 2^53 have no exact double: " + min + ", " + max);
        }
        return new BodyParameter(path, ParameterKind.INTEGER, (double) min, (double) max, defaultValue, null, null,
                null, false, description);
    }

    /** A required integer in {@code [min, max]} (no default: a body without it is refused). */
    public static BodyParameter requiredInteger(String path, int min, int max, String description) {
        return new BodyParameter(path, ParameterKind.INTEGER, (double) min, (double) max, null, null, null, null,
                true, description);
    }

    /** An optional array of at most {@code maxItems} strings of at most {@code maxLength} characters; default empty. */
    public static BodyParameter stringList(String path, int maxItems, int maxLength, String description) {
        return new BodyParameter(path, ParameterKind.STRING_LIST, null, null, List.of(), maxItems, maxLength, null,
                false, description);
    }

    /** An optional boolean. */
    public static BodyParameter bool(String path, boolean defaultValue, String description) {
        return new BodyParameter(path, ParameterKind.BOOLEAN, null, null, defaultValue, null, null, null, false,
                description);
    }

    /** An optional string that must be one of {@code allowedValues}. */
    public static BodyParameter oneOf(String path, List<String> allowedValues, String defaultValue,
                                      String description) {
        return new BodyParameter(path, ParameterKind.STRING, null, null, defaultValue, null, null, allowedValues,
                false, description);
    }

    /** An optional object of caller-chosen keys whose values are numbers in {@code [min, max]}; absent is empty. */
    public static BodyParameter numberMap(String path, double min, double max, String description) {
        return new BodyParameter(path, ParameterKind.NUMBER_MAP, min, max, null, null, null, null, false,
                description);
    }

    /** The keys from the top of the body, outermost first. */
    public List<String> keys() {
        return List.of(path.split("\\.", -1));
    }

    /** The key within its enclosing object ({@code temperature} for {@code textGenerationConfig.temperature}). */
    public String key() {
        return path.substring(path.lastIndexOf('.') + 1);
    }

    /**
     * The JSON pointer of the enclosing object: {@code ""} for a top-level key, {@code /textGenerationConfig} for a
     * nested one (the form the codecs' messages use, after {@code #}).
     */
    public String parentPointer() {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "" : "/" + path.substring(0, dot).replace('.', '/');
    }

    /** The JSON pointer of the value as validation messages name it ({@code #/textGenerationConfig/topP}). */
    public String pointer() {
        return "#" + parentPointer() + "/" + key();
    }

    /**
     * The increment a form control moves by: 1 for integers; for numbers, a hundredth of the range's order of
     * magnitude (0.01 for {@code [0, 1]} and {@code [0, 5]}, 0.1 for {@code [-10, 10]}, 1 for {@code [0, 500]}), so
     * every range has between about a hundred and a thousand steps. Null for the non-numeric kinds.
     */
    public BigDecimal step() {
        if (kind == ParameterKind.INTEGER) {
            return BigDecimal.ONE;
        }
        if (!kind.isNumeric()) {
            return null;
        }
        BigDecimal span = BigDecimal.valueOf(max).subtract(BigDecimal.valueOf(min)).stripTrailingZeros();
        if (span.signum() == 0) {
            return new BigDecimal("0.01");
        }
        int magnitude = span.precision() - span.scale() - 1;
        return BigDecimal.ONE.scaleByPowerOfTen(magnitude - 2);
    }

    /** The default of a {@link ParameterKind#NUMBER}. */
    public double defaultNumber() {
        return ((Number) defaultValue).doubleValue();
    }

    /** The default of an optional {@link ParameterKind#INTEGER}; 0 for a required one (never used: it is refused). */
    public int defaultInteger() {
        return defaultValue == null ? 0 : (Integer) defaultValue;
    }

    /** The default of a {@link ParameterKind#BOOLEAN}. */
    public boolean defaultBoolean() {
        return (Boolean) defaultValue;
    }

    /** The default of a {@link ParameterKind#STRING}. */
    public String defaultString() {
        return (String) defaultValue;
    }

    /**
     * Throws unless this parameter is of {@code expected} kind and sits in the object at {@code objectPointer}: a
     * codec that reads a parameter with the wrong reader method, or from the wrong object, is a bug to find at its
     * first request, not a silent mismatch between the table and the validation.
     */
    public void requireKindAt(ParameterKind expected, String objectPointer) {
        if (kind != expected || !parentPointer().equals(objectPointer)) {
            throw new IllegalStateException(path + " is a " + kind.wireName() + " in '" + parentPointer()
                    + "', read as a " + expected.wireName() + " in '" + objectPointer + "'");
        }
    }

    private static void checkDefault(String path, ParameterKind kind, Double min, Double max, Object value,
                                     List<String> allowed) {
        if (value == null) {
            return;
        }
        boolean fits = switch (kind) {
            case NUMBER -> value instanceof Double d && d >= min && d <= max;
            case INTEGER -> value instanceof Integer i && i >= min && i <= max;
            case BOOLEAN -> value instanceof Boolean;
            case STRING -> value instanceof String s && allowed != null && allowed.contains(s);
            case STRING_LIST -> value instanceof List<?> l && l.isEmpty();
            case NUMBER_MAP -> false;
        };
        if (!fits) {
            throw new IllegalArgumentException(path + ": default " + value + " does not fit a " + kind.wireName()
                    + (kind.isNumeric() ? " in [" + min + ", " + max + "]" : ""));
        }
    }
}
