package dev.localbedrock.codecs.inference;

import java.util.Objects;

/**
 * One prompt of an image request and how strongly it counts. A negative prompt (what the image should avoid) sits
 * in {@link ImageGenerationRequest#negativePrompts()} with the size of its wire weight, so here the weight is never
 * negative: Stability's {@code {"text": "blurry", "weight": -0.5}} is a negative prompt of weight 0.5.
 *
 * @param text   the prompt; may be empty (an empty positive prompt is the unconditional image)
 * @param weight how much the prompt counts, finite and at least 0
 */
public record WeightedPrompt(String text, double weight) {
    public WeightedPrompt {
        Objects.requireNonNull(text, "text");
        if (!Double.isFinite(weight) || weight < 0) {
            throw new IllegalArgumentException("a prompt weight is finite and not negative, not " + weight);
        }
    }
}
