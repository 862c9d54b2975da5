package dev.localbedrock.codecs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads a model family's JSON request body and collects every schema violation before failing, so a client that
 * got three things wrong hears about all three at once.
 *
 * <p>Real Bedrock validates bodies with a JSON-schema library and answers
 * {@code Malformed input request: #/temperature: 7 is not less or equal to 1, please reformat your input and try
 * again.}; the messages here keep that shape (clients and people grep for it) but always add the allowed range,
 * which the real service leaves out. A JSON {@code null} counts as absent, so the default applies. Integral
 * numbers written as decimals ({@code 512.0}) are accepted for integer fields; {@code 5.5} is not.
 *
 * <p>Use: {@link #parse}, then one reader call per field, then {@link #validate()}. Not thread-safe; one per request.
 */
public final class RequestBodyReader {

    private static final String PREFIX = "Malformed input request: ";
    private static final String SUFFIX = ", please reformat your input and try again.";

    private final ObjectNode body;
    private final Set<String> knownKeys;
    private final List<String> violations = new ArrayList<>(2);

    private RequestBodyReader(ObjectNode body, Set<String> knownKeys) {
        this.body = body;
        this.knownKeys = knownKeys;
    }

    /**
     * Parses the body; only a body that is not a JSON object fails here, everything else is reported by
     * {@link #validate()}.
     *
     * @param knownKeys the family's top-level keys; any other key is a violation
     * @throws BedrockException ValidationException when the body is empty, not JSON or not an object
     */
    public static RequestBodyReader parse(byte[] body, Set<String> knownKeys) {
        if (body == null || body.length == 0) {
            throw malformed("#: expected type: JSONObject, found: nothing (the request body is empty)");
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw malformed("the request body is not valid JSON (" + parserReason(e.getOriginalMessage())
                    + locationOf(e) + ")");
        } catch (IOException | RuntimeException e) {
            // Jackson may surface number or encoding problems as unchecked exceptions; none may reach the caller.
            throw malformed("the request body is not valid JSON (" + clip(e.getMessage()) + ")");
        }
        if (root == null || root.isMissingNode()) {
            throw malformed("#: expected type: JSONObject, found: nothing (the request body is blank)");
        }
        if (!root.isObject()) {
            throw malformed("#: expected type: JSONObject, found: " + typeName(root));
        }
        return new RequestBodyReader((ObjectNode) root, knownKeys);
    }

    /** A required, non-empty string. Returns null (after recording the violation) when it is not one. */
    public String requiredString(String key) {
        JsonNode node = body.get(key);
        if (node == null || node.isNull()) {
            violations.add("#: required key [" + key + "] not found");
            return null;
        }
        if (!node.isTextual()) {
            violations.add("#/" + key + ": expected type: String, found: " + typeName(node));
            return null;
        }
        String value = node.textValue();
        if (value.isEmpty()) {
            violations.add("#/" + key + ": expected minLength: 1, actual: 0");
            return null;
        }
        return value;
    }

    /**
     * An optional number in {@code [min, max]}. Returns the default when absent or invalid (the violation is
     * recorded; {@link #validate()} then throws, so the returned value is never used).
     */
    public double number(String key, double min, double max, double defaultValue) {
        JsonNode node = body.get(key);
        if (node == null || node.isNull()) {
            return defaultValue;
        }
        String range = rangeHint(plain(BigDecimal.valueOf(min)), plain(BigDecimal.valueOf(max)));
        if (!node.isNumber()) {
            violations.add("#/" + key + ": expected type: Number, found: " + typeName(node) + range);
            return defaultValue;
        }
        BigDecimal value = node.decimalValue();
        if (!inRange(key, node, value, BigDecimal.valueOf(min), BigDecimal.valueOf(max), range)) {
            return defaultValue;
        }
        return value.doubleValue();
    }

    /** An optional integer in {@code [min, max]}; see {@link #number} for the absent and invalid cases. */
    public int integer(String key, int min, int max, int defaultValue) {
        JsonNode node = body.get(key);
        if (node == null || node.isNull()) {
            return defaultValue;
        }
        String range = rangeHint(Integer.toString(min), Integer.toString(max));
        if (!node.isNumber()) {
            violations.add("#/" + key + ": expected type: Integer, found: " + typeName(node) + range);
            return defaultValue;
        }
        BigDecimal value = node.decimalValue();
        if (!node.isIntegralNumber() && !isIntegral(value)) {
            violations.add("#/" + key + ": expected type: Integer, found: " + typeName(node) + range);
            return defaultValue;
        }
        if (!inRange(key, node, value, BigDecimal.valueOf(min), BigDecimal.valueOf(max), range)) {
            return defaultValue;
        }
        return value.intValueExact();
    }

    /**
     * Reports unknown keys and throws if anything was wrong.
     *
     * @throws BedrockException ValidationException listing every violation
     */
    public void validate() {
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!knownKeys.contains(name)) {
                violations.add("#: extraneous key [" + name + "] is not permitted");
            }
        }
        if (violations.size() == 1) {
            throw malformed(violations.get(0));
        }
        if (!violations.isEmpty()) {
            throw malformed("#: " + violations.size() + " schema violations found (" + String.join("; ", violations)
                    + ")");
        }
    }

    private boolean inRange(String key, JsonNode node, BigDecimal value, BigDecimal min, BigDecimal max,
                            String range) {
        if (value.compareTo(min) < 0) {
            violations.add("#/" + key + ": " + numberText(node) + " is not greater or equal to " + plain(min) + range);
            return false;
        }
        if (value.compareTo(max) > 0) {
            violations.add("#/" + key + ": " + numberText(node) + " is not less or equal to " + plain(max) + range);
            return false;
        }
        return true;
    }

    private static boolean isIntegral(BigDecimal value) {
        // Cheap for 1e999999999 too: no BigInteger is ever built here.
        return value.signum() == 0 || value.scale() <= 0 || value.stripTrailingZeros().scale() <= 0;
    }

    private static String rangeHint(String min, String max) {
        return " (allowed range: " + min + " to " + max + ")";
    }

    /** The number as the client probably wrote it; exponent form only when the plain form would be unwieldy. */
    private static String numberText(JsonNode node) {
        if (node.isIntegralNumber()) {
            return node.asText();
        }
        BigDecimal value = node.decimalValue();
        // Decide before formatting: the plain form of 1e999999999 is a billion characters.
        boolean compact = value.precision() <= 32 && value.scale() >= -12 && value.scale() <= 32;
        return compact ? value.toPlainString() : value.toString();
    }

    private static String plain(BigDecimal value) {
        return value.stripTrailingZeros().toPlainString();
    }

    /** The type names of the JSON-schema library Bedrock uses, so messages read like the real ones. */
    private static String typeName(JsonNode node) {
        JsonNodeType type = node.getNodeType();
        return switch (type) {
            case STRING -> "String";
            case BOOLEAN -> "Boolean";
            case OBJECT, POJO -> "JSONObject";
            case ARRAY -> "JSONArray";
            case NULL, MISSING -> "Null";
            case NUMBER -> switch (node.numberType()) {
                case INT -> "Integer";
                case LONG -> "Long";
                case BIG_INTEGER -> "BigInteger";
                default -> "Double";
            };
            case BINARY -> "String";
        };
    }

    private static String locationOf(JsonProcessingException e) {
        return e.getLocation() == null || e.getLocation().getLineNr() < 1 ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }

    /**
     * Jackson's message without its advice to Jackson users (feature names, source markers), which means nothing
     * to an SDK caller.
     */
    private static String parserReason(String message) {
        if (message == null) {
            return clip(null);
        }
        if (message.startsWith("Trailing token")) {
            return "unexpected content after the JSON object";
        }
        String reason = message.replaceAll(", from `[^`]*`", "");
        for (String noise : new String[] {" (start marker at", ": enable `", " (bound as `"}) {
            int at = reason.indexOf(noise);
            if (at > 0) {
                reason = reason.substring(0, at);
            }
        }
        return clip(reason.replace("`", ""));
    }

    /** Parser messages quote the offending token; keep a hostile body from echoing kilobytes back. */
    private static String clip(String text) {
        if (text == null) {
            return "unreadable input";
        }
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    private static BedrockException malformed(String violation) {
        return BedrockException.validation(PREFIX + violation + SUFFIX);
    }
}
