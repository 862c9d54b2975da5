package dev.localbedrock.codecs.parameters;

import java.util.Locale;

/** What JSON value a {@link BodyParameter} takes, and so which control a form shows for it. */
public enum ParameterKind {
    /** A JSON number in {@code [min, max]}. */
    NUMBER,
    /** A JSON integer in {@code [min, max]} ({@code 512.0} counts as one). */
    INTEGER,
    /** An array of at most {@code maxItems} strings, each at most {@code maxLength} characters. */
    STRING_LIST,
    /** {@code true} or {@code false}. */
    BOOLEAN,
    /** One of a closed list of strings ({@code allowedValues}). */
    STRING,
    /** An object whose keys are the caller's (Cohere's token ids) and whose values are numbers in {@code [min, max]}. */
    NUMBER_MAP;

    /** The name in JSON ({@code number}, {@code string_list}, ...). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether {@code min}, {@code max} and {@code step} apply. */
    public boolean isNumeric() {
        return this == NUMBER || this == INTEGER || this == NUMBER_MAP;
    }
}
