package dev.localbedrock.runtime.state;

import java.time.Instant;
import java.util.List;

/**
 * A knowledge base as the state keeps it.
 *
 * @param bodyJson       the client's definition as JSON (the codecs write and read it), its name aside
 * @param failureReasons why it is FAILED, empty otherwise
 * @param clientToken    the Create call's idempotency token, or null
 */
public record StoredKnowledgeBase(String id, String arn, String name, String status, String bodyJson,
                                  List<String> failureReasons, Instant createdAt, Instant updatedAt,
                                  String clientToken) {
    public StoredKnowledgeBase {
        failureReasons = List.copyOf(failureReasons);
    }

    public StoredKnowledgeBase withStatus(String newStatus, List<String> reasons, Instant at) {
        return new StoredKnowledgeBase(id, arn, name, newStatus, bodyJson, reasons, createdAt, at, clientToken);
    }

    public StoredKnowledgeBase withDefinition(String newName, String newBody, Instant at) {
        return new StoredKnowledgeBase(id, arn, newName, status, newBody, failureReasons, createdAt, at, clientToken);
    }
}
