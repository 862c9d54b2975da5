package dev.localbedrock.codecs;

import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.StreamChunk;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.codecs.parameters.BodyShape;

/**
 * One Bedrock text model family's wire format: its request body, its InvokeModel response body and its stream chunk
 * JSON. Implementations are stateless and thread-safe (per-response state lives in the {@link StreamEncoder} that
 * {@link #openStream} returns).
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

    /**
     * The request body's prompt field and inference parameters, with the ranges and defaults {@link #decodeRequest}
     * enforces (it reads the body through these same values).
     */
    BodyShape bodyShape();

    /**
     * Where the generated text sits in this family's InvokeModel response body, as a dotted path with array indexes
     * as numbers ({@code results.0.outputText}): what a client (the console) reads without knowing the family.
     */
    String responseTextPath();

    /** Where a stream chunk's text sits in its JSON, as {@link #responseTextPath}; null for a family that never streams. */
    String chunkTextPath();

    /** The InvokeModel response body. */
    byte[] encodeResponse(GenerationOutcome outcome);

    /**
     * The InvokeModel response body for {@code request}. Families whose response echoes the request (Jurassic-2's
     * and Cohere's {@code prompt}) override this; callers that have the request use this form.
     */
    default byte[] encodeResponse(TextGenerationRequest request, GenerationOutcome outcome) {
        return encodeResponse(outcome);
    }

    /** The JSON of one stream chunk (it is base64-wrapped and framed by the stream encoder). */
    byte[] encodeChunk(StreamChunk chunk);

    /**
     * Whether the family answers InvokeModelWithResponseStream at all. Bedrock refuses streaming for some families
     * (AI21 Jurassic-2) with {@link #NOT_STREAMING}; those return false and the caller refuses before admission.
     */
    default boolean streams() {
        return true;
    }

    /**
     * The encoder for one streamed response to {@code request}: by default one {@code chunk} event per chunk from
     * {@link #encodeChunk}. A family whose chunks depend on the request (Cohere's {@code index}, only when several
     * generations were asked for) overrides this.
     */
    default StreamEncoder openStream(TextGenerationRequest request) {
        return StreamEncoder.chunkEvents(this::encodeChunk);
    }

    /**
     * This family configured by its models.yaml entry (e.g. Claude's {@code strict_prompt_format}); families with
     * nothing to configure return themselves.
     */
    default TextFamilyCodec configured(CodecOptions options) {
        return this;
    }

    /** Real Bedrock's words for InvokeModelWithResponseStream on a model that does not stream. */
    String NOT_STREAMING = "The model is unsupported for streaming.";
}
