package dev.localbedrock.runtime.observe;

import java.util.Objects;

/**
 * What an image model's invocation returned, for CloudWatch's {@code OutputImageCount} and its
 * {@code ModelId + ImageSize + BucketedStepSize} dimensions.
 *
 * @param images    images the response carries (an ERROR artifact has none)
 * @param imageSize the requested size, {@code WIDTHxHEIGHT}
 * @param steps     the denoising steps each image took
 */
public record ImageOutput(int images, String imageSize, int steps) {

    public ImageOutput {
        Objects.requireNonNull(imageSize, "imageSize");
        if (images < 0 || steps < 1) {
            throw new IllegalArgumentException("images ≥ 0 and steps ≥ 1, not " + images + " and " + steps);
        }
    }

    /**
     * The step count's bucket: {@code 1-50}, {@code 51-100}, {@code 101-150}, and so on by fifties. AWS does not publish
     * its bucket bounds; fifties split Stability's 10–150 range into its usual short, default-to-long and long
     * settings while keeping the label's values few.
     */
    public String bucketedStepSize() {
        int low = (steps - 1) / 50 * 50 + 1;
        return low + "-" + (low + 49);
    }
}
