package dev.localbedrock.knowledge.vector;

import java.util.Map;

/** One search result; {@code score} is on the scale {@link Metric} documents, larger is nearer. */
public record Hit(String chunkId, String dataSourceId, String sourceUri, String text, Map<String, String> metadata,
                  float score) {
}
