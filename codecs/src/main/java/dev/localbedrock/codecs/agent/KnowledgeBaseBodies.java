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
 * The knowledge-base operations' bodies (Create, Update, Get, List, Delete) with the constraints of the service
 * model (API 2023-06-05). A definition is stored as the JSON written by {@link #stored} and read back by
 * {@link #fromStored}, so what Get echoes is what the client sent.
 */
public final class KnowledgeBaseBodies {
    static final Pattern NAME = Pattern.compile("([0-9a-zA-Z][_-]?){1,100}");
    static final Pattern CLIENT_TOKEN = Pattern.compile("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}");
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+");
    /** The model's pattern: the ARN part is optional, so a bare model id passes too. */
    private static final String EMBEDDING_ARN_TEXT = "^(arn:aws(-[^:]{1,12})?:(bedrock|sagemaker):[a-z0-9-]{1,20}:"
            + "([0-9]{12})?:([a-z-]+/)?)?([a-zA-Z0-9.-]{1,63}){0,2}(([:][a-z0-9-]{1,63}){0,2})?(/[a-z0-9]{1,12})?$";
    private static final Pattern EMBEDDING_ARN = Pattern.compile(EMBEDDING_ARN_TEXT);
    private static final List<String> KB_TYPES = List.of("VECTOR", "KENDRA", "SQL");
    private static final List<String> STORE_TYPES = List.of("OPENSEARCH_SERVERLESS", "PINECONE",
            "REDIS_ENTERPRISE_CLOUD", "RDS", "MONGO_DB_ATLAS");
    /** The member of {@code storageConfiguration} that configures each store type. */
    private static final Map<String, String> STORE_MEMBERS = Map.of(
            "OPENSEARCH_SERVERLESS", "opensearchServerlessConfiguration",
            "PINECONE", "pineconeConfiguration",
            "REDIS_ENTERPRISE_CLOUD", "redisEnterpriseCloudConfiguration",
            "RDS", "rdsConfiguration",
            "MONGO_DB_ATLAS", "mongoDbAtlasConfiguration");

    private KnowledgeBaseBodies() {
    }

    /** A CreateKnowledgeBase body: the definition, the idempotency token and the tags. */
    public record Create(KnowledgeBaseDefinition definition, String clientToken, Map<String, String> tags) {
    }

    /** A stored knowledge base as the API describes it. */
    public record Described(String id, String arn, String status, Instant createdAt, Instant updatedAt,
                            List<String> failureReasons, KnowledgeBaseDefinition definition) {
    }

    /** @throws dev.localbedrock.codecs.BedrockException ValidationException listing every violation */
    public static Create readCreate(byte[] body) {
        AgentJson.Violations v = new AgentJson.Violations();
        AgentJson.Reader in = new AgentJson.Reader(AgentJson.parse(body), "", v);
        String token = in.string("clientToken", false, 33, 256, CLIENT_TOKEN,
                "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}$");
        KnowledgeBaseDefinition definition = definition(in, v);
        Map<String, String> tags = Tags.read(in);
        v.throwIfAny();
        return new Create(definition, token, tags);
    }

    /** An UpdateKnowledgeBase body: the whole definition again (name, role and configuration are required). */
    public static KnowledgeBaseDefinition readUpdate(byte[] body) {
        AgentJson.Violations v = new AgentJson.Violations();
        KnowledgeBaseDefinition definition = definition(new AgentJson.Reader(AgentJson.parse(body), "", v), v);
        v.throwIfAny();
        return definition;
    }

    private static KnowledgeBaseDefinition definition(AgentJson.Reader in, AgentJson.Violations v) {
        String name = in.string("name", true, 1, 100, NAME, "^([0-9a-zA-Z][_-]?){1,100}$");
        String description = in.string("description", false, 1, 200, null, null);
        String roleArn = in.string("roleArn", true, 0, 2048, ROLE_ARN, "^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+$");
        String modelArn = null;
        Integer dimensions = null;
        AgentJson.Reader config = in.object("knowledgeBaseConfiguration", true);
        if (config != null) {
            String type = config.oneOf("type", true, KB_TYPES);
            if (type != null && !type.equals("VECTOR")) {
                config.refuse("type", "is " + type + "; this server builds VECTOR knowledge bases only.");
            }
            AgentJson.Reader vector = config.object("vectorKnowledgeBaseConfiguration", "VECTOR".equals(type));
            if (vector != null) {
                modelArn = vector.string("embeddingModelArn", true, 20, 2048, EMBEDDING_ARN, EMBEDDING_ARN_TEXT);
                AgentJson.Reader model = vector.object("embeddingModelConfiguration", false);
                AgentJson.Reader bedrock = model == null ? null
                        : model.object("bedrockEmbeddingModelConfiguration", false);
                if (bedrock != null) {
                    dimensions = bedrock.integer("dimensions", false, 0, 4096);
                    String dataType = bedrock.oneOf("embeddingDataType", false, List.of("FLOAT32", "BINARY"));
                    if ("BINARY".equals(dataType)) {
                        bedrock.refuse("embeddingDataType", "is BINARY; this server stores FLOAT32 vectors only.");
                    }
                }
                if (vector.has("supplementalDataStorageConfiguration")) {
                    vector.refuse("supplementalDataStorageConfiguration", "is not supported: this server extracts"
                            + " text only, so there are no images to store.");
                }
            }
        }
        KnowledgeBaseDefinition.FieldMapping mapping = KnowledgeBaseDefinition.FieldMapping.DEFAULT;
        AgentJson.Reader storage = in.object("storageConfiguration", false);
        if (storage != null) {
            mapping = fieldMapping(storage);
        }
        return new KnowledgeBaseDefinition(name, description, roleArn, config == null ? null : config.node(),
                storage == null ? null : storage.node(), modelArn, dimensions, mapping);
    }

    /** The index and field names the client gave for its store type, defaults for the rest. */
    private static KnowledgeBaseDefinition.FieldMapping fieldMapping(AgentJson.Reader storage) {
        KnowledgeBaseDefinition.FieldMapping d = KnowledgeBaseDefinition.FieldMapping.DEFAULT;
        String type = storage.oneOf("type", true, STORE_TYPES);
        AgentJson.Reader store = type == null ? null : storage.object(STORE_MEMBERS.get(type), false);
        if (store == null) {
            return d;
        }
        String index = first(store.string("vectorIndexName", false, 0, 2048, null, null),
                store.string("tableName", false, 0, 63, null, null), d.indexName());
        AgentJson.Reader fields = store.object("fieldMapping", false);
        if (fields == null) {
            return new KnowledgeBaseDefinition.FieldMapping(index, d.vectorField(), d.textField(), d.metadataField());
        }
        return new KnowledgeBaseDefinition.FieldMapping(index,
                first(fields.string("vectorField", false, 0, 2048, null, null), null, d.vectorField()),
                first(fields.string("textField", false, 0, 2048, null, null), null, d.textField()),
                first(fields.string("metadataField", false, 0, 2048, null, null), null, d.metadataField()));
    }

    private static String first(String a, String b, String fallback) {
        if (a != null && !a.isEmpty()) {
            return a;
        }
        return b != null && !b.isEmpty() ? b : fallback;
    }

    /** The definition as the state keeps it (the name is a column of its own). */
    public static String stored(KnowledgeBaseDefinition d) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        if (d.description() != null) {
            n.put("description", d.description());
        }
        n.put("roleArn", d.roleArn());
        n.set("knowledgeBaseConfiguration", d.configuration());
        if (d.storage() != null) {
            n.set("storageConfiguration", d.storage());
        }
        return n.toString();
    }

    /** A definition {@link #stored} wrote; it was valid when stored, so a violation now is corrupt state. */
    public static KnowledgeBaseDefinition fromStored(String name, String json) {
        ObjectNode n = AgentJson.parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        n.put("name", name);
        AgentJson.Violations v = new AgentJson.Violations();
        KnowledgeBaseDefinition d = definition(new AgentJson.Reader(n, "", v), v);
        if (v.any()) {
            throw new IllegalStateException("stored knowledge base " + name + " no longer reads back");
        }
        return d;
    }

    /** The {@code knowledgeBase} member of Create, Get and Update answers. */
    public static ObjectNode knowledgeBase(Described kb) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ObjectNode n = out.putObject("knowledgeBase");
        KnowledgeBaseDefinition d = kb.definition();
        n.put("knowledgeBaseId", kb.id());
        n.put("knowledgeBaseArn", kb.arn());
        n.put("name", d.name());
        if (d.description() != null) {
            n.put("description", d.description());
        }
        n.put("roleArn", d.roleArn());
        n.set("knowledgeBaseConfiguration", d.configuration());
        if (d.storage() != null) {
            n.set("storageConfiguration", d.storage());
        }
        n.put("status", kb.status());
        n.put("createdAt", kb.createdAt().toString());
        n.put("updatedAt", kb.updatedAt().toString());
        if (!kb.failureReasons().isEmpty()) {
            ArrayNode reasons = n.putArray("failureReasons");
            kb.failureReasons().forEach(reasons::add);
        }
        return out;
    }

    /** A ListKnowledgeBases page. */
    public static ObjectNode list(List<Described> page, String nextToken) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode summaries = out.putArray("knowledgeBaseSummaries");
        for (Described kb : page) {
            ObjectNode s = summaries.addObject();
            s.put("knowledgeBaseId", kb.id());
            s.put("name", kb.definition().name());
            if (kb.definition().description() != null) {
                s.put("description", kb.definition().description());
            }
            s.put("status", kb.status());
            s.put("updatedAt", kb.updatedAt().toString());
        }
        if (nextToken != null) {
            out.put("nextToken", nextToken);
        }
        return out;
    }

    /** DeleteKnowledgeBase's answer. */
    public static ObjectNode deleted(String id, String status) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("knowledgeBaseId", id);
        out.put("status", status);
        return out;
    }

    /** Whether two JSON members are the same (absent equals absent), for the members Update may not change. */
    public static boolean same(JsonNode a, JsonNode b) {
        return a == null ? b == null : a.equals(b);
    }
}
