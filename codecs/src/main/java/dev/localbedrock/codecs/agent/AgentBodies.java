package dev.localbedrock.codecs.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.Json;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The agent operations' bodies (Create, Update, Get, List, Delete, Prepare) and the version answers (Get, List,
 * Delete AgentVersion), with the constraints of the service model (API 2023-06-05). What the client defined is kept
 * as an {@link AgentDefinition}: the members it sent, checked, stored as JSON and echoed by Get.
 */
public final class AgentBodies {
    static final Pattern FOUNDATION_MODEL = Pattern.compile("(arn:aws(-[^:]{1,12})?:(bedrock|sagemaker):"
            + "[a-z0-9-]{1,20}:([0-9]{12})?:([a-z-]+/)?)?([a-zA-Z0-9.-]{1,63}){0,2}(([:][a-z0-9-]{1,63}){0,2})?"
            + "(/[a-z0-9]{1,12})?");
    private static final String FOUNDATION_MODEL_SHOWN = "^(arn:aws(-[^:]{1,12})?:(bedrock|sagemaker):"
            + "[a-z0-9-]{1,20}:([0-9]{12})?:([a-z-]+/)?)?([a-zA-Z0-9.-]{1,63}){0,2}(([:][a-z0-9-]{1,63}){0,2})?"
            + "(/[a-z0-9]{1,12})?$";
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+");
    private static final Pattern KMS_ARN = Pattern.compile("arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key/"
            + "[a-zA-Z0-9-]{36}");
    private static final List<String> PROMPT_TYPES = List.of("PRE_PROCESSING", "ORCHESTRATION", "POST_PROCESSING",
            "KNOWLEDGE_BASE_RESPONSE_GENERATION");
    private static final List<String> ON_OFF = List.of("ENABLED", "DISABLED");
    private static final List<String> MODES = List.of("DEFAULT", "OVERRIDDEN");
    /** The model gives no default; the console's is 600 seconds. */
    public static final int DEFAULT_IDLE_TTL = 600;

    private AgentBodies() {
    }

    /** A CreateAgent body. */
    public record Create(AgentDefinition definition, String clientToken, Map<String, String> tags) {
    }

    /** An agent (its draft, or a numbered version) as the API describes it. */
    public record Described(String id, String arn, String status, Instant createdAt, Instant updatedAt,
                            Instant preparedAt, List<String> failureReasons, AgentDefinition definition,
                            String roleArn, String clientToken) {
    }

    /** A version in ListAgentVersions. */
    public record VersionSummary(String version, String name, String status, String description, Instant createdAt,
                                 Instant updatedAt) {
    }

    /** @throws dev.localbedrock.codecs.BedrockException ValidationException listing every violation */
    public static Create readCreate(byte[] body) {
        AgentJson.Violations v = new AgentJson.Violations();
        AgentJson.Reader in = new AgentJson.Reader(AgentJson.parse(body), "", v);
        String token = in.string("clientToken", false, 33, 256, KnowledgeBaseBodies.CLIENT_TOKEN,
                "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}$");
        AgentDefinition d = definition(in, false);
        Map<String, String> tags = Tags.read(in);
        v.throwIfAny();
        return new Create(d, token, tags);
    }

    /** An UpdateAgent body: name, role and foundation model are required, the rest replaces what was there. */
    public static AgentDefinition readUpdate(byte[] body) {
        AgentJson.Violations v = new AgentJson.Violations();
        AgentDefinition d = definition(new AgentJson.Reader(AgentJson.parse(body), "", v), true);
        v.throwIfAny();
        return d;
    }

    private static AgentDefinition definition(AgentJson.Reader in, boolean update) {
        ObjectNode kept = Json.MAPPER.createObjectNode();
        String name = in.string("agentName", true, 1, 100, KnowledgeBaseBodies.NAME, "^([0-9a-zA-Z][_-]?){1,100}$");
        keep(kept, "agentResourceRoleArn", in.string("agentResourceRoleArn", update, 0, 2048, ROLE_ARN,
                "^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+$"));
        keep(kept, "description", in.string("description", false, 1, 200, null, null));
        keep(kept, "instruction", in.string("instruction", false, 40, 4000, null, null));
        keep(kept, "foundationModel", in.string("foundationModel", update, 1, 2048, FOUNDATION_MODEL,
                FOUNDATION_MODEL_SHOWN));
        keep(kept, "customerEncryptionKeyArn", in.string("customerEncryptionKeyArn", false, 1, 2048, KMS_ARN,
                "^arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key/[a-zA-Z0-9-]{36}$"));
        Integer ttl = in.integer("idleSessionTTLInSeconds", false, 60, 3600);
        kept.put("idleSessionTTLInSeconds", ttl == null ? DEFAULT_IDLE_TTL : ttl);
        String orchestration = in.oneOf("orchestrationType", false, List.of("DEFAULT", "CUSTOM_ORCHESTRATION"));
        if ("CUSTOM_ORCHESTRATION".equals(orchestration)) {
            in.refuse("orchestrationType", "is CUSTOM_ORCHESTRATION; this server orchestrates agents itself"
                    + " (DEFAULT).");
        }
        if (in.has("memoryConfiguration")) {
            in.refuse("memoryConfiguration", "is not supported: this server keeps no memory across sessions.");
        }
        if (in.has("guardrailConfiguration")) {
            in.refuse("guardrailConfiguration", "is not supported: this server has no guardrails.");
        }
        if (in.has("agentCollaboration") && !"DISABLED".equals(in.node().path("agentCollaboration").asText())) {
            in.refuse("agentCollaboration", "is not supported: this server has no multi-agent collaboration.");
        }
        AgentJson.Reader prompts = in.object("promptOverrideConfiguration", false);
        if (prompts != null) {
            promptOverride(prompts);
            kept.set("promptOverrideConfiguration", prompts.node());
        }
        return new AgentDefinition(name, kept);
    }

