package dev.localbedrock.codecs.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Retrieve's bodies (bedrock-agent-runtime 2023-07-26): the query text, how many results, and the metadata filter
 * in, {@code retrievalResults} out. Filter values are JSON documents; they are compared as strings (a number as
 * written, a boolean as {@code true}/{@code false}), since chunk metadata is kept as strings.
 */
public final class RetrieveBodies {
    /** The model sets no default for numberOfResults; the AWS guide's is 5. */
    public static final int DEFAULT_RESULTS = 5;
    private static final int MAX_QUERY = 20_000;
    private static final Set<String> CONDITIONS = Set.of("equals", "notEquals", "in", "startsWith");
    private static final Set<String> NOT_SUPPORTED = Set.of("greaterThan", "greaterThanOrEquals", "lessThan",
            "lessThanOrEquals", "listContains", "notIn", "stringContains");

    private RetrieveBodies() {
    }

    /** A Retrieve body. {@code filter} is null when none was given. */
    public record Request(String text, int numberOfResults, FilterSpec filter) {
    }

    /**
     * One node of {@code vectorSearchConfiguration.filter}: a condition ({@code equals}, {@code notEquals},
     * {@code in}, {@code startsWith}) on {@code key} with its {@code values} (one, or {@code in}'s list), or
     * {@code andAll}/{@code orAll} over {@code children}.
     */
    public record FilterSpec(String operator, String key, List<String> values, List<FilterSpec> children) {
    }

    /** One retrieval result: a chunk's text, its document's URI, its score and its metadata. */
    public record Result(String text, String uri, double score, Map<String, String> metadata) {
    }

    /** @throws dev.localbedrock.codecs.BedrockException ValidationException listing every violation */
    public static Request read(byte[] body) {
        AgentJson.Violations v = new AgentJson.Violations();
        AgentJson.Reader in = new AgentJson.Reader(AgentJson.parse(body), "", v);
        String text = null;
        AgentJson.Reader query = in.object("retrievalQuery", true);
        if (query != null) {
            String type = query.oneOf("type", false, List.of("TEXT", "IMAGE"));
            if ("IMAGE".equals(type) || query.has("image")) {
                query.refuse("type", "IMAGE is not supported: this server's knowledge bases hold text; send"
                        + " retrievalQuery.text.");
            }
            text = query.string("text", true, 0, MAX_QUERY, null, null);
        }
        Search search = search(in.object("retrievalConfiguration", false), v);
        v.throwIfAny();
        return new Request(text, search.numberOfResults(), search.filter());
    }

    /** How many results and the filter, as Retrieve and RetrieveAndGenerate both take them. */
    public record Search(int numberOfResults, FilterSpec filter) {
    }

    /** Reads a {@code KnowledgeBaseRetrievalConfiguration} ({@code config} null when absent) into {@code v}. */
    public static Search search(AgentJson.Reader config, AgentJson.Violations v) {
        int results = DEFAULT_RESULTS;
        FilterSpec filter = null;
        AgentJson.Reader vector = config == null ? null : config.object("vectorSearchConfiguration", false);
        if (config != null && config.has("managedSearchConfiguration")) {
            config.refuse("managedSearchConfiguration", "is not supported; use vectorSearchConfiguration.");
        }
        if (vector != null) {
            Integer n = vector.integer("numberOfResults", false, 1, 100);
            results = n == null ? DEFAULT_RESULTS : n;
            String search = vector.oneOf("overrideSearchType", false, List.of("HYBRID", "SEMANTIC"));
            if ("HYBRID".equals(search)) {
                vector.refuse("overrideSearchType", "HYBRID is not supported: the vector store searches by"
                        + " embedding only; send SEMANTIC or leave it out.");
            }
            for (String unsupported : List.of("rerankingConfiguration", "implicitFilterConfiguration")) {
                if (vector.has(unsupported)) {
                    vector.refuse(unsupported, "is not supported.");
                }
            }
            JsonNode f = vector.node().get("filter");
            if (f != null && !f.isNull()) {
                filter = filter(f, vector.path("filter"), v);
            }
        }
        return new Search(results, filter);
    }

    private static FilterSpec filter(JsonNode node, String path, AgentJson.Violations v) {
        if (!node.isObject() || node.size() != 1) {
            v.add(path, node, "Member must be a union with exactly one member set");
            return null;
        }
        String op = node.fieldNames().next();
        JsonNode value = node.get(op);
        String at = path + "." + op;
        if (op.equals("andAll") || op.equals("orAll")) {
            if (!value.isArray() || value.size() < 2) {
                v.add(at, value, "Member must have length greater than or equal to 2");
                return null;
            }
            List<FilterSpec> children = new ArrayList<>();
            for (int i = 0; i < value.size(); i++) {
                children.add(filter(value.get(i), at + "." + (i + 1), v));
            }
            return new FilterSpec(op, null, List.of(), children);
        }
        if (NOT_SUPPORTED.contains(op)) {
            v.problem("'" + at + "' is not supported; use equals, notEquals, in, startsWith, andAll or orAll.");
            return null;
        }
        if (!CONDITIONS.contains(op)) {
            v.add(path, op, "Member must be one of [andAll, equals, in, notEquals, orAll, startsWith]");
            return null;
        }
        if (!value.isObject()) {
            v.add(at, value, "Member must be a structure");
            return null;
        }
        JsonNode key = value.get("key");
        if (key == null || !key.isTextual() || key.textValue().isEmpty() || key.textValue().length() > 100) {
            v.add(at + ".key", key, "Member must have length between 1 and 100");
            return null;
        }
        JsonNode operand = value.get("value");
        if (operand == null || operand.isNull()) {
            v.add(at + ".value", null, "Member must not be null");
            return null;
        }
        List<String> values = new ArrayList<>();
        if (op.equals("in")) {
            if (!operand.isArray()) {
                v.add(at + ".value", operand, "Member must be a list for in");
                return null;
            }
            operand.forEach(item -> values.add(scalar(item)));
        } else {
            if (!operand.isValueNode()) {
                v.add(at + ".value", operand, "Member must be a string, number or boolean for " + op);
                return null;
            }
            values.add(scalar(operand));
        }
        return new FilterSpec(op, key.textValue(), values, List.of());
    }

    private static String scalar(JsonNode n) {
        return n.isTextual() ? n.textValue() : n.asText();
    }

    /** Retrieve's answer. */
    public static ObjectNode response(List<Result> results) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("retrievalResults");
        for (Result r : results) {
            ObjectNode n = list.addObject();
            n.putObject("content").put("type", "TEXT").put("text", r.text());
            n.putObject("location").put("type", "S3").putObject("s3Location").put("uri", r.uri());
            n.put("score", r.score());
            ObjectNode metadata = n.putObject("metadata");
            r.metadata().forEach(metadata::put);
        }
        return out;
    }
}
