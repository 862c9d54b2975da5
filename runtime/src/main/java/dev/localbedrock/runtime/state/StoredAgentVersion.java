package dev.localbedrock.runtime.state;

import java.time.Instant;

/** A numbered agent version: the snapshot of the prepared draft it was made from, never changed after. */
public record StoredAgentVersion(String agentId, int version, String snapshotJson, Instant createdAt) {
}