    private static void promptOverride(AgentJson.Reader prompts) {
        if (prompts.has("overrideLambda")) {
            prompts.refuse("overrideLambda", "is not supported: this server parses model output itself.");
        }
        JsonNode list = prompts.node().get("promptConfigurations");
        if (list == null || !list.isArray()) {
            prompts.refuse("promptConfigurations", "must be a list (it is required).");
            return;
        }
        for (int i = 0; i < list.size(); i++) {
            if (!list.get(i).isObject()) {
                prompts.refuse("promptConfigurations." + (i + 1), "must be a structure.");
                continue;
            }
            AgentJson.Reader item = new AgentJson.Reader((ObjectNode) list.get(i),
                    prompts.path("promptConfigurations") + "." + (i + 1), prompts.violations());
            item.oneOf("promptType", false, PROMPT_TYPES);
            item.oneOf("promptState", false, ON_OFF);
            item.oneOf("promptCreationMode", false, MODES);
            item.oneOf("parserMode", false, MODES);
            item.string("basePromptTemplate", false, 1, 100000, null, null);
            AgentJson.Reader inference = item.object("inferenceConfiguration", false);
            if (inference != null) {
                inference.integer("maximumLength", false, 0, 4096);
                inference.integer("topK", false, 0, 500);
                fraction(inference, "temperature");
                fraction(inference, "topP");
                inference.strings("stopSequences", 0, 4, 0, Integer.MAX_VALUE);
            }
        }
    }

    private static void fraction(AgentJson.Reader in, String key) {
        JsonNode n = in.node().get(key);
        if (n != null && !n.isNull() && (!n.isNumber() || n.doubleValue() < 0 || n.doubleValue() > 1)) {
            in.violations().add(in.path(key), n, "Member must be a number between 0 and 1");
        }
    }

    private static void keep(ObjectNode kept, String key, String value) {
        if (value != null) {
            kept.put(key, value);
        }
    }

    /** A definition as the state keeps it (the name is a column of its own). */
    public static String stored(AgentDefinition d) {
        return d.members().toString();
    }

    /** A definition {@link #stored} wrote. */
    public static AgentDefinition fromStored(String name, String json) {
        return new AgentDefinition(name, AgentJson.parse(json.getBytes(StandardCharsets.UTF_8)));
    }

    /** The {@code agent} member of Create, Get and Update answers. */
    public static ObjectNode agent(Described a) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ObjectNode n = out.putObject("agent");
        n.put("agentVersion", "DRAFT");
        describe(n, a);
        if (a.clientToken() != null) {
            n.put("clientToken", a.clientToken());
        }
        return out;
    }

    /** GetAgentVersion's answer: the version's frozen definition. */
    public static ObjectNode version(String version, Described a) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ObjectNode n = out.putObject("agentVersion");
        n.put("version", version);
        describe(n, a);
        return out;
    }

    private static void describe(ObjectNode n, Described a) {
        n.put("agentId", a.id());
        n.put("agentArn", a.arn());
        n.put("agentName", a.definition().name());
        n.setAll(a.definition().members());
        n.put("agentResourceRoleArn", a.roleArn());
        n.put("agentStatus", a.status());
        n.put("createdAt", a.createdAt().toString());
        n.put("updatedAt", a.updatedAt().toString());
        if (a.preparedAt() != null) {
            n.put("preparedAt", a.preparedAt().toString());
        }
        if (!a.failureReasons().isEmpty()) {
            ArrayNode reasons = n.putArray("failureReasons");
            a.failureReasons().forEach(reasons::add);
        }
    }

    /** A ListAgents page; {@code latestVersions} gives each agent's highest numbered version (or DRAFT). */
    public static ObjectNode list(List<Described> page, Map<String, String> latestVersions, String nextToken) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode summaries = out.putArray("agentSummaries");
        for (Described a : page) {
            ObjectNode s = summaries.addObject();
            s.put("agentId", a.id());
            s.put("agentName", a.definition().name());
            if (a.definition().description() != null) {
                s.put("description", a.definition().description());
            }
            s.put("agentStatus", a.status());
            s.put("latestAgentVersion", latestVersions.getOrDefault(a.id(), "DRAFT"));
            s.put("updatedAt", a.updatedAt().toString());
        }
        AgentJson.nextToken(out, nextToken);
        return out;
    }

    /** A ListAgentVersions page. */
    public static ObjectNode versions(List<VersionSummary> page, String nextToken) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode summaries = out.putArray("agentVersionSummaries");
        for (VersionSummary v : page) {
            ObjectNode s = summaries.addObject();
            s.put("agentVersion", v.version());
            s.put("agentName", v.name());
            if (v.description() != null) {
                s.put("description", v.description());
            }
            s.put("agentStatus", v.status());
            s.put("createdAt", v.createdAt().toString());
            s.put("updatedAt", v.updatedAt().toString());
        }
        AgentJson.nextToken(out, nextToken);
        return out;
    }

    /** DeleteAgent's answer. */
    public static ObjectNode deleted(String id, String status) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("agentId", id);
        out.put("agentStatus", status);
        return out;
    }

    /** DeleteAgentVersion's answer. */
    public static ObjectNode versionDeleted(String id, String version, String status) {
        ObjectNode out = deleted(id, status);
        out.put("agentVersion", version);
        return out;
    }

    /** PrepareAgent's answer. */
    public static ObjectNode prepared(String id, String status, Instant preparedAt) {
        ObjectNode out = deleted(id, status);
        out.put("agentVersion", "DRAFT");
        out.put("preparedAt", preparedAt.toString());
        return out;
    }
}
