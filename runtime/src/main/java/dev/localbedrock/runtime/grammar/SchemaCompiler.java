package dev.localbedrock.runtime.grammar;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.localbedrock.runtime.grammar.GrammarBuilder.concat;
import static dev.localbedrock.runtime.grammar.GrammarBuilder.ref;

/**
 * Compiles a JSON Schema (the subset {@code docs/constrained-decoding.md} lists) into a byte-level {@link Grammar}
 * whose strings are exactly compact JSON texts valid against the schema. Every value the grammar admits validates;
 * the converse is not attempted (no optional whitespace, properties in the schema's order, numbers of bounded
 * length). A keyword that could make an admitted value invalid and is not enforced is refused with an
 * {@link IllegalArgumentException} naming it; pure annotations are ignored.
 */
final class SchemaCompiler {
    /** Most repetitions a count keyword (minItems, maxLength, …) may ask for: each costs a grammar rule. */
    static final int MAX_COUNT = 4096;
    /** Digits after the first of an integer part: 16 significant digits, exact in a double; 18 for integers. */
    private static final int NUMBER_EXTRA_DIGITS = 15;
    private static final int INTEGER_EXTRA_DIGITS = 17;
    private static final int FRACTION_DIGITS = 15;
    private static final int EXPONENT_DIGITS = 2;

    /** Keywords that never constrain a value (or that this compiler honours by never emitting what they allow). */
    private static final Set<String> IGNORED = Set.of("title", "description", "default", "examples", "$schema",
            "$id", "$comment", "deprecated", "readOnly", "writeOnly", "format", "contentMediaType",
            "contentEncoding", "$defs", "definitions", "additionalProperties", "unevaluatedProperties",
            "unevaluatedItems", "additionalItems", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
            "$anchor", "discriminator", "example", "strict");
    private static final Set<String> HANDLED = Set.of("type", "enum", "const", "anyOf", "oneOf", "allOf", "$ref",
            "properties", "required", "items", "minItems", "maxItems", "minLength", "maxLength", "minProperties",
            "maxProperties", "nullable", "uniqueItems");
    private static final Set<String> OBJECT_KEYS = Set.of("properties", "required", "minProperties", "maxProperties");
    private static final Set<String> ARRAY_KEYS = Set.of("items", "minItems", "maxItems");
    private static final Set<String> STRING_KEYS = Set.of("minLength", "maxLength");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GrammarBuilder b = new GrammarBuilder();
    private final JsonNode root;
    private final Map<String, Integer> refs = new HashMap<>();
    private final Map<String, Integer> shared = new HashMap<>();

    private SchemaCompiler(JsonNode root) {
        this.root = root;
    }

    /** The grammar of compact JSON values valid against {@code schema}. */
    static Grammar compile(JsonNode schema) {
        SchemaCompiler c = new SchemaCompiler(schema);
        int start = c.schema(schema, "#");
        return c.b.build(start);
    }

