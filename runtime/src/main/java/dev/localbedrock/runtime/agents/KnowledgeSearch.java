package dev.localbedrock.runtime.agents;

import java.util.List;
import java.util.Map;

/** The agent's knowledge-base lookups: the same search Retrieve runs, its top results. */
public interface KnowledgeSearch {
    /** How many chunks one lookup returns (Retrieve's default). */
    int RESULTS = 5;

    /** One retrieved chunk: its text, its document's S3 URI, its metadata ({@code x-amz-bedrock-kb-*} included). */
    record Reference(String text, String uri, Map<String, String> metadata) {
        public Reference {
            metadata = Map.copyOf(metadata);
        }
    }

    /** The knowledge base could not be searched (gone, not ACTIVE, its index or model failing). */
    final class Failure extends Exception {
        public Failure(String message) {
            super(message);
        }
    }

    /** The chunks nearest {@code query} in {@code knowledgeBaseId}, nearest first. */
    List<Reference> search(String knowledgeBaseId, String query) throws Failure;
}
