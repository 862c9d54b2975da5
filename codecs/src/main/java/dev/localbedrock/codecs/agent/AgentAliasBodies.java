package dev.localbedrock.codecs.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.Json;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The alias operations' bodies (Create, Update, Get, List, Delete AgentAlias). An alias routes to one version; its
 * history lists the routings it had, newest first, as {@code agentAliasHistoryEvents}.
 */
public final class AgentAliasBodies {
    /** The alias every agent has, routing to DRAFT (the console's "test" alias). */
    public static final String TEST_ALIAS_ID = "TSTALIASID";
    public static final String TEST_ALIAS_NAME = "AgentTestAlias";
    static final Pattern VERSION = Pattern.compile("DRAFT|[0-9]{0,4}[1-9][0-9]{0,4}");
    private static final Pattern ALIAS_ID = Pattern.compile("TSTALIASID|[0-9a-zA-Z]{10}");
    private static final Pattern PROVISIONED = Pattern.compile("(([0-9a-zA-Z][_-]?){1,63})|(arn:aws(-[^:]+)?:"
            + "bedrock:[a-z0-9-]{1,20}:[0-9]{12}:provisioned-model/[a-z0-9]{12})");

    private AgentAliasBodies() {
    }

    /** What Create and Update say: the name, the description, the routing (empty: "make a version"). */
    public record Definition(String name, String description, List<Route> routing) {
        public Definition {
            routing = List.copyOf(routing);
        }
    }

    /** One routing entry. */
    public record Route(String agentVersion, String provisionedThroughput) {
    }

    /** A past routing of the alias and when it held. */
    public record HistoryEvent(List<Route> routing, Instant startDate, Instant endDate) {
    }

    public record Create(Definition definition, String clientToken, Map<String, String> tags) {
    }

    public record Described(String agentId, String id, String arn, String status, Instant createdAt,
                            Instant updatedAt, String clientToken, Definition definition,
                            List<HistoryEvent> history) {
    }

    /** Checks an alias id path parameter. */
    public static String checkId(String value) {
        AgentJson.Violations v = new AgentJson.Violations();
        v.pattern("agentAliasId", value, ALIAS_ID, "^(\\bTSTALIASID\\b|[0-9a-zA-Z]+)$");
        v.throwIfAny();
        return value;
    }

    /** Checks a version path parameter: DRAFT or a number ({@code numbered} refuses DRAFT, as the model does). */
    public static String checkVersion(String value, boolean numbered) {
        AgentJson.Violations v = new AgentJson.Violations();
        if (numbered) {
            v.pattern("agentVersion", value, Pattern.compile("[0-9]{1,5}"), "^[0-9]{1,5}$");
        } else {
            v.pattern("agentVersion", value, VERSION, "^(DRAFT|[0-9]{0,4}[1-9][0-9]{0,4})$");
        }
        v.throwIfAny();
        return value;
    }

    public static Create readCreate(byte[] body) {
        AgentJson.Violations v = new AgentJson.Violations();
        AgentJson.Reader in = new AgentJson.Reader(AgentJson.parse(body), "", v);
        String token = in.string("clientToken", false, 33, 256, KnowledgeBaseBodies.CLIENT_TOKEN,
                "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}$");
        Definition d = definition(in);
        Map<String, String> tags = Tags.read(in);
        v.throwIfAny();
        return new Create(d, token, tags);
    }

    public static Definition readUpdate(byte[] body) {
        AgentJson.Violations v = new AgentJson.Violations();
        Definition d = definition(new AgentJson.Reader(AgentJson.parse(body), "", v));
        v.throwIfAny();
        return d;
    }

    private static Definition definition(AgentJson.Reader in) {
        String name = in.string("agentAliasName", true, 1, 100, KnowledgeBaseBodies.NAME,
                "^([0-9a-zA-Z][_-]?){1,100}$");
        String description = in.string("description", false, 1, 200, null, null);
        List<Route> routing = new java.util.ArrayList<>();
        JsonNode list = in.node().get("routingConfiguration");
        if (list != null && !list.isNull()) {
            if (!list.isArray() || list.size() > 1) {
                in.violations().add(in.path("routingConfiguration"), list,
                        "Member must have length less than or equal to 1");
            } else {
                for (int i = 0; i < list.size(); i++) {
                    String at = in.path("routingConfiguration") + "." + (i + 1);
                    if (!list.get(i).isObject()) {
                        in.violations().problem("'" + at + "' must be a structure.");
                        continue;
                    }
                    AgentJson.Reader r = new AgentJson.Reader((ObjectNode) list.get(i), at, in.violations());
                    String version = r.string("agentVersion", false, 1, 5, VERSION,
                            "^(DRAFT|[0-9]{0,4}[1-9][0-9]{0,4})$");
                    String provisioned = r.string("provisionedThroughput", false, 1, 2048, PROVISIONED,
                            "a provisioned model's name or ARN");
                    if (!r.has("agentVersion")) {
                        r.refuse("agentVersion", "is required: this server routes an alias to a version.");
                    }
                    routing.add(new Route(version, provisioned));
                }
            }
        }
        return new Definition(name, description, routing);
    }

