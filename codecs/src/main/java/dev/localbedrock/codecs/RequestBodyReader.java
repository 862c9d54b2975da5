package dev.localbedrock.codecs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.parameters.BodyParameter;
import dev.localbedrock.codecs.parameters.ParameterKind;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * A family whose parameters are described by {@link BodyParameter}s reads each through the overload taking the
 * parameter, so the range and default a form shows are the ones enforced here.
 *
 * <p>Longer than most classes here on purpose: it is one vocabulary (a method per JSON shape a family body uses, each
 * recording violations in the schema library's words), and every family's messages must read alike; split across
 * classes, the wording would drift family by family.
 */
public final class RequestBodyReader {

    private static final String PREFIX = "Malformed input request: ";
    private static final String SUFFIX = ", please reformat your input and try again.";

    private final ObjectNode body;
    private final Set<String> knownKeys;
    /** The JSON pointer of this object ("" for the body, "/textGenerationConfig" for a nested one). */
    private final String path;
    /** Shared by a body and its nested objects, so one {@link #validate()} reports them all. */
    private final List<String> violations;
    private final List<RequestBodyReader> nested = new ArrayList<>(1);

    private RequestBodyReader(ObjectNode body, Set<String> knownKeys, String path, List<String> violations) {
        this.body = body;
        this.knownKeys = knownKeys;
        this.path = path;
        this.violations = violations;
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
        return new RequestBodyReader((ObjectNode) root, knownKeys, "", new ArrayList<>(2));
    }

    /** A required, non-empty string. Returns null (after recording the violation) when it is not one. */
    public String requiredString(String key) {
        return requiredString(key, 1, Integer.MAX_VALUE);
    }

    /**
     * A required string of {@code minLength..maxLength} characters ({@code minLength} 0 lets it be empty). Returns
     * null (after recording the violation) when it is not one.
     */
    public String requiredString(String key, int minLength, int maxLength) {
        JsonNode node = body.get(key);
        if (node == null || node.isNull()) {
            violations.add(here() + ": required key [" + key + "] not found");
            return null;
        }
        if (!node.isTextual()) {
            violations.add(at(key) + ": expected type: String, found: " + typeName(node));
            return null;
        }
        String value = node.textValue();
        if (value.length() < minLength) {
            violations.add(at(key) + ": expected minLength: " + minLength + ", actual: " + value.length());
            return null;
        }
        if (value.length() > maxLength) {
            violations.add(at(key) + ": expected maxLength: " + maxLength + ", actual: " + value.length());
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
            violations.add(at(key) + ": expected type: Number, found: " + typeName(node) + range);
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
        // The same checks and messages as the 64-bit form; a value that passed is within [min, max], so an int.
        return (int) longInteger(key, min, max, defaultValue);
    }

    /**
     * An optional integer in {@code [min, max]} for ranges past {@code int} (Stability's unsigned 32-bit seed); see
     * {@link #number} for the absent and invalid cases.
     */
    public long longInteger(String key, long min, long max, long defaultValue) {
        JsonNode node = body.get(key);
        if (node == null || node.isNull()) {
            return defaultValue;
        }
        String range = rangeHint(Long.toString(min), Long.toString(max));
        if (!node.isNumber()) {
            violations.add(at(key) + ": expected type: Integer, found: " + typeName(node) + range);
            return defaultValue;
        }
        BigDecimal value = node.decimalValue();
        if (!node.isIntegralNumber() && !isIntegral(value)) {
            violations.add(at(key) + ": expected type: Integer, found: " + typeName(node) + range);
            return defaultValue;
        }
        if (!inRange(key, node, value, BigDecimal.valueOf(min), BigDecimal.valueOf(max), range)) {
            return defaultValue;
        }
        return value.longValueExact();
    }

    /** {@link #number(String, double, double, double)} with the parameter's key, range and default. */
    public double number(BodyParameter parameter) {
        parameter.requireKindAt(ParameterKind.NUMBER, path);
        return number(parameter.key(), parameter.min(), parameter.max(), parameter.defaultNumber());
    }

    /**
     * {@link #integer(String, int, int, int)} with the parameter's key, range and default; a required parameter
     * that is absent is recorded as {@code #: required key [name] not found}.
     */
    public int integer(BodyParameter parameter) {
        parameter.requireKindAt(ParameterKind.INTEGER, path);
        if (parameter.min() < Integer.MIN_VALUE || parameter.max() > Integer.MAX_VALUE) {
            throw new IllegalStateException(parameter.path() + "'s range does not fit an int: read it with longInteger");
        }
        if (parameter.required() && !has(parameter.key())) {
            violations.add(here() + ": required key [" + parameter.key() + "] not found");
        }
        return integer(parameter.key(), parameter.min().intValue(), parameter.max().intValue(),
                parameter.defaultInteger());
    }

    /** {@link #longInteger(String, long, long, long)} with the parameter's key, range and default. */
    public long longInteger(BodyParameter parameter) {
        parameter.requireKindAt(ParameterKind.INTEGER, path);
        return longInteger(parameter.key(), parameter.min().longValue(), parameter.max().longValue(),
                parameter.defaultInteger());
    }

    /** {@link #stringList(String, int, int)} with the parameter's key and limits. */
    public List<String> stringList(BodyParameter parameter) {
        parameter.requireKindAt(ParameterKind.STRING_LIST, path);
        return stringList(parameter.key(), parameter.maxItems(), parameter.maxLength());
    }

    /** {@link #bool(String, boolean)} with the parameter's key and default. */
    public boolean bool(BodyParameter parameter) {
        parameter.requireKindAt(ParameterKind.BOOLEAN, path);
        return bool(parameter.key(), parameter.defaultBoolean());
    }

    /** {@link #oneOf(String, List, String)} with the parameter's key, values and default. */
    public String oneOf(BodyParameter parameter) {
        parameter.requireKindAt(ParameterKind.STRING, path);
        return oneOf(parameter.key(), parameter.allowedValues(), parameter.defaultString());
    }

    /** {@link #numberMap(String, double, double)} with the parameter's key and range. */
    public Map<String, Double> numberMap(BodyParameter parameter) {
        parameter.requireKindAt(ParameterKind.NUMBER_MAP, path);
        return numberMap(parameter.key(), parameter.min(), parameter.max());
    }

    /**
     * Reports unknown keys and throws if anything was wrong.
     *
     * @throws BedrockException ValidationException listing every violation
     */
    public void validate() {
        checkKeys();
        if (violations.size() == 1) {
            throw malformed(violations.get(0));
        }
        if (!violations.isEmpty()) {
            throw malformed("#: " + violations.size() + " schema violations found (" + String.join("; ", violations)
                    + ")");
        }
    }

    private void checkKeys() {
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!knownKeys.contains(name)) {
                violations.add(here() + ": extraneous key [" + name + "] is not permitted");
            }
        }
        for (RequestBodyReader child : nested) {
            child.checkKeys();
        }
    }

    /** An optional string of at most {@code maxLength} characters; null when absent. */
    public String optionalString(String key, int maxLength) {
        JsonNode node = body.get(key);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            violations.add(at(key) + ": expected type: String, found: " + typeName(node));
            return null;
        }
        if (node.textValue().length() > maxLength) {
            violations.add(at(key) + ": expected maxLength: " + maxLength + ", actual: " + node.textValue().length());
            return null;
        }
        return node.textValue();
    }

    /**
     * An optional string that must be one of {@code allowed} (compared exactly, as Bedrock's schema does); the
     * default when absent or invalid.
     */
    public String oneOf(String key, List<String> allowed, String defaultValue) {
        JsonNode node = body.get(key);
        if (node == null || node.isNull()) {
            return defaultValue;
        }
        String options = " (allowed values: " + String.join(", ", allowed) + ")";
        if (!node.isTextual()) {
            violations.add(at(key) + ": expected type: String, found: " + typeName(node) + options);
            return defaultValue;
        }
        if (!allowed.contains(node.textValue())) {
            violations.add(at(key) + ": " + clip(node.textValue()) + " is not a valid enum value" + options);
            return defaultValue;
        }
        return node.textValue();
    }

    /** A required string that must be one of {@code allowed}; null (violation recorded) when absent or invalid. */
    public String requiredOneOf(String key, List<String> allowed) {
        JsonNode node = body.get(key);
        if (node == null || node.isNull()) {
            violations.add(here() + ": required key [" + key + "] not found (allowed values: "
                    + String.join(", ", allowed) + ")");
            return null;
        }
        return oneOf(key, allowed, null);
    }

    /** An optional boolean. */
    public boolean bool(String key, boolean defaultValue) {
        JsonNode node = body.get(key);
        if (node == null || node.isNull()) {
            return defaultValue;
        }
        if (!node.isBoolean()) {
            violations.add(at(key) + ": expected type: Boolean, found: " + typeName(node));
            return defaultValue;
        }
        return node.booleanValue();
    }

    /**
     * An optional array of strings: at most {@code maxItems}, each at most {@code maxLength} characters. Empty when
     * absent or invalid.
     */
    public List<String> stringList(String key, int maxItems, int maxLength) {
        JsonNode node = body.get(key);
        if (node == null || node.isNull()) {
            return List.of();
        }
        return strings(key, node, 0, maxItems, maxLength);
    }

    /** A required array of {@code minItems..maxItems} strings, each at most {@code maxLength} characters. */
    public List<String> requiredStringList(String key, int minItems, int maxItems, int maxLength) {
        JsonNode node = body.get(key);
        if (node == null || node.isNull()) {
            violations.add(here() + ": required key [" + key + "] not found");
            return List.of();
        }
        return strings(key, node, minItems, maxItems, maxLength);
    }

    private List<String> strings(String key, JsonNode node, int minItems, int maxItems, int maxLength) {
        if (!node.isArray()) {
            violations.add(at(key) + ": expected type: JSONArray, found: " + typeName(node));
            return List.of();
        }
        if (node.size() < minItems) {
            violations.add(at(key) + ": expected minimum item count: " + minItems + ", found: " + node.size());
            return List.of();
        }
        if (node.size() > maxItems) {
            violations.add(at(key) + ": expected maximum item count: " + maxItems + ", found: " + node.size());
            return List.of();
        }
        List<String> values = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            if (!item.isTextual()) {
                violations.add(at(key) + "/" + i + ": expected type: String, found: " + typeName(item));
            } else if (item.textValue().length() > maxLength) {
                violations.add(at(key) + "/" + i + ": expected maxLength: " + maxLength + ", actual: "
                        + item.textValue().length());
            } else {
                values.add(item.textValue());
            }
        }
        return values;
    }

    /**
     * An optional JSON object read by a nested reader whose violations (paths like {@code #/textGenerationConfig/topP})
     * and unknown keys this reader's {@link #validate()} reports. An absent or non-object value reads as an empty
     * object, so every nested field takes its default.
     */
    public RequestBodyReader object(String key, Set<String> nestedKeys) {
        JsonNode node = body.get(key);
        ObjectNode child;
        if (node == null || node.isNull()) {
            child = Json.MAPPER.createObjectNode();
        } else if (!node.isObject()) {
            violations.add(at(key) + ": expected type: JSONObject, found: " + typeName(node));
            child = Json.MAPPER.createObjectNode();
        } else {
            child = (ObjectNode) node;
        }
        RequestBodyReader reader = new RequestBodyReader(child, nestedKeys, path + "/" + key, violations);
        nested.add(reader);
        return reader;
    }

    /**
     * A required array of at least {@code minItems} JSON objects, each read by a nested reader (violations at
     * {@code #/key/0/...}, unknown keys {@code itemKeys} does not list reported by this reader's {@link #validate()}).
     * Items that are not objects are recorded and left out, so the list is only complete when validation passes.
     */
    public List<RequestBodyReader> requiredObjectList(String key, int minItems, Set<String> itemKeys) {
        JsonNode node = body.get(key);
        if (node == null || node.isNull()) {
            violations.add(here() + ": required key [" + key + "] not found");
            return List.of();
        }
        if (!node.isArray()) {
            violations.add(at(key) + ": expected type: JSONArray, found: " + typeName(node));
            return List.of();
        }
        if (node.size() < minItems) {
            violations.add(at(key) + ": expected minimum item count: " + minItems + ", found: " + node.size());
            return List.of();
        }
        List<RequestBodyReader> items = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            if (!item.isObject()) {
                violations.add(at(key) + "/" + i + ": expected type: JSONObject, found: " + typeName(item));
                continue;
            }
            RequestBodyReader reader = new RequestBodyReader((ObjectNode) item, itemKeys, path + "/" + key + "/" + i,
                    violations);
            nested.add(reader);
            items.add(reader);
        }
        return items;
    }

    /**
     * An optional JSON object the family accepts but this server does not use (Stability's {@code extras}, free-form
     * engine options): only that it is an object is checked, so a client sending one is not refused for it.
     */
    public void ignoredObject(String key) {
        JsonNode node = body.get(key);
        if (node != null && !node.isNull() && !node.isObject()) {
            violations.add(at(key) + ": expected type: JSONObject, found: " + typeName(node));
        }
    }

    /**
     * How many violations this body has so far (nested objects included): a rule over several fields checks it to
     * stay silent when one of its fields was already refused, rather than reporting a second, confusing violation
     * about the default that replaced it.
     */
    public int violationCount() {
        return violations.size();
    }

    /** Whether the key is present with a non-null value. */
    public boolean has(String key) {
        JsonNode node = body.get(key);
        return node != null && !node.isNull();
    }

    /**
     * An optional object whose values are numbers in {@code [min, max]} (Cohere's {@code logit_bias}); the keys are
     * returned as written, in order. Empty when absent or invalid.
     */
    public Map<String, Double> numberMap(String key, double min, double max) {
        JsonNode node = body.get(key);
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            violations.add(at(key) + ": expected type: JSONObject, found: " + typeName(node));
            return Map.of();
        }
        String range = rangeHint(plain(BigDecimal.valueOf(min)), plain(BigDecimal.valueOf(max)));
        Map<String, Double> values = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            String entryKey = key + "/" + clip(field.getKey());
            JsonNode value = field.getValue();
            if (!value.isNumber()) {
                violations.add(at(entryKey) + ": expected type: Number, found: " + typeName(value) + range);
                continue;
            }
            if (inRange(entryKey, value, value.decimalValue(), BigDecimal.valueOf(min), BigDecimal.valueOf(max),
                    range)) {
                values.put(field.getKey(), value.decimalValue().doubleValue());
            }
        }
        return values;
    }

    /** Records a violation found by the caller (a rule the reader cannot express), reported at this object. */
    public void reject(String key, String problem) {
        violations.add(at(key) + ": " + problem);
    }

    private String at(String key) {
        return "#" + path + "/" + key;
    }

    private String here() {
        return path.isEmpty() ? "#" : "#" + path;
    }

    private boolean inRange(String key, JsonNode node, BigDecimal value, BigDecimal min, BigDecimal max,
                            String range) {
        if (value.compareTo(min) < 0) {
            violations.add(at(key) + ": " + numberText(node) + " is not greater or equal to " + plain(min) + range);
            return false;
        }
        if (value.compareTo(max) > 0) {
            violations.add(at(key) + ": " + numberText(node) + " is not less or equal to " + plain(max) + range);
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
