package dev.localbedrock.codecs.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.Json;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The action-group operations' bodies (Create, Update, Get, List AgentActionGroup) with the service model's
 * constraints. The unions ({@code actionGroupExecutor}, {@code apiSchema}, {@code functionSchema}) must have exactly
 * one member; whether an API schema is a usable OpenAPI document is the runtime's check, since an {@code s3} schema
 * must be read first.
 */
public final class ActionGroupBodies {
    private static final String LAMBDA_SHOWN = "^arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}(-gov)?-[a-z]+-\\d{1}:\\d{12}"
            + ":function:[a-zA-Z0-9-_\\.]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?$ or a function name";
    /** A Lambda ARN as the model has it, or a bare function name (models.yaml's {@code functions:} may use either). */
    private static final Pattern LAMBDA = Pattern.compile("arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}(-gov)?-[a-z]+-\\d"
            + ":\\d{12}:function:[a-zA-Z0-9-_.]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|[a-zA-Z0-9-_]{1,64}");
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][.\\-a-z0-9]{1,61}[a-z0-9]");
    private static final Pattern OBJECT_KEY = Pattern.compile("[.\\-!*_'()a-zA-Z0-9][.\\-!*_'()/a-zA-Z0-9]*");
    private static final List<String> PARAMETER_TYPES = List.of("string", "number", "integer", "boolean", "array");
    private static final List<String> STATES = List.of("ENABLED", "DISABLED");

    private ActionGroupBodies() {
    }

    /** A CreateAgentActionGroup body. */
    public record Create(ActionGroupDefinition definition, String clientToken) {
    }

    /** A stored action group as the API describes it. */
    public record Described(String agentId, String agentVersion, String id, Instant createdAt, Instant updatedAt,
                            String clientToken, ActionGroupDefinition definition) {
    }

    /** @throws dev.localbedrock.codecs.BedrockException ValidationException listing every violation */
    public static Create readCreate(byte[] body) {
        AgentJson.Violations v = new AgentJson.Violations();
        AgentJson.Reader in = new AgentJson.Reader(AgentJson.parse(body), "", v);
        String token = in.string("clientToken", false, 33, 256, KnowledgeBaseBodies.CLIENT_TOKEN,
                "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}$");
        ActionGroupDefinition d = definition(in);
        v.throwIfAny();
        return new Create(d, token);
    }

    public static ActionGroupDefinition readUpdate(byte[] body) {
        AgentJson.Violations v = new AgentJson.Violations();
        ActionGroupDefinition d = definition(new AgentJson.Reader(AgentJson.parse(body), "", v));
        v.throwIfAny();
        return d;
    }

    private static ActionGroupDefinition definition(AgentJson.Reader in) {
        ObjectNode kept = Json.MAPPER.createObjectNode();
        String name = in.string("actionGroupName", true, 1, 100, KnowledgeBaseBodies.NAME,
                "^([0-9a-zA-Z][_-]?){1,100}$");
        String state = in.oneOf("actionGroupState", false, STATES);
        String description = in.string("description", false, 1, 200, null, null);
        if (description != null) {
            kept.put("description", description);
        }
        String parent = in.oneOf("parentActionGroupSignature", false, List.of(ActionGroupDefinition.USER_INPUT,
                "AMAZON.CodeInterpreter"));
        if ("AMAZON.CodeInterpreter".equals(parent)) {
            in.refuse("parentActionGroupSignature", "is AMAZON.CodeInterpreter; this server runs no code"
                    + " interpreter (AMAZON.UserInput is supported).");
        }
        AgentJson.Reader executor = union(in, "actionGroupExecutor", List.of("lambda", "customControl"));
        AgentJson.Reader api = union(in, "apiSchema", List.of("payload", "s3"));
        AgentJson.Reader functions = in.object("functionSchema", false);
        if (parent != null) {
            kept.put("parentActionGroupSignature", parent);
            for (String key : List.of("actionGroupExecutor", "apiSchema", "functionSchema")) {
                if (in.has(key)) {
                    in.refuse(key, "must be left out: an action group with parentActionGroupSignature " + parent
                            + " has no schema and no executor.");
                }
            }
        } else {
            if (executor == null) {
                in.refuse("actionGroupExecutor", "is required: give lambda (an ARN or name listed under models.yaml"
                        + " functions:) or customControl RETURN_CONTROL.");
            }
            if ((api == null) == (functions == null)) {
                in.refuse("apiSchema", "or functionSchema: give exactly one of them.");
            }
        }
        if (executor != null) {
            executor.string("lambda", false, 1, 2048, LAMBDA, LAMBDA_SHOWN);
            executor.oneOf("customControl", false, List.of("RETURN_CONTROL"));
            kept.set("actionGroupExecutor", executor.node());
        }
        if (api != null) {
            if (api.has("payload")) {
                api.string("payload", false, 1, Integer.MAX_VALUE, null, null);
            }
            AgentJson.Reader s3 = api.object("s3", false);
            if (s3 != null) {
                s3.string("s3BucketName", true, 3, 63, BUCKET, "^[a-z0-9][\\.\\-a-z0-9]{1,61}[a-z0-9]$");
                s3.string("s3ObjectKey", true, 1, 1024, OBJECT_KEY,
                        "^[\\.\\-\\!\\*\\_\\'\\(\\)a-zA-Z0-9][\\.\\-\\!\\*\\_\\'\\(\\)\\/a-zA-Z0-9]*$");
            }
            kept.set("apiSchema", api.node());
        }
        if (functions != null) {
            functionSchema(functions);
            kept.set("functionSchema", functions.node());
        }
        return new ActionGroupDefinition(name, state == null ? "ENABLED" : state, kept);
    }

    /** A union member: an object with exactly one of {@code members}; null when absent. */
    private static AgentJson.Reader union(AgentJson.Reader in, String key, List<String> members) {
        AgentJson.Reader u = in.object(key, false);
        if (u == null) {
            return null;
        }
        long set = members.stream().filter(u::has).count();
        if (set != 1) {
            in.refuse(key, "must have exactly one of " + String.join(", ", members) + " (it has " + set + ").");
        }
        return u;
    }

    private static void functionSchema(AgentJson.Reader schema) {
        JsonNode list = schema.node().get("functions");
        if (list == null || !list.isArray() || list.isEmpty()) {
            schema.refuse("functions", "must be a non-empty list of functions.");
            return;
        }
        for (int i = 0; i < list.size(); i++) {
            String at = schema.path("functions") + "." + (i + 1);
            if (!list.get(i).isObject()) {
                schema.violations().problem("'" + at + "' must be a structure.");
                continue;
            }
            AgentJson.Reader f = new AgentJson.Reader((ObjectNode) list.get(i), at, schema.violations());
            f.string("name", true, 1, 100, KnowledgeBaseBodies.NAME, "^([0-9a-zA-Z][_-]?){1,100}$");
            f.string("description", false, 1, 1200, null, null);
            f.oneOf("requireConfirmation", false, STATES);
            AgentJson.Reader parameters = f.object("parameters", false);
            if (parameters == null) {
                continue;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = parameters.node().fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> p = it.next();
                AgentJson.Reader detail = parameters.object(p.getKey(), true);
                if (detail != null) {
                    detail.oneOf("type", true, PARAMETER_TYPES);
                    detail.string("description", false, 1, 500, null, null);
                    detail.bool("required");
                }
            }
        }
    }

    /** A definition as the state keeps it (name and state are columns of their own). */
    public static String stored(ActionGroupDefinition d) {
        return d.members().toString();
    }

    public static ActionGroupDefinition fromStored(String name, String state, String json) {
        return new ActionGroupDefinition(name, state, AgentJson.parse(json.getBytes(StandardCharsets.UTF_8)));
    }

    /** The {@code agentActionGroup} member of Create, Get and Update answers. */
    public static ObjectNode actionGroup(Described g) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ObjectNode n = out.putObject("agentActionGroup");
        ActionGroupDefinition d = g.definition();
        n.put("agentId", g.agentId());
        n.put("agentVersion", g.agentVersion());
        n.put("actionGroupId", g.id());
        n.put("actionGroupName", d.name());
        n.put("actionGroupState", d.state());
        d.members().fields().forEachRemaining(e -> {
            // The response names the member parentActionSignature (sic), as the model has it.
            n.set(e.getKey().equals("parentActionGroupSignature") ? "parentActionSignature" : e.getKey(),
                    e.getValue());
        });
        if (g.clientToken() != null) {
            n.put("clientToken", g.clientToken());
        }
        n.put("createdAt", g.createdAt().toString());
        n.put("updatedAt", g.updatedAt().toString());
        return out;
    }

    /** A ListAgentActionGroups page. */
    public static ObjectNode list(List<Described> page, String nextToken) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode summaries = out.putArray("actionGroupSummaries");
        for (Described g : page) {
            ObjectNode s = summaries.addObject();
            s.put("actionGroupId", g.id());
            s.put("actionGroupName", g.definition().name());
            s.put("actionGroupState", g.definition().state());
            if (g.definition().description() != null) {
                s.put("description", g.definition().description());
            }
            s.put("updatedAt", g.updatedAt().toString());
        }
        AgentJson.nextToken(out, nextToken);
        return out;
    }
}
