package dev.localbedrock.codecs.agent;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.Json;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The data-source operations' bodies (Create, Update, Get, List, Delete) with the service model's constraints.
 * Only S3 sources are read, and only the chunking strategies this server implements; anything else is refused with
 * a ValidationException naming the member, rather than accepted and ignored.
 */
public final class DataSourceBodies {
    private static final Pattern BUCKET_ARN = Pattern.compile(
            "arn:aws(|-cn|-us-gov):s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])");
    private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
    private static final List<String> TYPES = List.of("S3", "WEB", "CONFLUENCE", "SALESFORCE", "SHAREPOINT",
            "CUSTOM", "REDSHIFT_METADATA");
    private static final List<String> STRATEGIES = List.of("FIXED_SIZE", "NONE", "HIERARCHICAL", "SEMANTIC");
    private static final List<String> POLICIES = List.of("RETAIN", "DELETE");

    private DataSourceBodies() {
    }

    /** A CreateDataSource body: the definition and the idempotency token. */
    public record Create(DataSourceDefinition definition, String clientToken) {
    }

    /** A stored data source as the API describes it. */
    public record Described(String knowledgeBaseId, String id, String status, Instant createdAt, Instant updatedAt,
                            DataSourceDefinition definition) {
    }

    /** @throws dev.localbedrock.codecs.BedrockException ValidationException listing every violation */
    public static Create readCreate(byte[] body) {
        AgentJson.Violations v = new AgentJson.Violations();
        AgentJson.Reader in = new AgentJson.Reader(AgentJson.parse(body), "", v);
        String token = in.string("clientToken", false, 33, 256, KnowledgeBaseBodies.CLIENT_TOKEN,
                "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}$");
        DataSourceDefinition d = definition(in);
        v.throwIfAny();
        return new Create(d, token);
    }

    /** An UpdateDataSource body: the whole definition again. */
    public static DataSourceDefinition readUpdate(byte[] body) {
        AgentJson.Violations v = new AgentJson.Violations();
        DataSourceDefinition d = definition(new AgentJson.Reader(AgentJson.parse(body), "", v));
        v.throwIfAny();
        return d;
    }

    private static DataSourceDefinition definition(AgentJson.Reader in) {
        String name = in.string("name", true, 1, 100, KnowledgeBaseBodies.NAME, "^([0-9a-zA-Z][_-]?){1,100}$");
        String description = in.string("description", false, 1, 200, null, null);
        String policy = in.oneOf("dataDeletionPolicy", false, POLICIES);
        if (in.has("serverSideEncryptionConfiguration")) {
            in.refuse("serverSideEncryptionConfiguration", "is not supported: this server does not encrypt with"
                    + " KMS keys.");
        }
        String bucket = null;
        String owner = null;
        List<String> prefixes = List.of();
        AgentJson.Reader config = in.object("dataSourceConfiguration", true);
        if (config != null) {
            String type = config.oneOf("type", true, TYPES);
            if (type != null && !type.equals("S3")) {
                config.refuse("type", "is " + type + "; this server reads S3 data sources only.");
            }
            AgentJson.Reader s3 = config.object("s3Configuration", "S3".equals(type));
            if (s3 != null) {
                String arn = s3.string("bucketArn", true, 1, 2048, BUCKET_ARN,
                        "^arn:aws(|-cn|-us-gov):s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$");
                if (arn != null) {
                    Matcher m = BUCKET_ARN.matcher(arn);
                    bucket = m.matches() ? m.group(2) : null;
                }
                owner = s3.string("bucketOwnerAccountId", false, 12, 12, ACCOUNT, "^[0-9]{12}$");
                prefixes = s3.strings("inclusionPrefixes", 1, 1, 1, 300);
            }
        }
        DataSourceDefinition.Chunking chunking = DataSourceDefinition.Chunking.DEFAULT;
        AgentJson.Reader ingestion = in.object("vectorIngestionConfiguration", false);
        if (ingestion != null) {
            for (String unsupported : List.of("parsingConfiguration", "customTransformationConfiguration",
                    "contextEnrichmentConfiguration")) {
                if (ingestion.has(unsupported)) {
                    ingestion.refuse(unsupported, "is not supported: this server extracts text itself and"
                            + " transforms no chunks.");
                }
            }
            AgentJson.Reader c = ingestion.object("chunkingConfiguration", false);
            if (c != null) {
                chunking = chunking(c);
            }
        }
        return new DataSourceDefinition(name, description, bucket, owner, prefixes, chunking,
                policy == null ? "DELETE" : policy, config == null ? null : config.node(),
                ingestion == null ? null : ingestion.node());
    }

