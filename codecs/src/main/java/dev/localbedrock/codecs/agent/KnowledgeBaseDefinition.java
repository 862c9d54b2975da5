package dev.localbedrock.codecs.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a client says a knowledge base is (Create and Update bodies): kept as sent so Get echoes it, with the members
 * this server acts on read out.
 *
 * @param configuration    {@code knowledgeBaseConfiguration} as sent (type VECTOR)
 * @param storage          {@code storageConfiguration} as sent, or null when the client gave none
 * @param embeddingModelArn the vector configuration's embedding model
 * @param dimensions       {@code bedrockEmbeddingModelConfiguration.dimensions}, or null when not given
 * @param fieldMapping     where the store keeps vectors, text and metadata (defaults where not given)
 */
public record KnowledgeBaseDefinition(String name, String description, String roleArn, ObjectNode configuration,
                                      ObjectNode storage, String embeddingModelArn, Integer dimensions,
                                      FieldMapping fieldMapping) {

    /**
     * The index and field names of the vector store. A client that names none gets the names the Bedrock console
     * gives a quick-create knowledge base, so documents written by either read alike.
     */
    public record FieldMapping(String indexName, String vectorField, String textField, String metadataField) {
        public static final FieldMapping DEFAULT = new FieldMapping("bedrock-knowledge-base-default-index",
                "bedrock-knowledge-base-default-vector", "AMAZON_BEDROCK_TEXT_CHUNK", "AMAZON_BEDROCK_METADATA");
    }
}
