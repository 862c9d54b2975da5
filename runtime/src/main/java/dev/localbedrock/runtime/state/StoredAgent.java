package dev.localbedrock.runtime.state;

import java.time.Instant;
import java.util.List;

/**
 * An agent as the state keeps it.
 *
 * @param draftJson    the client's definition as JSON (the codecs write and read it), its name aside
 * @param preparedJson the snapshot PrepareAgent last made of the draft (definition, action groups, associations),
 *                     or null when never prepared
 * @param versionsMade how many numbered versions were ever made (the next is this plus one)
 */
public record StoredAgent(String id, String arn, String name, String status, String draftJson,
                          List<String> failureReasons, String preparedJson, Instant preparedAt, int versionsMade,
                          Instant createdAt, Instant updatedAt, String clientToken) {
    public StoredAgent {
        failureReasons = List.copyOf(failureReasons);
    }

    public StoredAgent withStatus(String newStatus, List<String> reasons, Instant at) {
        return new StoredAgent(id, arn, name, newStatus, draftJson, reasons, preparedJson, preparedAt, versionsMade,
                createdAt, at, clientToken);
    }

    public StoredAgent withDefinition(String newName, String newDraft, String newStatus, Instant at) {
        return new StoredAgent(id, arn, newName, newStatus, newDraft, failureReasons, preparedJson, preparedAt,
                versionsMade, createdAt, at, clientToken);
    }

    public StoredAgent prepared(String snapshot, Instant at) {
        return new StoredAgent(id, arn, name, "PREPARED", draftJson, List.of(), snapshot, at, versionsMade,
                createdAt, at, clientToken);
    }
}
