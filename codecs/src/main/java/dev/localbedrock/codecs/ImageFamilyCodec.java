package dev.localbedrock.codecs;

import dev.localbedrock.codecs.inference.ImageGenerationOutcome;
import dev.localbedrock.codecs.inference.ImageGenerationRequest;
import dev.localbedrock.codecs.inference.ImageSize;
import dev.localbedrock.codecs.parameters.BodyShape;

import java.util.List;

/**
 * One Bedrock image model family's wire format: its request body and its InvokeModel response body. Implementations
 * are stateless and thread-safe.
 */
public interface ImageFamilyCodec {

    /** The family's name as used in models.yaml (e.g. {@code stability-sdxl}). */
    String family();

    /**
     * Parses and validates a request body.
     *
     * @throws BedrockException ValidationException naming the field and its allowed range or values when the body is
     *                          bad
     */
    ImageGenerationRequest decodeRequest(byte[] body);

    /**
     * The body's inference parameters, with the ranges and defaults {@link #decodeRequest} enforces (it reads the
     * body through these same values). The prompts are not a parameter: the shape's {@code promptPath} is null and
     * {@link #promptsPath()} says where they go.
     */
    BodyShape bodyShape();

    /**
     * The key of the prompt list ({@code text_prompts}): an array of {@code {"text", "weight"}} objects, a negative
     * weight marking a negative prompt.
     */
    String promptsPath();

    /**
     * The sizes {@link #decodeRequest} accepts, default first: the width and height parameters of
     * {@link #bodyShape()} give each dimension's range, but only these pairs are allowed.
     */
    List<ImageSize> allowedSizes();

    /** The InvokeModel response body. */
    byte[] encodeResponse(ImageGenerationOutcome outcome);

    /**
     * Whether the family answers InvokeModelWithResponseStream. Bedrock's image models do not stream (the guide's
     * wording mentions both operations, the real service refuses, bedrock-spec §1.2 and errata 17): a family that
     * returns false is refused with {@link #NOT_STREAMING} before admission.
     */
    default boolean streams() {
        return false;
    }

    /** Real Bedrock's words for InvokeModelWithResponseStream on a model that does not stream. */
    String NOT_STREAMING = TextFamilyCodec.NOT_STREAMING;
}
