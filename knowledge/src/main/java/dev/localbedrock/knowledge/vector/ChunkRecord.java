package dev.localbedrock.knowledge.vector;

import java.util.Map;
import java.util.Objects;

/**
 * One chunk of one source document as a store holds it. {@code chunkId} identifies it within the index (an upsert
 * with the same id replaces it); {@code dataSourceId} and {@code sourceUri} say where it came from, so a resync can
 * drop a document's old chunks. Metadata values are strings, as the filters compare them.
 */
public record ChunkRecord(String chunkId, String dataSourceId, String sourceUri, String text,
                          Map<String, String> metadata, float[] vector) {

    public ChunkRecord {
        if (chunkId == null || chunkId.isEmpty()) {
            throw new IllegalArgumentException("chunkId must not be empty");
        }
        Objects.requireNonNull(dataSourceId, "dataSourceId");
        Objects.requireNonNull(sourceUri, "sourceUri");
        Objects.requireNonNull(text, "text");
        if (metadata == null) {
            metadata = Map.of();
        } else {
            metadata.forEach((key, value) -> {
                if (key == null || value == null) {
                    throw new IllegalArgumentException(
                            "chunk " + chunkId + ": metadata holds a null key or value (key '" + key + "')");
                }
            });
            metadata = Map.copyOf(metadata);
        }
        Objects.requireNonNull(vector, "vector");
    }
}
