package dev.localbedrock.runtime.iam;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * IAM's condition operators without their qualifiers ({@code ForAllValues:}, {@code ForAnyValue:}) and
 * {@code IfExists} suffix. A negated operator ({@code StringNotEquals}) is the plain test inverted per request
 * value: the value satisfies it when it matches none of the policy's values.
 */
enum ConditionOperator {
    StringEquals(Family.STRING, false),
    StringNotEquals(Family.STRING, true),
    StringEqualsIgnoreCase(Family.STRING_IGNORE_CASE, false),
    StringNotEqualsIgnoreCase(Family.STRING_IGNORE_CASE, true),
    StringLike(Family.STRING_LIKE, false),
    StringNotLike(Family.STRING_LIKE, true),
    NumericEquals(Family.NUMERIC_EQ, false),
    NumericNotEquals(Family.NUMERIC_EQ, true),
    NumericLessThan(Family.NUMERIC_LT, false),
    NumericLessThanEquals(Family.NUMERIC_LE, false),
    NumericGreaterThan(Family.NUMERIC_GT, false),
    NumericGreaterThanEquals(Family.NUMERIC_GE, false),
    DateEquals(Family.DATE_EQ, false),
    DateNotEquals(Family.DATE_EQ, true),
    DateLessThan(Family.DATE_LT, false),
    DateLessThanEquals(Family.DATE_LE, false),
    DateGreaterThan(Family.DATE_GT, false),
    DateGreaterThanEquals(Family.DATE_GE, false),
    Bool(Family.BOOL, false),
    IpAddress(Family.IP, false),
    NotIpAddress(Family.IP, true),
    ArnEquals(Family.ARN, false),
    ArnLike(Family.ARN, false),
    ArnNotEquals(Family.ARN, true),
    ArnNotLike(Family.ARN, true),
    Null(Family.NULL, false);

    private enum Family {
        STRING, STRING_IGNORE_CASE, STRING_LIKE, NUMERIC_EQ, NUMERIC_LT, NUMERIC_LE, NUMERIC_GT, NUMERIC_GE,
        DATE_EQ, DATE_LT, DATE_LE, DATE_GT, DATE_GE, BOOL, IP, ARN, NULL
    }

    private final Family family;
    private final boolean negated;

    ConditionOperator(Family family, boolean negated) {
        this.family = family;
        this.negated = negated;
    }

    boolean negated() {
        return negated;
    }

    boolean isNull() {
        return family == Family.NULL;
    }

    /** Whether policy values are matched after policy-variable substitution (string-like families only). */
    boolean takesVariables() {
        return family == Family.STRING || family == Family.STRING_IGNORE_CASE || family == Family.STRING_LIKE
                || family == Family.ARN;
    }

    /**
     * Checks a policy value when the document is read, so a typo fails at attach time rather than silently
     * never matching. Returns an error text, or null when the value is fine.
     */
    String invalidPolicyValue(String value) {
        return switch (family) {
            case NUMERIC_EQ, NUMERIC_LT, NUMERIC_LE, NUMERIC_GT, NUMERIC_GE ->
                    number(value) == null ? "is not a number" : null;
            case DATE_EQ, DATE_LT, DATE_LE, DATE_GT, DATE_GE -> date(value) == null ? "is not a date" : null;
            case BOOL, NULL -> value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")
                    ? null : "must be true or false";
            case IP -> Cidr.parse(value) == null ? "is not an IP address or CIDR block" : null;
            default -> null;
        };
    }

    /** The positive test: does the request value match this one policy value? */
    boolean test(String requestValue, String policyValue) {
        return switch (family) {
            case STRING -> requestValue.equals(policyValue);
            case STRING_IGNORE_CASE -> requestValue.equalsIgnoreCase(policyValue);
            case STRING_LIKE -> Wildcard.matches(policyValue, requestValue, false);
            case NUMERIC_EQ -> compareNumbers(requestValue, policyValue) == 0;
            case NUMERIC_LT -> compareNumbers(requestValue, policyValue) < 0;
            case NUMERIC_LE -> inRange(compareNumbers(requestValue, policyValue), -1, 0);
            case NUMERIC_GT -> inRange(compareNumbers(requestValue, policyValue), 1, 1);
            case NUMERIC_GE -> inRange(compareNumbers(requestValue, policyValue), 0, 1);
            case DATE_EQ -> compareDates(requestValue, policyValue) == 0;
            case DATE_LT -> compareDates(requestValue, policyValue) < 0;
            case DATE_LE -> inRange(compareDates(requestValue, policyValue), -1, 0);
            case DATE_GT -> inRange(compareDates(requestValue, policyValue), 1, 1);
            case DATE_GE -> inRange(compareDates(requestValue, policyValue), 0, 1);
            case BOOL -> requestValue.equalsIgnoreCase(policyValue);
            case IP -> {
                Cidr block = Cidr.parse(policyValue);
                yield block != null && block.contains(requestValue);
            }
            case ARN -> ArnPattern.matches(policyValue, requestValue);
            case NULL -> throw new IllegalStateException("Null is decided on presence, not values");
        };
    }

    /** Comparison results use Integer.MIN_VALUE for "not comparable" (an unparsable value): never a match. */
    private static final int INCOMPARABLE = Integer.MIN_VALUE;

    private static boolean inRange(int comparison, int low, int high) {
        return comparison != INCOMPARABLE && comparison >= low && comparison <= high;
    }

    private static int compareNumbers(String requestValue, String policyValue) {
        BigDecimal a = number(requestValue);
        BigDecimal b = number(policyValue);
        return a == null || b == null ? INCOMPARABLE : Integer.signum(a.compareTo(b));
    }

    private static int compareDates(String requestValue, String policyValue) {
        Instant a = date(requestValue);
        Instant b = date(policyValue);
        return a == null || b == null ? INCOMPARABLE : Integer.signum(a.compareTo(b));
    }

    static BigDecimal number(String text) {
        try {
            return new BigDecimal(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** ISO 8601 date-time (with offset or Z), a plain date (midnight UTC), or epoch seconds, as IAM accepts. */
    static Instant date(String text) {
        String value = text.trim();
        if (!value.isEmpty() && value.chars().allMatch(Character::isDigit)) {
            try {
                return Instant.ofEpochSecond(Long.parseLong(value));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        try {
            return OffsetDateTime.parse(value.toUpperCase(Locale.ROOT)).toInstant();
        } catch (DateTimeParseException notDateTime) {
            try {
                return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }
}
