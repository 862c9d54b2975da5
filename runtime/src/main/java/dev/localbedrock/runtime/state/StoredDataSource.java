package dev.localbedrock.runtime.state;

import java.time.Instant;

/**
 * A data source as the state keeps it.
 *
 * @param bodyJson    the client's definition as JSON (the codecs write and read it), its name aside
 * @param clientToken the Create call's idempotency token, or null
 */
public record StoredDataSource(String id, String knowledgeBaseId, String name, String status, String bodyJson,
                               Instant createdAt, Instant updatedAt, String clientToken) {

    public StoredDataSource withDefinition(String newName, String newBody, Instant at) {
        return new StoredDataSource(id, knowledgeBaseId, newName, status, newBody, createdAt, at, clientToken);
    }
}
