package dev.localbedrock.codecs.inference;

/**
 * An image's size in pixels.
 *
 * @param width  pixels across, positive
 * @param height pixels down, positive
 */
public record ImageSize(int width, int height) {
    public ImageSize {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("an image size is positive, not " + width + "x" + height);
        }
    }

    /** {@code 1024x1024}: width first, as Stability and Bedrock's metric dimension {@code ImageSize} write it. */
    @Override
    public String toString() {
        return width + "x" + height;
    }
}