    /** A rule deriving the values {@code s} allows; {@code at} names its place for error messages. */
    private int schema(JsonNode s, String at) {
        if (s.isBoolean()) {
            if (!s.booleanValue()) {
                throw new IllegalArgumentException("the schema at " + at + " is false: no value is valid");
            }
            return anyValue();
        }
        if (!s.isObject()) {
            throw new IllegalArgumentException("the schema at " + at + " is not an object or a boolean");
        }
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!IGNORED.contains(k) && !HANDLED.contains(k)) {
                throw new IllegalArgumentException("unsupported JSON Schema keyword '" + k + "' at " + at);
            }
        }
        if (s.path("uniqueItems").asBoolean(false)) {
            throw new IllegalArgumentException("unsupported JSON Schema keyword 'uniqueItems' at " + at);
        }
        if (s.has("$ref")) {
            requireAlone(s, "$ref", at);
            return reference(s.get("$ref").asText(), at);
        }
        if (s.has("allOf")) {
            JsonNode all = s.get("allOf");
            if (!all.isArray() || all.size() != 1) {
                throw new IllegalArgumentException("unsupported JSON Schema keyword 'allOf' at " + at
                        + " (only a single-element allOf is supported)");
            }
            return schema(merged(s, "allOf", all.get(0), at), at + "/allOf/0");
        }
        for (String key : List.of("anyOf", "oneOf")) {
            if (s.has(key)) {
                JsonNode branches = s.get(key);
                if (!branches.isArray() || branches.isEmpty()) {
                    throw new IllegalArgumentException("'" + key + "' at " + at + " must be a non-empty array");
                }
                List<int[]> alts = new ArrayList<>();
                for (int i = 0; i < branches.size(); i++) {
                    alts.add(new int[] {ref(schema(merged(s, key, branches.get(i), at), at + "/" + key + "/" + i))});
                }
                return b.rule(alts);
            }
        }
        Set<String> types = types(s, at);
        if (s.has("const")) {
            return literals(List.of(s.get("const")), types, at);
        }
        if (s.has("enum")) {
            JsonNode values = s.get("enum");
            if (!values.isArray() || values.isEmpty()) {
                throw new IllegalArgumentException("'enum' at " + at + " must be a non-empty array");
            }
            List<JsonNode> list = new ArrayList<>();
            values.forEach(list::add);
            return literals(list, types, at);
        }
        List<int[]> alts = new ArrayList<>();
        for (String type : types) {
            alts.add(new int[] {ref(typed(type, s, at))});
        }
        return b.rule(alts);
    }

    /** The types a schema allows: {@code type} (plus null when OpenAPI's {@code nullable}), or what its keywords imply. */
    private static Set<String> types(JsonNode s, String at) {
        Set<String> types = new LinkedHashSet<>();
        JsonNode type = s.get("type");
        if (type == null) {
            if (hasAny(s, OBJECT_KEYS)) {
                types.add("object");
            }
            if (hasAny(s, ARRAY_KEYS)) {
                types.add("array");
            }
            if (hasAny(s, STRING_KEYS)) {
                types.add("string");
            }
            if (types.isEmpty() && !s.has("const") && !s.has("enum")) {
                types.addAll(List.of("object", "array", "string", "number", "boolean", "null"));
            }
        } else if (type.isTextual()) {
            types.add(type.asText());
        } else if (type.isArray() && !type.isEmpty()) {
            type.forEach(t -> types.add(t.asText()));
        } else {
            throw new IllegalArgumentException("'type' at " + at + " must be a string or a non-empty array");
        }
        if (s.path("nullable").asBoolean(false) && type != null) {
            types.add("null");
        }
        for (String t : types) {
            if (!Set.of("object", "array", "string", "number", "integer", "boolean", "null").contains(t)) {
                throw new IllegalArgumentException("unknown type '" + t + "' at " + at);
            }
        }
        if (types.contains("number")) {
            types.remove("integer"); // every integer is a number; one rule covers both
        }
        return types;
    }

    private int typed(String type, JsonNode s, String at) {
        return switch (type) {
            case "object" -> object(s, at);
            case "array" -> array(s, at);
            case "string" -> string(s, at);
            case "number" -> number(s, false);
            case "integer" -> number(s, true);
            case "boolean" -> sharedRule("boolean", () -> b.rule(List.of(b.literal(bytes("true")),
                    b.literal(bytes("false")))));
            default -> sharedRule("null", () -> b.sequence(b.literal(bytes("null"))));
        };
    }

    /**
     * Properties in the schema's order, each required one present, each optional one present or not; nothing
     * else. Rule {@code rest(i, first)} derives the members from property i on and the closing brace, where
     * {@code first} says no member was written yet (so no comma is due).
     */
    private int object(JsonNode s, String at) {
        JsonNode props = s.get("properties");
        Set<String> required = new LinkedHashSet<>();
        s.path("required").forEach(r -> required.add(r.asText()));
        JsonNode additional = s.path("additionalProperties");
        if (props == null && required.isEmpty() && !(additional.isBoolean() && !additional.booleanValue())) {
            checkCounts(s, 0, Integer.MAX_VALUE, at);
            if (additional.isObject()) { // free keys, values of the given schema
                int value = schema(additional, at + "/additionalProperties");
                int member = b.sequence(ref(anyString()), b.exact(':'), ref(value));
                return bracketed('{', '}', member, 0, -1, at);
            }
            return anyObject();
        }
        Map<String, JsonNode> members = new LinkedHashMap<>();
        if (props != null) {
            props.fields().forEachRemaining(e -> members.put(e.getKey(), e.getValue()));
        }
        for (String r : required) {
            members.putIfAbsent(r, JSON.getNodeFactory().booleanNode(true)); // required but unlisted: any value
        }
        checkCounts(s, required.size(), members.size(), at);
        List<String> names = new ArrayList<>(members.keySet());
        int n = names.size();
        int[] member = new int[n];
        for (int i = 0; i < n; i++) {
            String name = names.get(i);
            int value = schema(members.get(name), at + "/properties/" + name);
            member[i] = b.sequence(concat(b.literal(json(JSON.getNodeFactory().textNode(name))),
                    new int[] {b.exact(':'), ref(value)}));
        }
        int[][] rest = new int[n + 1][2];
        int close = b.sequence(b.exact('}'));
        rest[n][0] = close;
        rest[n][1] = close;
        for (int i = n - 1; i >= 0; i--) {
            for (int first = 0; first < 2; first++) {
                List<int[]> alts = new ArrayList<>();
                int[] write = first == 1 ? new int[] {ref(member[i]), ref(rest[i + 1][0])}
                        : new int[] {b.exact(','), ref(member[i]), ref(rest[i + 1][0])};
                alts.add(write);
                if (!required.contains(names.get(i))) {
                    alts.add(new int[] {ref(rest[i + 1][first])});
                }
                rest[i][first] = b.rule(alts);
            }
        }
        return b.sequence(b.exact('{'), ref(rest[0][1]));
    }

    /** minProperties/maxProperties hold for every object written with {@code fewest..most} members, or fail. */
    private static void checkCounts(JsonNode s, int fewest, int most, String at) {
        if (s.has("minProperties") && s.get("minProperties").asInt() > fewest) {
            throw new IllegalArgumentException("unsupported JSON Schema keyword 'minProperties' at " + at
                    + " (only values up to the number of required properties)");
        }
        if (s.has("maxProperties") && s.get("maxProperties").asInt() < most) {
            throw new IllegalArgumentException("unsupported JSON Schema keyword 'maxProperties' at " + at
                    + " (only values of at least the number of listed properties)");
        }
    }

    private int array(JsonNode s, String at) {
        JsonNode items = s.get("items");
        if (items != null && items.isArray()) {
            throw new IllegalArgumentException("unsupported JSON Schema keyword 'items' (array form) at " + at);
        }
        int item = items == null ? anyValue() : schema(items, at + "/items");
        int min = count(s, "minItems", 0, at);
        int max = count(s, "maxItems", -1, at);
        return bracketed('[', ']', item, min, max, at);
    }

    /** {@code open}, then min..max (−1: unbounded) comma-separated {@code item}s, then {@code close}. */
    private int bracketed(char open, char close, int item, int min, int max, String at) {
        if (max >= 0 && max < min) {
            throw new IllegalArgumentException("maxItems is below minItems at " + at);
        }
        int closing = b.sequence(b.exact(close));
        if (max == 0) {
            return b.sequence(b.exact(open), ref(closing));
        }
        // tail(k): k items written; decides on more.
        int tail;
        if (max < 0) {
            int star = b.declare();
            b.define(star, List.of(new int[] {ref(closing)}, new int[] {b.exact(','), ref(item), ref(star)}));
            tail = star;
            for (int k = Math.max(min, 1) - 1; k >= 1; k--) {
                tail = b.sequence(b.exact(','), ref(item), ref(tail));
            }
        } else {
            tail = closing;
            for (int k = max - 1; k >= 1; k--) {
                int more = b.sequence(b.exact(','), ref(item), ref(tail));
                tail = k >= min ? b.rule(List.of(new int[] {ref(closing)}, new int[] {ref(more)})) : more;
            }
        }
        int nonEmpty = b.sequence(ref(item), ref(tail));
        List<int[]> body = new ArrayList<>();
        body.add(new int[] {ref(nonEmpty)});
        if (min == 0) {
            body.add(new int[] {ref(closing)});
        }
        return b.sequence(b.exact(open), ref(b.rule(body)));
    }

    private int string(JsonNode s, String at) {
        int min = count(s, "minLength", 0, at);
        int max = count(s, "maxLength", -1, at);
        if (min == 0 && max < 0) {
            return anyString();
        }
        if (max >= 0 && max < min) {
            throw new IllegalArgumentException("maxLength is below minLength at " + at);
        }
        int ch = character();
        int quote = b.sequence(b.exact('"'));
        int tail;
        if (max < 0) {
            tail = anyChars();
            for (int k = 0; k < min; k++) {
                tail = b.sequence(ref(ch), ref(tail));
            }
        } else {
            tail = b.rule(List.of(new int[0]));
            for (int k = max - 1; k >= 0; k--) {
                int more = b.sequence(ref(ch), ref(tail));
                tail = k >= min ? b.rule(List.of(new int[0], new int[] {ref(more)})) : more;
            }
        }
        return b.sequence(b.exact('"'), ref(tail), ref(quote));
    }

    /** JSON number text of bounded length; integers have no fraction or exponent; {@code minimum >= 0}: no sign. */
    private int number(JsonNode s, boolean integer) {
        boolean nonNegative = s.has("minimum") && s.get("minimum").asDouble() >= 0
                || s.has("exclusiveMinimum") && s.get("exclusiveMinimum").isNumber()
                && s.get("exclusiveMinimum").asDouble() >= 0;
        String key = (integer ? "integer" : "number") + (nonNegative ? "+" : "");
        return sharedRule(key, () -> {
            int digit = b.range('0', '9');
            int intPart = b.rule(List.of(new int[] {b.exact('0')},
                    new int[] {b.range('1', '9'), ref(upTo(digit, integer ? INTEGER_EXTRA_DIGITS : NUMBER_EXTRA_DIGITS))}));
            List<int[]> alts = new ArrayList<>();
            int[] body;
            if (integer) {
                body = new int[] {ref(intPart)};
            } else {
                int fraction = b.rule(List.of(new int[0],
                        new int[] {b.exact('.'), digit, ref(upTo(digit, FRACTION_DIGITS - 1))}));
                int exponent = b.rule(List.of(new int[0], new int[] {b.ranges('e', 'e', 'E', 'E'),
                        ref(b.rule(List.of(new int[0], new int[] {b.ranges('+', '+', '-', '-')}))), digit,
                        ref(upTo(digit, EXPONENT_DIGITS - 1))}));
                body = new int[] {ref(intPart), ref(fraction), ref(exponent)};
            }
            alts.add(body);
            if (!nonNegative) {
                alts.add(concat(new int[] {b.exact('-')}, body));
            }
            return b.rule(alts);
        });
    }

    /** 0..n of {@code symbol}. */
    private int upTo(int symbol, int n) {
        int r = b.rule(List.of(new int[0]));
        for (int k = 0; k < n; k++) {
            r = b.rule(List.of(new int[0], new int[] {symbol, ref(r)}));
        }
        return r;
    }

    /** Any of {@code values} (kept only where their JSON type is among {@code types}), spelt compactly. */
    private int literals(List<JsonNode> values, Set<String> types, String at) {
        List<int[]> alts = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (JsonNode v : values) {
            if (typeOf(v, types) && seen.add(v.toString())) {
                alts.add(b.literal(json(v)));
            }
        }
        if (alts.isEmpty()) {
            throw new IllegalArgumentException("no value of 'enum'/'const' at " + at + " has an allowed type");
        }
        return b.rule(alts);
    }

    private static boolean typeOf(JsonNode v, Set<String> types) {
        if (types.isEmpty()) {
            return true;
        }
        return switch (v.getNodeType()) {
            case OBJECT -> types.contains("object");
            case ARRAY -> types.contains("array");
            case STRING -> types.contains("string");
            case BOOLEAN -> types.contains("boolean");
            case NULL -> types.contains("null");
            case NUMBER -> types.contains("number") || types.contains("integer")
                    && (v.isIntegralNumber() || v.decimalValue().stripTrailingZeros().scale() <= 0);
            default -> false;
        };
    }

    private int reference(String ref, String at) {
        Integer known = refs.get(ref);
        if (known != null) {
            return known;
        }
        JsonNode target;
        if (ref.equals("#")) {
            target = root;
        } else if (ref.startsWith("#/$defs/") || ref.startsWith("#/definitions/")) {
            target = root.at(ref.substring(1));
        } else {
            throw new IllegalArgumentException("unsupported $ref '" + ref + "' at " + at
                    + " (only #, #/$defs/… and #/definitions/…)");
        }
        if (target.isMissingNode()) {
            throw new IllegalArgumentException("$ref '" + ref + "' at " + at + " points at nothing");
        }
        int rule = b.declare();
        refs.put(ref, rule); // before compiling the target, so recursion refers back to this rule
        b.define(rule, List.of(new int[] {ref(schema(target, ref))}));
        return rule;
    }

    /** {@code branch} with the constraining keywords of {@code parent} (other than {@code key}) added. */
    private static JsonNode merged(JsonNode parent, String key, JsonNode branch, String at) {
        ObjectNode extra = JSON.createObjectNode();
        parent.fields().forEachRemaining(e -> {
            if (!e.getKey().equals(key) && !IGNORED.contains(e.getKey())) {
                extra.set(e.getKey(), e.getValue());
            }
        });
        if (extra.isEmpty()) {
            return branch;
        }
        if (!branch.isObject()) {
            throw new IllegalArgumentException("'" + key + "' at " + at + " combined with sibling keywords needs "
                    + "object branches");
        }
        ObjectNode out = ((ObjectNode) branch).deepCopy();
        extra.fields().forEachRemaining(e -> {
            if (out.has(e.getKey()) && !out.get(e.getKey()).equals(e.getValue())) {
                throw new IllegalArgumentException("unsupported: '" + key + "' at " + at + " and its branch both set '"
                        + e.getKey() + "'");
            }
            out.set(e.getKey(), e.getValue());
        });
        return out;
    }

    private static void requireAlone(JsonNode s, String key, String at) {
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals(key) && !IGNORED.contains(k)) {
                throw new IllegalArgumentException("unsupported: '" + k + "' beside '" + key + "' at " + at);
            }
        }
    }

    private static boolean hasAny(JsonNode s, Set<String> keys) {
        for (String k : keys) {
            if (s.has(k)) {
                return true;
            }
        }
        return false;
    }

    private static int count(JsonNode s, String key, int absent, String at) {
        JsonNode v = s.get(key);
        if (v == null) {
            return absent;
        }
        if (!v.canConvertToInt() || v.asInt() < 0) {
            throw new IllegalArgumentException("'" + key + "' at " + at + " must be a non-negative integer");
        }
        if (v.asInt() > MAX_COUNT) {
            throw new IllegalArgumentException("'" + key + "' at " + at + " is over the supported " + MAX_COUNT);
        }
        return v.asInt();
    }

    // --- shared building blocks ---------------------------------------------------------------------------------

    private interface RuleMaker {
        int make();
    }

    private int sharedRule(String key, RuleMaker maker) {
        Integer r = shared.get(key);
        if (r == null) {
            r = maker.make();
            shared.put(key, r);
        }
        return r;
    }

    /** Any JSON value. */
    private int anyValue() {
        Integer known = shared.get("value");
        if (known != null) {
            return known;
        }
        int value = b.declare();
        shared.put("value", value);
        int array = bracketed('[', ']', value, 0, -1, "#");
        b.define(value, List.of(new int[] {ref(anyObject())}, new int[] {ref(array)}, new int[] {ref(anyString())},
                new int[] {ref(number(JSON.createObjectNode(), false))},
                new int[] {ref(typed("boolean", null, "#"))}, new int[] {ref(typed("null", null, "#"))}));
        return value;
    }

    /** Any object: string keys (duplicates possible, as JSON allows), any values. */
    private int anyObject() {
        return sharedRule("object", () -> {
            int value = anyValue();
            int member = b.sequence(ref(anyString()), b.exact(':'), ref(value));
            return bracketed('{', '}', member, 0, -1, "#");
        });
    }

    private int anyString() {
        return sharedRule("string", () -> b.sequence(b.exact('"'), ref(anyChars()), b.exact('"')));
    }

    /** Zero or more string characters (tail-recursive, so the matcher's stack stays flat). */
    private int anyChars() {
        return sharedRule("chars", () -> {
            int chars = b.declare();
            b.define(chars, List.of(new int[0], new int[] {ref(character()), ref(chars)}));
            return chars;
        });
    }

    /**
     * One character inside a JSON string: unescaped printable ASCII other than {@code "} and {@code \}, a well-formed
     * UTF-8 sequence, or an escape (a backslash-u escape, never of a surrogate, so every string is valid Unicode).
     */
    private int character() {
        return sharedRule("char", () -> {
            int cont = b.range(0x80, 0xBF);
            int hex = b.ranges('0', '9', 'a', 'f', 'A', 'F');
            List<int[]> alts = new ArrayList<>();
            alts.add(new int[] {b.ranges(0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F)});
            alts.add(new int[] {b.range(0xC2, 0xDF), cont});
            alts.add(new int[] {b.exact(0xE0), b.range(0xA0, 0xBF), cont});
            alts.add(new int[] {b.ranges(0xE1, 0xEC, 0xEE, 0xEF), cont, cont});
            alts.add(new int[] {b.exact(0xED), b.range(0x80, 0x9F), cont});
            alts.add(new int[] {b.exact(0xF0), b.range(0x90, 0xBF), cont, cont});
            alts.add(new int[] {b.range(0xF1, 0xF3), cont, cont, cont});
            alts.add(new int[] {b.exact(0xF4), b.range(0x80, 0x8F), cont, cont});
            int backslash = b.exact('\\');
            alts.add(new int[] {backslash, b.ranges('"', '"', '\\', '\\', '/', '/', 'b', 'b', 'f', 'f', 'n', 'n',
                    'r', 'r', 't', 't')});
            alts.add(new int[] {backslash, b.exact('u'), b.ranges('0', '9', 'a', 'c', 'A', 'C', 'e', 'f', 'E', 'F'),
                    hex, hex, hex});
            alts.add(new int[] {backslash, b.exact('u'), b.ranges('d', 'd', 'D', 'D'), b.range('0', '7'), hex, hex});
            return b.rule(alts);
        });
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[] json(JsonNode v) {
        try {
            return JSON.writeValueAsBytes(v);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + v, e);
        }
    }
}
