package dev.localbedrock.runtime.state;

import java.util.List;

/**
 * A document a data source has indexed: its key, the fingerprint its object had when it was read (a later sync
 * skips it while that is unchanged), and the ids of its chunks in the knowledge base's vector index.
 */
public record StoredDocument(String dataSourceId, String knowledgeBaseId, String key, String fingerprint,
                             List<String> chunkIds) {
    public StoredDocument {
        chunkIds = List.copyOf(chunkIds);
    }
}
