package dev.localbedrock.codecs.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.Json;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The bodies of StartIngestionJob, GetIngestionJob, ListIngestionJobs and StopIngestionJob (bedrock-agent
 * 2023-06-05): an {@code ingestionJob} with its {@code statistics} under the SDK's member names.
 */
public final class IngestionJobBodies {
    /** The IngestionJobStatus values. */
    public static final List<String> STATUSES = List.of("STARTING", "IN_PROGRESS", "COMPLETE", "FAILED", "STOPPING",
            "STOPPED");

    private IngestionJobBodies() {
    }

    /** A StartIngestionJob body. */
    public record Start(String clientToken, String description) {
    }

    /**
     * A ListIngestionJobs body: paging, at most one filter ({@code STATUS EQ values}; null: none) and the order.
     *
     * @param statusIn   the statuses a job must have, or null for any
     * @param sortBy     {@code STATUS} or {@code STARTED_AT}; null: started first, oldest first
     * @param descending the order's direction
     */
    public record ListRequest(AgentJson.Page page, List<String> statusIn, String sortBy, boolean descending) {
    }

    /** An ingestion job as the answers describe it. */
    public record Described(String knowledgeBaseId, String dataSourceId, String id, String status,
                            String description, Map<String, Long> statistics, List<String> failureReasons,
                            Instant startedAt, Instant updatedAt) {
    }

    /** @throws dev.localbedrock.codecs.BedrockException ValidationException listing every violation */
    public static Start readStart(byte[] body) {
        AgentJson.Violations v = new AgentJson.Violations();
        AgentJson.Reader in = new AgentJson.Reader(AgentJson.parse(body), "", v);
        String token = in.string("clientToken", false, 33, 256, KnowledgeBaseBodies.CLIENT_TOKEN,
                "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}$");
        String description = in.string("description", false, 1, 200, null, null);
        v.throwIfAny();
        return new Start(token, description);
    }

    /** @throws dev.localbedrock.codecs.BedrockException ValidationException listing every violation */
    public static ListRequest readList(byte[] body) {
        AgentJson.Page page = AgentJson.page(body);
        AgentJson.Violations v = new AgentJson.Violations();
        AgentJson.Reader in = new AgentJson.Reader(AgentJson.parse(body), "", v);
        List<String> statuses = null;
        JsonNode filters = in.node().get("filters");
        if (filters != null && !filters.isNull()) {
            if (!filters.isArray() || filters.size() != 1) {
                v.add("filters", filters, "Member must have length between 1 and 1");
            } else if (!filters.get(0).isObject()) {
                v.add("filters.1", filters.get(0), "Member must be a structure");
            } else {
                AgentJson.Reader f = new AgentJson.Reader((ObjectNode) filters.get(0), "filters.1", v);
                f.oneOf("attribute", true, List.of("STATUS"));
                f.oneOf("operator", true, List.of("EQ"));
                statuses = f.strings("values", 0, 10, 0, 100);
                if (!f.has("values")) {
                    v.add("filters.1.values", null, "Member must not be null");
                }
            }
        }
        String sortBy = null;
        boolean descending = false;
        AgentJson.Reader sort = in.object("sortBy", false);
        if (sort != null) {
            sortBy = sort.oneOf("attribute", true, List.of("STATUS", "STARTED_AT"));
            descending = "DESCENDING".equals(sort.oneOf("order", true, List.of("ASCENDING", "DESCENDING")));
        }
        v.throwIfAny();
        return new ListRequest(page, statuses, sortBy, descending);
    }

    /** The {@code ingestionJob} member of Start, Get and Stop answers. */
    public static ObjectNode ingestionJob(Described job) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        write(out.putObject("ingestionJob"), job, true);
        return out;
    }

    /** A ListIngestionJobs page. */
    public static ObjectNode list(List<Described> page, String nextToken) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode summaries = out.putArray("ingestionJobSummaries");
        for (Described job : page) {
            write(summaries.addObject(), job, false);
        }
        if (nextToken != null) {
            out.put("nextToken", nextToken);
        }
        return out;
    }

    private static void write(ObjectNode n, Described job, boolean withFailures) {
        n.put("knowledgeBaseId", job.knowledgeBaseId());
        n.put("dataSourceId", job.dataSourceId());
        n.put("ingestionJobId", job.id());
        if (job.description() != null) {
            n.put("description", job.description());
        }
        n.put("status", job.status());
        ObjectNode stats = n.putObject("statistics");
        job.statistics().forEach(stats::put);
        if (withFailures && !job.failureReasons().isEmpty()) {
            ArrayNode reasons = n.putArray("failureReasons");
            job.failureReasons().forEach(reasons::add);
        }
        n.put("startedAt", job.startedAt().toString());
        n.put("updatedAt", job.updatedAt().toString());
    }
}