    /** The {@code agentAlias} member of Create, Get and Update answers. */
    public static ObjectNode alias(Described a) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ObjectNode n = out.putObject("agentAlias");
        n.put("agentId", a.agentId());
        n.put("agentAliasId", a.id());
        n.put("agentAliasArn", a.arn());
        n.put("agentAliasName", a.definition().name());
        if (a.definition().description() != null) {
            n.put("description", a.definition().description());
        }
        n.put("agentAliasStatus", a.status());
        routes(n.putArray("routingConfiguration"), a.definition().routing());
        if (!a.history().isEmpty()) {
            ArrayNode events = n.putArray("agentAliasHistoryEvents");
            for (HistoryEvent e : a.history()) {
                ObjectNode event = events.addObject();
                routes(event.putArray("routingConfiguration"), e.routing());
                event.put("startDate", e.startDate().toString());
                if (e.endDate() != null) {
                    event.put("endDate", e.endDate().toString());
                }
            }
        }
        if (a.clientToken() != null) {
            n.put("clientToken", a.clientToken());
        }
        n.put("createdAt", a.createdAt().toString());
        n.put("updatedAt", a.updatedAt().toString());
        return out;
    }

    public static ObjectNode list(List<Described> page, String nextToken) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode summaries = out.putArray("agentAliasSummaries");
        for (Described a : page) {
            ObjectNode s = summaries.addObject();
            s.put("agentAliasId", a.id());
            s.put("agentAliasName", a.definition().name());
            if (a.definition().description() != null) {
                s.put("description", a.definition().description());
            }
            s.put("agentAliasStatus", a.status());
            routes(s.putArray("routingConfiguration"), a.definition().routing());
            s.put("createdAt", a.createdAt().toString());
            s.put("updatedAt", a.updatedAt().toString());
        }
        AgentJson.nextToken(out, nextToken);
        return out;
    }

    public static ObjectNode deleted(String agentId, String aliasId, String status) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("agentId", agentId);
        out.put("agentAliasId", aliasId);
        out.put("agentAliasStatus", status);
        return out;
    }

    private static void routes(ArrayNode into, List<Route> routing) {
        for (Route r : routing) {
            ObjectNode item = into.addObject();
            if (r.agentVersion() != null) {
                item.put("agentVersion", r.agentVersion());
            }
            if (r.provisionedThroughput() != null) {
                item.put("provisionedThroughput", r.provisionedThroughput());
            }
        }
    }

    /** Routing and history as the state keeps them (one JSON text). */
    public static String storedRouting(Definition d, List<HistoryEvent> history) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        if (d.description() != null) {
            n.put("description", d.description());
        }
        routes(n.putArray("routingConfiguration"), d.routing());
        ArrayNode events = n.putArray("history");
        for (HistoryEvent e : history) {
            ObjectNode event = events.addObject();
            routes(event.putArray("routingConfiguration"), e.routing());
            event.put("startDate", e.startDate().toEpochMilli());
            if (e.endDate() != null) {
                event.put("endDate", e.endDate().toEpochMilli());
            }
        }
        return n.toString();
    }

    /** The definition {@link #storedRouting} wrote, with the alias's name. */
    public static Definition definitionFromStored(String name, String json) {
        ObjectNode n = AgentJson.parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new Definition(name, n.hasNonNull("description") ? n.get("description").asText() : null,
                readRoutes(n.path("routingConfiguration")));
    }

    public static List<HistoryEvent> historyFromStored(String json) {
        ObjectNode n = AgentJson.parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        List<HistoryEvent> events = new java.util.ArrayList<>();
        for (JsonNode e : n.path("history")) {
            events.add(new HistoryEvent(readRoutes(e.path("routingConfiguration")),
                    Instant.ofEpochMilli(e.path("startDate").asLong()),
                    e.hasNonNull("endDate") ? Instant.ofEpochMilli(e.get("endDate").asLong()) : null));
        }
        return events;
    }

    private static List<Route> readRoutes(JsonNode list) {
        List<Route> routes = new java.util.ArrayList<>();
        for (JsonNode r : list) {
            routes.add(new Route(r.hasNonNull("agentVersion") ? r.get("agentVersion").asText() : null,
                    r.hasNonNull("provisionedThroughput") ? r.get("provisionedThroughput").asText() : null));
        }
        return routes;
    }
}
