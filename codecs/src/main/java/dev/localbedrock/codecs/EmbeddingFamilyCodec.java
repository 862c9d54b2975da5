package dev.localbedrock.codecs;

import dev.localbedrock.codecs.inference.EmbeddingOutcome;
import dev.localbedrock.codecs.inference.EmbeddingRequest;

/**
 * One Bedrock embedding model family's wire format: its request body and its InvokeModel response body. Embedding
 * families do not stream. Implementations are stateless and thread-safe.
 */
public interface EmbeddingFamilyCodec {

    /** The family's name as used in models.yaml (e.g. {@code amazon-titan-embed}). */
    String family();

    /**
     * Parses and validates a request body.
     *
     * @throws BedrockException ValidationException naming the field when the body is bad
     */
    EmbeddingRequest decodeRequest(byte[] body);

    /** The InvokeModel response body. */
    byte[] encodeResponse(EmbeddingOutcome outcome);
}
