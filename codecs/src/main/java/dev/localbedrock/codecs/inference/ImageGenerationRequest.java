package dev.localbedrock.codecs.inference;

import java.util.List;
import java.util.Objects;

/**
 * The family-neutral request an image codec produces: text to image with classifier-free guidance.
 *
 * @param prompts            what the image should show, in request order; may be empty when there are negative
 *                           prompts (the conditional branch is then the empty prompt)
 * @param negativePrompts    what the image should avoid, in request order, each with the size of its wire weight
 * @param cfgScale           the classifier-free guidance scale, finite and at least 0 (1 is the conditional branch
 *                           alone; 0 the unconditional one)
 * @param steps              sampling steps, at least 1
 * @param seed               the initial noise's seed, {@code 0..}{@link #MAX_SEED}; 0 asks the engine to pick one at
 *                           random (Stability's rule), and the artifact says which it picked
 * @param size               the image size in pixels
 * @param sampler            the sampler asked for; null lets the engine choose
 * @param samples            how many images to generate, at least 1; image {@code i} uses seed {@code seed + i}
 *                           (wrapping past {@link #MAX_SEED}) so each one is reproducible on its own
 * @param stylePreset        Stability's style preset name ({@code photographic}, {@code anime}, ...); null for none
 * @param clipGuidancePreset the CLIP guidance asked for; {@link ClipGuidancePreset#NONE} when absent
 */
public record ImageGenerationRequest(List<WeightedPrompt> prompts, List<WeightedPrompt> negativePrompts,
                                     double cfgScale, int steps, long seed, ImageSize size, ImageSampler sampler,
                                     int samples, String stylePreset, ClipGuidancePreset clipGuidancePreset) {

    /** The largest seed: Stability's seeds are unsigned 32-bit integers. */
    public static final long MAX_SEED = 4_294_967_295L;

    public ImageGenerationRequest {
        prompts = List.copyOf(Objects.requireNonNull(prompts, "prompts"));
        negativePrompts = List.copyOf(Objects.requireNonNull(negativePrompts, "negativePrompts"));
        Objects.requireNonNull(size, "size");
        if (prompts.isEmpty() && negativePrompts.isEmpty()) {
            throw new IllegalArgumentException("an image request needs at least one prompt");
        }
        if (!Double.isFinite(cfgScale) || cfgScale < 0) {
            throw new IllegalArgumentException("cfgScale is finite and not negative, not " + cfgScale);
        }
        if (steps < 1 || samples < 1) {
            throw new IllegalArgumentException("steps and samples are at least 1, not " + steps + " and " + samples);
        }
        if (seed < 0 || seed > MAX_SEED) {
            throw new IllegalArgumentException("seed is 0.." + MAX_SEED + ", not " + seed);
        }
        clipGuidancePreset = clipGuidancePreset == null ? ClipGuidancePreset.NONE : clipGuidancePreset;
    }

    /** Whether the engine picks the seed (the request's seed is 0). */
    public boolean randomSeed() {
        return seed == 0;
    }
}
