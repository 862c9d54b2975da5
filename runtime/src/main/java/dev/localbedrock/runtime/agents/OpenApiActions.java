package dev.localbedrock.runtime.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.localbedrock.codecs.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an action group's schema into {@link ApiAction}s: an OpenAPI 3 document (JSON or YAML, as Bedrock accepts
 * both) or a function schema. Only what an agent needs is read: each operation's path, verb, description,
 * parameters and JSON request body, with local {@code $ref}s ({@code #/components/...}) resolved. Everything wrong
 * is collected, so one answer lists every problem.
 */
public final class OpenApiActions {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final List<String> VERBS = List.of("get", "put", "post", "delete", "patch", "head", "options");
    private static final Set<String> LOCATIONS = Set.of("path", "query", "header", "cookie");
    /** Deeper than any sane schema; a deeper chain is a cycle. */
    private static final int MAX_REF_DEPTH = 32;

    private OpenApiActions() {
    }

    /** A schema that cannot be used; the message lists every problem. */
    public static final class SchemaException extends RuntimeException {
        SchemaException(String message) {
            super(message);
        }
    }

    /** Parses an OpenAPI 3 document's text (JSON, or YAML: JSON is YAML too, but Jackson's JSON reader is stricter). */
    public static List<ApiAction> fromOpenApi(String text) {
        JsonNode root;
        try {
            String trimmed = text.stripLeading();
            root = trimmed.startsWith("{") ? Json.MAPPER.readTree(text) : YAML.readTree(text);
        } catch (IOException | RuntimeException e) {
            throw new SchemaException("it is neither JSON nor YAML (" + firstLine(e.getMessage()) + ")");
        }
        return fromOpenApi(root);
    }

    static List<ApiAction> fromOpenApi(JsonNode root) {
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject()) {
            throw new SchemaException("it is not an OpenAPI document (a mapping with openapi: and paths:)");
        }
        String version = root.path("openapi").asText("");
        if (!version.startsWith("3.")) {
            problems.add("'openapi' must be a 3.x version, got " + (root.has("openapi") ? root.get("openapi")
                    : "nothing") + " (Swagger 2 is not accepted)");
        }
        JsonNode paths = root.get("paths");
        List<ApiAction> actions = new ArrayList<>();
        if (paths == null || !paths.isObject() || paths.isEmpty()) {
            problems.add("'paths' must be a non-empty mapping of API paths");
        } else {
            for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> path = it.next();
                readPath(root, path.getKey(), path.getValue(), actions, problems);
            }
        }
        if (problems.isEmpty() && actions.isEmpty()) {
            problems.add("no path has an operation (" + String.join(", ", VERBS) + ")");
        }
        if (!problems.isEmpty()) {
            throw new SchemaException(String.join("; ", problems));
        }
        return List.copyOf(actions);
    }

    private static void readPath(JsonNode root, String apiPath, JsonNode item, List<ApiAction> actions,
                                 List<String> problems) {
        if (!apiPath.startsWith("/")) {
            problems.add("path '" + apiPath + "' must start with /");
            return;
        }
        JsonNode resolvedItem = resolve(root, item, "paths." + apiPath, problems, 0);
        if (resolvedItem == null || !resolvedItem.isObject()) {
            problems.add("paths." + apiPath + " must be a mapping of operations");
            return;
        }
        JsonNode shared = resolvedItem.get("parameters");
        for (String verb : VERBS) {
            JsonNode op = resolvedItem.get(verb);
            if (op == null) {
                continue;
            }
            String at = verb.toUpperCase() + " " + apiPath;
            if (!op.isObject()) {
                problems.add(at + " must be a mapping");
                continue;
            }
            String description = op.path("description").asText(op.path("summary").asText(""));
            if (description.isBlank()) {
                problems.add(at + " needs a description (the agent chooses operations by it)");
            }
            Map<String, ApiAction.Parameter> parameters = new LinkedHashMap<>();
            parameters(root, shared, at, parameters, problems);
            parameters(root, op.get("parameters"), at, parameters, problems);
            for (ApiAction.Parameter p : parameters.values()) {
                if (p.in().equals("path") && !apiPath.contains("{" + p.name() + "}")) {
                    problems.add(at + ": path parameter '" + p.name() + "' is not in the path");
                }
            }
            JsonNode body = null;
            boolean bodyRequired = false;
            JsonNode requestBody = op.get("requestBody");
            if (requestBody != null) {
                JsonNode resolvedBody = resolve(root, requestBody, at + " requestBody", problems, 0);
                JsonNode json = resolvedBody == null ? null : resolvedBody.path("content").get("application/json");
                if (json == null || !json.has("schema")) {
                    problems.add(at + ": requestBody must have content application/json with a schema");
                } else {
                    body = deref(root, json.get("schema"), at + " requestBody", problems, 0);
                    bodyRequired = resolvedBody.path("required").asBoolean(false);
                }
            }
            actions.add(new ApiAction(apiPath, verb.toUpperCase(), description, List.copyOf(parameters.values()),
                    body, bodyRequired));
        }
    }

    private static void parameters(JsonNode root, JsonNode list, String at, Map<String, ApiAction.Parameter> into,
                                   List<String> problems) {
        if (list == null) {
            return;
        }
        if (!list.isArray()) {
            problems.add(at + ": parameters must be a list");
            return;
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode p = resolve(root, list.get(i), at + " parameters[" + i + "]", problems, 0);
            if (p == null || !p.isObject()) {
                problems.add(at + ": parameters[" + i + "] must be a mapping");
                continue;
            }
            String name = p.path("name").asText("");
            String in = p.path("in").asText("");
            if (name.isEmpty()) {
                problems.add(at + ": parameters[" + i + "] needs a name");
                continue;
            }
            if (!LOCATIONS.contains(in)) {
                problems.add(at + ": parameter '" + name + "' has in: '" + in + "'; use path, query, header or"
                        + " cookie");
                continue;
            }
            JsonNode schema = p.has("schema") ? deref(root, p.get("schema"), at + " parameter " + name, problems, 0)
                    : Json.MAPPER.createObjectNode().put("type", "string");
            boolean required = in.equals("path") || p.path("required").asBoolean(false);
            into.put(in + ":" + name, new ApiAction.Parameter(name, in, required,
                    p.path("description").asText(null), schema));
        }
    }

    /** The node a {@code $ref} points at (one level), or the node itself. */
    private static JsonNode resolve(JsonNode root, JsonNode node, String at, List<String> problems, int depth) {
        JsonNode current = node;
        int hops = depth;
        while (current != null && current.isObject() && current.has("$ref")) {
            if (++hops > MAX_REF_DEPTH) {
                problems.add(at + ": $ref chain too deep (a cycle?)");
                return null;
            }
            current = pointer(root, current.get("$ref").asText(""), at, problems);
        }
        return current;
    }

    /** A copy of {@code schema} with every local $ref replaced by what it names. */
    private static JsonNode deref(JsonNode root, JsonNode schema, String at, List<String> problems, int depth) {
        if (depth > MAX_REF_DEPTH) {
            problems.add(at + ": schema nested too deep or recursive ($ref cycle); agents need finite schemas");
            return null;
        }
        JsonNode node = schema;
        if (node != null && node.isObject() && node.has("$ref")) {
            node = pointer(root, node.get("$ref").asText(""), at, problems);
            return node == null ? null : deref(root, node, at, problems, depth + 1);
        }
        if (node == null) {
            return null;
        }
        if (node.isObject()) {
            ObjectNode copy = Json.MAPPER.createObjectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode value = deref(root, e.getValue(), at, problems, depth + 1);
                copy.set(e.getKey(), value);
            }
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = Json.MAPPER.createArrayNode();
            for (JsonNode item : node) {
                copy.add(deref(root, item, at, problems, depth + 1));
            }
            return copy;
        }
        return node;
    }

    private static JsonNode pointer(JsonNode root, String ref, String at, List<String> problems) {
        if (!ref.startsWith("#/")) {
            problems.add(at + ": $ref '" + ref + "' is not local (#/...); external references are not followed");
            return null;
        }
        JsonNode target = root.at(ref.substring(1));
        if (target.isMissingNode()) {
            problems.add(at + ": $ref '" + ref + "' names nothing in the document");
            return null;
        }
        return target;
    }

    /** A function schema ({@code functionSchema.functions}) as actions: one per function, its parameters typed. */
    public static List<ApiAction> fromFunctions(JsonNode functionSchema) {
        List<ApiAction> actions = new ArrayList<>();
        for (JsonNode f : functionSchema.path("functions")) {
            List<ApiAction.Parameter> parameters = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = f.path("parameters").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> p = it.next();
                ObjectNode schema = Json.MAPPER.createObjectNode().put("type", p.getValue().path("type").asText());
                if (schema.get("type").asText().equals("array")) {
                    schema.putObject("items").put("type", "string");
                }
                parameters.add(new ApiAction.Parameter(p.getKey(), "function",
                        p.getValue().path("required").asBoolean(false), p.getValue().path("description").asText(null),
                        schema));
            }
            actions.add(new ApiAction(f.path("name").asText(), null, f.path("description").asText(""), parameters,
                    null, false));
        }
        return List.copyOf(actions);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
