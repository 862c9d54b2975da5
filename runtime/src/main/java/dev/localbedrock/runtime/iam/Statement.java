package dev.localbedrock.runtime.iam;

import java.util.List;
import java.util.Set;

/**
 * One statement of a policy: it applies to a request when its action element, its resource element and every
 * condition match. Exactly one of {@code Action}/{@code NotAction} and one of {@code Resource}/{@code NotResource}
 * is set ({@link #actions()} or {@link #notActions()} is empty; likewise for resources).
 */
public final class Statement {
    private final String sid;
    private final Effect effect;
    private final List<String> actions;
    private final List<String> notActions;
    private final List<String> resources;
    private final List<String> notResources;
    private final List<Condition.Parsed> conditions;
    private final boolean variables;

    Statement(String sid, Effect effect, List<String> actions, List<String> notActions, List<String> resources,
            List<String> notResources, List<Condition.Parsed> conditions, boolean variables) {
        this.sid = sid;
        this.effect = effect;
        this.actions = List.copyOf(actions);
        this.notActions = List.copyOf(notActions);
        this.resources = List.copyOf(resources);
        this.notResources = List.copyOf(notResources);
        this.conditions = List.copyOf(conditions);
        this.variables = variables;
    }

    /** The statement's {@code Sid}, or null when it has none. */
    public String sid() {
        return sid;
    }

    public Effect effect() {
        return effect;
    }

    public List<String> actions() {
        return actions;
    }

    public List<String> notActions() {
        return notActions;
    }

    public List<String> resources() {
        return resources;
    }

    public List<String> notResources() {
        return notResources;
    }

    public List<Condition> conditions() {
        return conditions.stream().map(Condition.Parsed::condition).toList();
    }

    /** Whether this statement applies to the request. The context already holds the principal's keys. */
    boolean applies(String action, String resourceArn, RequestContext context) {
        return actionMatches(action) && resourceMatches(resourceArn, context) && conditionsMatch(context);
    }

    private boolean actionMatches(String action) {
        if (!actions.isEmpty()) {
            return anyAction(actions, action);
        }
        return !anyAction(notActions, action);
    }

    private static boolean anyAction(List<String> patterns, String action) {
        for (String pattern : patterns) {
            // Service prefix and action name are both case-insensitive in IAM.
            if (Wildcard.matches(pattern, action, true)) {
                return true;
            }
        }
        return false;
    }

    private boolean resourceMatches(String resourceArn, RequestContext context) {
        if (!resources.isEmpty()) {
            return anyResource(resources, resourceArn, context);
        }
        return !anyResource(notResources, resourceArn, context);
    }

    private boolean anyResource(List<String> patterns, String resourceArn, RequestContext context) {
        for (String pattern : patterns) {
            String resolved = variables ? PolicyVariables.substitute(pattern, context) : pattern;
            if (resolved != null && ArnPattern.matches(resolved, resourceArn)) {
                return true;
            }
        }
        return false;
    }

    private boolean conditionsMatch(RequestContext context) {
        for (Condition.Parsed condition : conditions) {
            if (!condition.matches(context, variables)) {
                return false;
            }
        }
        return true;
    }

    /** Condition keys and variables this statement reads, lower case: what the decision cache must key on. */
    void collectKeys(Set<String> keys) {
        for (Condition.Parsed condition : conditions) {
            keys.add(condition.condition().key().toLowerCase(java.util.Locale.ROOT));
            if (variables) {
                condition.condition().values().forEach(value -> collectVariables(value, keys));
            }
        }
        if (variables) {
            resources.forEach(value -> collectVariables(value, keys));
            notResources.forEach(value -> collectVariables(value, keys));
        }
    }

    private static void collectVariables(String text, Set<String> keys) {
        int i = 0;
        while ((i = text.indexOf("${", i)) >= 0) {
            int close = text.indexOf('}', i);
            if (close < 0) {
                return;
            }
            String body = text.substring(i + 2, close);
            int comma = body.indexOf(',');
            keys.add((comma < 0 ? body : body.substring(0, comma)).trim().toLowerCase(java.util.Locale.ROOT));
            i = close + 1;
        }
    }

    @Override
    public String toString() {
        return "Statement[" + (sid == null ? "" : sid + ", ") + effect + "]";
    }
}
