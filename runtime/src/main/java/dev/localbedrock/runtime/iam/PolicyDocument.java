package dev.localbedrock.runtime.iam;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An IAM identity-based policy document, parsed and validated once (at attach time) so that evaluation does no
 * parsing. {@link #name()} identifies the policy in decisions (a policy name or ARN, or null for an inline one).
 */
public final class PolicyDocument {
    public static final String VERSION_2012 = "2012-10-17";
    public static final String VERSION_2008 = "2008-10-17";

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final Set<String> TOP_LEVEL = Set.of("Version", "Id", "Statement");
    private static final Set<String> STATEMENT_ELEMENTS = Set.of("Sid", "Effect", "Action", "NotAction",
            "Resource", "NotResource", "Condition", "Principal", "NotPrincipal");
    /** A service prefix: lower-case letters, digits and hyphens (bedrock, aws-marketplace, iam). */
    private static final Pattern SERVICE_PREFIX = Pattern.compile("[A-Za-z0-9-]+");
    private static final Pattern SID = Pattern.compile("[A-Za-z0-9]*");

    private final String name;
    private final String version;
    private final String id;
    private final List<Statement> statements;
    private final Set<String> conditionKeys;
    private final List<String> sortedConditionKeys;

    private PolicyDocument(String name, String version, String id, List<Statement> statements) {
        this.name = name;
        this.version = version;
        this.id = id;
        this.statements = List.copyOf(statements);
        Set<String> keys = new LinkedHashSet<>();
        statements.forEach(statement -> statement.collectKeys(keys));
        this.conditionKeys = Set.copyOf(keys);
        this.sortedConditionKeys = List.copyOf(new java.util.TreeSet<>(keys));
    }

    /** Parses an inline (unnamed) policy. */
    public static PolicyDocument parse(String json) throws PolicyValidationException {
        return parse(null, json);
    }

    /**
     * Parses and validates a policy document as IAM does when one is created or attached.
     *
     * @param name the policy's name or ARN, reported in decisions and explicit-deny messages; may be null
     * @throws PolicyValidationException naming the statement and element at fault
     */
    public static PolicyDocument parse(String name, String json) throws PolicyValidationException {
        Objects.requireNonNull(json, "json");
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new PolicyValidationException("Syntax errors in policy: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new PolicyValidationException("Syntax errors in policy: the document must be a JSON object");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!TOP_LEVEL.contains(field)) {
                throw new PolicyValidationException("Syntax errors in policy: unknown element " + field
                        + " (a policy has Version, Id and Statement)");
            }
        }
        String version = VERSION_2008;
        JsonNode versionNode = root.get("Version");
        if (versionNode != null) {
            if (!versionNode.isTextual() || !(versionNode.asText().equals(VERSION_2012)
                    || versionNode.asText().equals(VERSION_2008))) {
                throw new PolicyValidationException("The policy has an invalid Version " + versionNode
                        + ": use \"" + VERSION_2012 + "\"");
            }
            version = versionNode.asText();
        }
        JsonNode idNode = root.get("Id");
        String id = idNode == null ? null : text(idNode, "Id", "policy");
        JsonNode statementNode = root.get("Statement");
        if (statementNode == null || statementNode.isNull()) {
            throw new PolicyValidationException("Syntax errors in policy: missing Statement");
        }
        List<JsonNode> statementNodes = new ArrayList<>();
        if (statementNode.isArray()) {
            statementNode.forEach(statementNodes::add);
        } else {
            statementNodes.add(statementNode);
        }
        if (statementNodes.isEmpty()) {
            throw new PolicyValidationException("Syntax errors in policy: Statement is empty");
        }
        boolean variables = version.equals(VERSION_2012);
        List<Statement> statements = new ArrayList<>();
        Set<String> sids = new HashSet<>();
        for (int i = 0; i < statementNodes.size(); i++) {
            Statement statement = statement(statementNodes.get(i), i, variables);
            if (statement.sid() != null && !statement.sid().isEmpty() && !sids.add(statement.sid())) {
                throw new PolicyValidationException(
                        "Statement IDs (SID) in a single policy must be unique: " + statement.sid());
            }
            statements.add(statement);
        }
        return new PolicyDocument(name, version, id, statements);
    }

    private static Statement statement(JsonNode node, int index, boolean variables)
            throws PolicyValidationException {
        String where = "statement " + (index + 1);
        if (!node.isObject()) {
            throw new PolicyValidationException("Syntax errors in policy: " + where + " is not an object");
        }
        JsonNode sidNode = node.get("Sid");
        String sid = null;
        if (sidNode != null) {
            sid = text(sidNode, "Sid", where);
            if (!SID.matcher(sid).matches()) {
                throw new PolicyValidationException("Statement IDs (SID) must be alpha-numeric: " + sid);
            }
            where = where + " (Sid " + sid + ")";
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!STATEMENT_ELEMENTS.contains(field)) {
                throw new PolicyValidationException("Syntax errors in policy: " + where + " has unknown element "
                        + field);
            }
        }
        if (node.has("Principal") || node.has("NotPrincipal")) {
            throw new PolicyValidationException(
                    "Policy document should not specify a principal: " + where + " (identity-based policies only)");
        }
        JsonNode effectNode = node.get("Effect");
        if (effectNode == null) {
            throw new PolicyValidationException("Syntax errors in policy: " + where + " has no Effect");
        }
        String effectText = text(effectNode, "Effect", where);
        Effect effect;
        if (effectText.equals("Allow")) {
            effect = Effect.Allow;
        } else if (effectText.equals("Deny")) {
            effect = Effect.Deny;
        } else {
            throw new PolicyValidationException("Invalid effect: " + effectText + " in " + where
                    + " (Allow or Deny)");
        }
        List<String> actions = strings(node.get("Action"), "Action", where);
        List<String> notActions = strings(node.get("NotAction"), "NotAction", where);
        if (node.has("Action") == node.has("NotAction")) {
            throw new PolicyValidationException(node.has("Action")
                    ? "Syntax errors in policy: " + where + " has both Action and NotAction"
                    : "Policy statement must contain actions: " + where + " has neither Action nor NotAction");
        }
        for (String action : actions.isEmpty() ? notActions : actions) {
            checkAction(action, where);
        }
        List<String> resources = strings(node.get("Resource"), "Resource", where);
        List<String> notResources = strings(node.get("NotResource"), "NotResource", where);
        if (node.has("Resource") == node.has("NotResource")) {
            throw new PolicyValidationException(node.has("Resource")
                    ? "Syntax errors in policy: " + where + " has both Resource and NotResource"
                    : "Policy statement must contain resources: " + where
                            + " has neither Resource nor NotResource");
        }
        for (String resource : resources.isEmpty() ? notResources : resources) {
            if (!resource.equals("*") && (!resource.startsWith("arn:") || ArnPattern.split(resource) == null)) {
                throw new PolicyValidationException("Resource " + resource + " must be in ARN format or \"*\" ("
                        + where + ")");
            }
        }
        return new Statement(sid, effect, actions, notActions, resources, notResources,
                conditions(node.get("Condition"), where), variables);
    }

    private static void checkAction(String action, String where) throws PolicyValidationException {
        if (action.equals("*")) {
            return;
        }
        int colon = action.indexOf(':');
        if (colon <= 0 || colon == action.length() - 1) {
            throw new PolicyValidationException("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, "
                    + "ec2, etc.: " + action + " (" + where + ")");
        }
        String vendor = action.substring(0, colon);
        if (Wildcard.hasWildcard(vendor)) {
            throw new PolicyValidationException("Action vendors must not contain wildcards: " + action + " ("
                    + where + ")");
        }
        if (!SERVICE_PREFIX.matcher(vendor).matches() || action.indexOf(':', colon + 1) >= 0) {
            throw new PolicyValidationException("Invalid action " + action + " (" + where + ")");
        }
    }

    private static List<Condition.Parsed> conditions(JsonNode node, String where) throws PolicyValidationException {
        if (node == null) {
            return List.of();
        }
        if (!node.isObject()) {
            throw new PolicyValidationException("Syntax errors in policy: Condition of " + where
                    + " must be an object of operators");
        }
        List<Condition.Parsed> conditions = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> operators = node.fields(); operators.hasNext(); ) {
            Map.Entry<String, JsonNode> operator = operators.next();
            if (!operator.getValue().isObject()) {
                throw new PolicyValidationException("Syntax errors in policy: Condition " + operator.getKey()
                        + " of " + where + " must map condition keys to values");
            }
            for (Iterator<Map.Entry<String, JsonNode>> keys = operator.getValue().fields(); keys.hasNext(); ) {
                Map.Entry<String, JsonNode> key = keys.next();
                if (key.getKey().indexOf(':') <= 0) {
                    throw new PolicyValidationException("Actions/Conditions must be prefaced by a vendor, e.g., "
                            + "iam, sdb, ec2, etc.: condition key " + key.getKey() + " (" + where + ")");
                }
                List<String> values = conditionValues(key.getValue(), operator.getKey() + " " + key.getKey(), where);
                try {
                    conditions.add(Condition.parse(operator.getKey(), key.getKey(), values));
                } catch (PolicyValidationException e) {
                    throw new PolicyValidationException(e.getMessage() + " (" + where + ")");
                }
            }
        }
        return conditions;
    }

    /** Condition values may be strings, numbers or booleans (IAM accepts {@code "Bool": {"k": true}}). */
    private static List<String> conditionValues(JsonNode node, String element, String where)
            throws PolicyValidationException {
        List<String> values = new ArrayList<>();
        if (node.isArray()) {
            for (JsonNode item : node) {
                values.add(scalar(item, element, where));
            }
        } else {
            values.add(scalar(node, element, where));
        }
        return values;
    }

    private static String scalar(JsonNode node, String element, String where) throws PolicyValidationException {
        if (node.isTextual() || node.isNumber() || node.isBoolean()) {
            return node.asText();
        }
        throw new PolicyValidationException("Syntax errors in policy: " + element + " of " + where
                + " must be a string or a list of strings");
    }

    private static List<String> strings(JsonNode node, String element, String where)
            throws PolicyValidationException {
        if (node == null) {
            return List.of();
        }
        List<String> values = new ArrayList<>();
        if (node.isArray()) {
            for (JsonNode item : node) {
                values.add(text(item, element, where));
            }
        } else {
            values.add(text(node, element, where));
        }
        if (values.isEmpty()) {
            throw new PolicyValidationException("Syntax errors in policy: " + element + " of " + where
                    + " is an empty list");
        }
        return values;
    }

    private static String text(JsonNode node, String element, String where) throws PolicyValidationException {
        if (!node.isTextual()) {
            throw new PolicyValidationException("Syntax errors in policy: " + element + " of " + where
                    + " must be a string");
        }
        return node.asText();
    }

    /** The policy's name or ARN as given to {@link #parse(String, String)}, or null. */
    public String name() {
        return name;
    }

    /** "2012-10-17" or "2008-10-17" (the latter when the document has no Version, as IAM assumes). */
    public String version() {
        return version;
    }

    /** The document's {@code Id}, or null. */
    public String id() {
        return id;
    }

    public List<Statement> statements() {
        return statements;
    }

    /** Lower-case condition keys and policy variables the document reads. */
    public Set<String> conditionKeys() {
        return conditionKeys;
    }

    /** The same keys, sorted: the decision cache walks them on every request. */
    List<String> sortedConditionKeys() {
        return sortedConditionKeys;
    }

    @Override
    public String toString() {
        return "PolicyDocument[" + (name == null ? "inline" : name) + ", " + statements.size() + " statements]";
    }
}
