package dev.localbedrock.codecs.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reading bedrock-agent request bodies as the service validates them: every violation is collected and reported in
 * one ValidationException, in the service's words ({@code 1 validation error detected: Value 'x' at
 * 'knowledgeBaseConfiguration.type' failed to satisfy constraint: Member must satisfy enum value set: [...]}), so a
 * client that got three members wrong hears about all three. Unknown members are ignored, as AWS services ignore
 * them: a newer SDK may send members this model does not have.
 */
public final class AgentJson {
    private AgentJson() {
    }

    /** A List operation's paging members. */
    public record Page(int maxResults, String nextToken) {
    }

    /**
     * The request body as an object; an empty body is an empty object (the SDK sends none for operations whose
     * members all travel in the path).
     */
    public static ObjectNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return Json.MAPPER.createObjectNode();
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (IOException | RuntimeException e) {
            throw BedrockException.validation("The request body is not valid JSON.");
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return Json.MAPPER.createObjectNode();
        }
        if (!root.isObject()) {
            throw BedrockException.validation("The request body must be a JSON object.");
        }
        return (ObjectNode) root;
    }

    /** {@code maxResults} (1..1000, default 1000) and {@code nextToken} of a List body. */
    public static Page page(byte[] body) {
        Violations v = new Violations();
        Reader in = new Reader(parse(body), "", v);
        Integer max = in.integer("maxResults", false, 1, 1000);
        String token = in.string("nextToken", false, 1, 2048, null, null);
        v.throwIfAny();
        return new Page(max == null ? 1000 : max, token);
    }

    /** Adds {@code nextToken} to a List answer when there is a further page. */
    public static void nextToken(ObjectNode out, String token) {
        if (token != null) {
            out.put("nextToken", token);
        }
    }

    /** Violations collected over a whole body. */
    public static final class Violations {
        private final List<String> messages = new ArrayList<>(2);

        /** A member that failed one of its constraints, quoted as the service quotes it. */
        public void add(String path, Object value, String constraint) {
            String shown = value == null ? "null" : "'" + clip(String.valueOf(value)) + "'";
            messages.add("Value " + shown + " at '" + path + "' failed to satisfy constraint: " + constraint);
        }

        /** A rule of this server beyond the model's constraints, in its own words (it names the member). */
        public void problem(String message) {
            messages.add(message);
        }

        void pattern(String path, String value, Pattern pattern, String shown) {
            if (value == null || !pattern.matcher(value).matches()) {
                add(path, value, "Member must satisfy regular expression pattern: " + shown);
            }
        }

        public boolean any() {
            return !messages.isEmpty();
        }

        /** @throws BedrockException ValidationException listing every violation */
        public void throwIfAny() {
            if (messages.isEmpty()) {
                return;
            }
            int n = messages.size();
            throw BedrockException.validation(n + " validation error" + (n == 1 ? "" : "s") + " detected: "
                    + String.join("; ", messages));
        }

        private static String clip(String s) {
            return s.length() <= 200 ? s : s.substring(0, 200) + "...";
        }
    }

    /** One object of a body, at its dotted path ({@code knowledgeBaseConfiguration.type}). */
    public static final class Reader {
        private final ObjectNode node;
        private final String path;
        private final Violations violations;

        public Reader(ObjectNode node, String path, Violations violations) {
            this.node = node;
            this.path = path;
            this.violations = violations;
        }

        public ObjectNode node() {
            return node;
        }

        /** Where this body's violations are collected (for a reader of a list item). */
        public Violations violations() {
            return violations;
        }

        /** A boolean; null when absent or not a boolean (recorded). */
        public Boolean bool(String key) {
            JsonNode n = node.get(key);
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isBoolean()) {
                violations.add(path(key), n, "Member must be a boolean");
                return null;
            }
            return n.booleanValue();
        }

        public String path(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        public boolean has(String key) {
            JsonNode n = node.get(key);
            return n != null && !n.isNull();
        }

        /** Records a rule of this server's about {@code key}. */
        public void refuse(String key, String why) {
            violations.problem("'" + path(key) + "' " + why);
        }

        /** A string of {@code min..max} characters matching {@code pattern} (when given); null when absent or bad. */
        public String string(String key, boolean required, int min, int max, Pattern pattern, String shown) {
            JsonNode n = node.get(key);
            if (n == null || n.isNull()) {
                if (required) {
                    violations.add(path(key), null, "Member must not be null");
                }
                return null;
            }
            if (!n.isTextual()) {
                violations.add(path(key), n, "Member must be a string");
                return null;
            }
            String value = n.textValue();
            if (value.length() < min) {
                violations.add(path(key), value, "Member must have length greater than or equal to " + min);
                return null;
            }
            if (value.length() > max) {
                violations.add(path(key), value, "Member must have length less than or equal to " + max);
                return null;
            }
            if (pattern != null && !pattern.matcher(value).matches()) {
                violations.add(path(key), value, "Member must satisfy regular expression pattern: " + shown);
                return null;
            }
            return value;
        }

        /** One of {@code allowed}; null when absent or bad. */
        public String oneOf(String key, boolean required, List<String> allowed) {
            String value = string(key, required, 0, Integer.MAX_VALUE, null, null);
            if (value != null && !allowed.contains(value)) {
                violations.add(path(key), value, "Member must satisfy enum value set: [" + String.join(", ", allowed)
                        + "]");
                return null;
            }
            return value;
        }

        /** An integer in {@code min..max}; null when absent or bad. */
        public Integer integer(String key, boolean required, int min, int max) {
            JsonNode n = node.get(key);
            if (n == null || n.isNull()) {
                if (required) {
                    violations.add(path(key), null, "Member must not be null");
                }
                return null;
            }
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                violations.add(path(key), n, "Member must be an integer");
                return null;
            }
            int value = n.intValue();
            if (value < min) {
                violations.add(path(key), value, "Member must have value greater than or equal to " + min);
                return null;
            }
            if (value > max) {
                violations.add(path(key), value, "Member must have value less than or equal to " + max);
                return null;
            }
            return value;
        }

        /** A nested object; null when absent (recorded when required) or not an object. */
        public Reader object(String key, boolean required) {
            JsonNode n = node.get(key);
            if (n == null || n.isNull()) {
                if (required) {
                    violations.add(path(key), null, "Member must not be null");
                }
                return null;
            }
            if (!n.isObject()) {
                violations.add(path(key), n, "Member must be a structure");
                return null;
            }
            return new Reader((ObjectNode) n, path(key), violations);
        }

        /** A list of {@code minItems..maxItems} strings of {@code min..max} characters; empty when absent. */
        public List<String> strings(String key, int minItems, int maxItems, int min, int max) {
            JsonNode n = node.get(key);
            if (n == null || n.isNull()) {
                return List.of();
            }
            if (!n.isArray()) {
                violations.add(path(key), n, "Member must be a list");
                return List.of();
            }
            if (n.size() < minItems || n.size() > maxItems) {
                violations.add(path(key), n, "Member must have length between " + minItems + " and " + maxItems);
                return List.of();
            }
            List<String> values = new ArrayList<>(n.size());
            for (int i = 0; i < n.size(); i++) {
                JsonNode item = n.get(i);
                String at = path(key) + "." + (i + 1);
                if (!item.isTextual()) {
                    violations.add(at, item, "Member must be a string");
                } else if (item.textValue().length() < min || item.textValue().length() > max) {
                    violations.add(at, item.textValue(), "Member must have length between " + min + " and " + max);
                } else {
                    values.add(item.textValue());
                }
            }
            return values;
        }
    }
}
