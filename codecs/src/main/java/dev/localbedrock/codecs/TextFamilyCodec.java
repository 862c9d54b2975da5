package dev.localbedrock.codecs;

/**
 * One Bedrock text model family's wire format: its request body, its InvokeModel response body and its stream chunk
 * JSON. Implementations are stateless and thread-safe.
 */
public interface TextFamilyCodec {

    /** The family's name as used in models.yaml (e.g. {@code meta-llama2}). */
    String family();

    /**
     * Parses and validates a request body.
     *
     * @throws BedrockException ValidationException naming the field and its allowed range when the body is bad
     */
    TextGenerationRequest decodeRequest(byte[] body);

    /** The InvokeModel response body. */
    byte[] encodeResponse(GenerationOutcome outcome);

    /** The JSON of one stream chunk (it is base64-wrapped and framed by the caller). */
    byte[] encodeChunk(StreamChunk chunk);
}
