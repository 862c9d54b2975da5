package dev.localbedrock.codecs.inference;

import java.util.Objects;

/**
 * One generated image. The PNG bytes are handed over, not copied (an image is megabytes): nothing may change them
 * after the artifact is built. Equality is that of the array (identity), as for every record holding one.
 *
 * @param seed         the seed this image was generated from, {@code 1..}{@link ImageGenerationRequest#MAX_SEED}
 *                     (never 0: a request's 0 means "pick one", and the answer says which was picked), so the same
 *                     request with this seed reproduces the image
 * @param pngBytes     the encoded PNG; empty only for {@link ImageFinishReason#ERROR}
 * @param finishReason how generating it ended
 */
public record ImageArtifact(long seed, byte[] pngBytes, ImageFinishReason finishReason) {
    public ImageArtifact {
        if (seed < 1 || seed > ImageGenerationRequest.MAX_SEED) {
            throw new IllegalArgumentException("an artifact's seed is 1.." + ImageGenerationRequest.MAX_SEED
                    + ", not " + seed);
        }
        Objects.requireNonNull(pngBytes, "pngBytes");
        Objects.requireNonNull(finishReason, "finishReason");
        if (pngBytes.length == 0 && finishReason != ImageFinishReason.ERROR) {
            throw new IllegalArgumentException("a " + finishReason + " artifact has an image");
        }
    }
}
