package dev.localbedrock.runtime.state;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ingestion job as the state keeps it.
 *
 * @param statistics     IngestionJobStatistics by the API's member names, in the order they were first set
 * @param failureReasons why documents failed ({@code s3://bucket/key: reason}), or why the job did
 * @param clientToken    the Start call's idempotency token, or null
 */
public record StoredIngestionJob(String id, String knowledgeBaseId, String dataSourceId, String status,
                                 String description, Map<String, Long> statistics, List<String> failureReasons,
                                 Instant startedAt, Instant updatedAt, String clientToken) {
    public StoredIngestionJob {
        statistics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(statistics));
        failureReasons = List.copyOf(failureReasons);
    }

    public StoredIngestionJob withProgress(String newStatus, Map<String, Long> newStatistics,
                                           List<String> newFailureReasons, Instant at) {
        return new StoredIngestionJob(id, knowledgeBaseId, dataSourceId, newStatus, description, newStatistics,
                newFailureReasons, startedAt, at, clientToken);
    }

    public StoredIngestionJob withStatus(String newStatus, Instant at) {
        return withProgress(newStatus, statistics, failureReasons, at);
    }
}
