package dev.localbedrock.runtime.iam;

import java.util.List;

/**
 * One test of a statement's {@code Condition} block: operator, key and the policy's values, e.g.
 * {@code "ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "project"]}}. Values of one key are ORed; the
 * conditions of a statement are ANDed (see {@link Statement}).
 *
 * <p>IAM's rules, which this follows: without a qualifier a positive operator needs some request value to match
 * some policy value, a negated one needs no request value to match any; {@code ForAnyValue:} needs at least one
 * request value to satisfy the operator and is false for an absent key; {@code ForAllValues:} needs every request
 * value to satisfy it and is true for an absent or empty key; an absent key makes a plain positive operator false
 * and a plain negated one true, and {@code ...IfExists} makes it true whatever the operator.
 */
public record Condition(String operatorName, String key, List<String> values) {
    public enum Qualifier { NONE, FOR_ANY_VALUE, FOR_ALL_VALUES }

    public Condition {
        values = List.copyOf(values);
    }

    /** Parses and validates the operator part of {@code operatorName}; throws on an operator IAM does not have. */
    static Parsed parse(String operatorName, String key, List<String> values) throws PolicyValidationException {
        String name = operatorName;
        Qualifier qualifier = Qualifier.NONE;
        if (name.startsWith("ForAnyValue:")) {
            qualifier = Qualifier.FOR_ANY_VALUE;
            name = name.substring("ForAnyValue:".length());
        } else if (name.startsWith("ForAllValues:")) {
            qualifier = Qualifier.FOR_ALL_VALUES;
            name = name.substring("ForAllValues:".length());
        }
        boolean ifExists = false;
        if (name.endsWith("IfExists")) {
            ifExists = true;
            name = name.substring(0, name.length() - "IfExists".length());
        }
        ConditionOperator operator;
        try {
            operator = ConditionOperator.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new PolicyValidationException("Invalid Condition operator: " + operatorName);
        }
        if (operator.isNull() && (ifExists || qualifier != Qualifier.NONE)) {
            throw new PolicyValidationException("Invalid Condition operator: " + operatorName
                    + " (Null takes neither a set qualifier nor IfExists)");
        }
        if (values.isEmpty()) {
            throw new PolicyValidationException("Condition " + operatorName + " on " + key + " has no values");
        }
        for (String value : values) {
            String problem = PolicyVariables.has(value) && operator.takesVariables()
                    ? null : operator.invalidPolicyValue(value);
            if (problem != null) {
                throw new PolicyValidationException("Condition " + operatorName + " on " + key + ": value \""
                        + value + "\" " + problem);
            }
        }
        return new Parsed(new Condition(operatorName, key, values), operator, qualifier, ifExists);
    }

    /** The condition with its operator resolved once, at parse time, so evaluation does no string work on it. */
    record Parsed(Condition condition, ConditionOperator operator, Qualifier qualifier, boolean ifExists) {
        boolean matches(RequestContext context, boolean variables) {
            List<String> present = context.values(condition.key());
            boolean absent = present == null || present.isEmpty();
            if (operator.isNull()) {
                boolean wantAbsent = condition.values().get(0).equalsIgnoreCase("true");
                return wantAbsent == absent;
            }
            if (absent) {
                if (ifExists) {
                    return true;
                }
                return switch (qualifier) {
                    case FOR_ALL_VALUES -> true;
                    case FOR_ANY_VALUE -> false;
                    case NONE -> operator.negated();
                };
            }
            return switch (qualifier) {
                case FOR_ANY_VALUE -> {
                    for (String value : present) {
                        if (satisfies(value, context, variables)) {
                            yield true;
                        }
                    }
                    yield false;
                }
                case FOR_ALL_VALUES -> {
                    for (String value : present) {
                        if (!satisfies(value, context, variables)) {
                            yield false;
                        }
                    }
                    yield true;
                }
                case NONE -> {
                    boolean any = false;
                    for (String value : present) {
                        if (matchesAnyPolicyValue(value, context, variables)) {
                            any = true;
                            break;
                        }
                    }
                    yield operator.negated() != any;
                }
            };
        }

        /** One request value against the operator, negation included. */
        private boolean satisfies(String requestValue, RequestContext context, boolean variables) {
            return operator.negated() != matchesAnyPolicyValue(requestValue, context, variables);
        }

        private boolean matchesAnyPolicyValue(String requestValue, RequestContext context, boolean variables) {
            for (String policyValue : condition.values()) {
                String resolved = variables && operator.takesVariables()
                        ? PolicyVariables.substitute(policyValue, context) : policyValue;
                if (resolved != null && operator.test(requestValue, resolved)) {
                    return true;
                }
            }
            return false;
        }
    }
}