    private static DataSourceDefinition.Chunking chunking(AgentJson.Reader c) {
        String strategy = c.oneOf("chunkingStrategy", true, STRATEGIES);
        if (strategy == null) {
            return DataSourceDefinition.Chunking.DEFAULT;
        }
        switch (strategy) {
            case "FIXED_SIZE" -> {
                AgentJson.Reader fixed = c.object("fixedSizeChunkingConfiguration", true);
                if (fixed == null) {
                    return DataSourceDefinition.Chunking.DEFAULT;
                }
                Integer max = fixed.integer("maxTokens", true, 1, Integer.MAX_VALUE);
                Integer overlap = fixed.integer("overlapPercentage", true, 1, 99);
                return max == null || overlap == null ? DataSourceDefinition.Chunking.DEFAULT
                        : new DataSourceDefinition.Chunking("FIXED_SIZE", max, overlap);
            }
            case "NONE" -> {
                return DataSourceDefinition.Chunking.NONE;
            }
            default -> {
                c.refuse("chunkingStrategy", "is " + strategy + "; this server chunks FIXED_SIZE or NONE only.");
                return DataSourceDefinition.Chunking.DEFAULT;
            }
        }
    }

    /** The definition as the state keeps it (the name is a column of its own). */
    public static String stored(DataSourceDefinition d) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        if (d.description() != null) {
            n.put("description", d.description());
        }
        n.put("dataDeletionPolicy", d.dataDeletionPolicy());
        n.set("dataSourceConfiguration", d.configuration());
        if (d.ingestion() != null) {
            n.set("vectorIngestionConfiguration", d.ingestion());
        }
        return n.toString();
    }

    /** A definition {@link #stored} wrote. */
    public static DataSourceDefinition fromStored(String name, String json) {
        ObjectNode n = AgentJson.parse(json.getBytes(StandardCharsets.UTF_8));
        n.put("name", name);
        AgentJson.Violations v = new AgentJson.Violations();
        DataSourceDefinition d = definition(new AgentJson.Reader(n, "", v));
        if (v.any()) {
            throw new IllegalStateException("stored data source " + name + " no longer reads back");
        }
        return d;
    }

    /** The {@code dataSource} member of Create, Get and Update answers. */
    public static ObjectNode dataSource(Described ds) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ObjectNode n = out.putObject("dataSource");
        DataSourceDefinition d = ds.definition();
        n.put("knowledgeBaseId", ds.knowledgeBaseId());
        n.put("dataSourceId", ds.id());
        n.put("name", d.name());
        if (d.description() != null) {
            n.put("description", d.description());
        }
        n.put("status", ds.status());
        n.set("dataSourceConfiguration", d.configuration());
        if (d.ingestion() != null) {
            n.set("vectorIngestionConfiguration", d.ingestion());
        }
        n.put("dataDeletionPolicy", d.dataDeletionPolicy());
        n.put("createdAt", ds.createdAt().toString());
        n.put("updatedAt", ds.updatedAt().toString());
        return out;
    }

    /** A ListDataSources page. */
    public static ObjectNode list(List<Described> page, String nextToken) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode summaries = out.putArray("dataSourceSummaries");
        for (Described ds : page) {
            ObjectNode s = summaries.addObject();
            s.put("knowledgeBaseId", ds.knowledgeBaseId());
            s.put("dataSourceId", ds.id());
            s.put("name", ds.definition().name());
            if (ds.definition().description() != null) {
                s.put("description", ds.definition().description());
            }
            s.put("status", ds.status());
            s.put("updatedAt", ds.updatedAt().toString());
        }
        if (nextToken != null) {
            out.put("nextToken", nextToken);
        }
        return out;
    }

    /** DeleteDataSource's answer. */
    public static ObjectNode deleted(String knowledgeBaseId, String id, String status) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("knowledgeBaseId", knowledgeBaseId);
        out.put("dataSourceId", id);
        out.put("status", status);
        return out;
    }
}
