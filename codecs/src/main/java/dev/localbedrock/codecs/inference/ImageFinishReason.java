package dev.localbedrock.codecs.inference;

/** How the generation of one image ended (the enum constants are Stability's {@code finishReason} values). */
public enum ImageFinishReason {
    /** The image is the one asked for. */
    SUCCESS,
    /** The engine failed on this image; the other images of the request may still have succeeded. */
    ERROR,
    /** A content filter replaced or blurred the image. */
    CONTENT_FILTERED
}
