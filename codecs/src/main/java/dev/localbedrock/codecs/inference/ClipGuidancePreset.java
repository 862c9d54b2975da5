package dev.localbedrock.codecs.inference;

/**
 * Stability's CLIP guidance presets (the enum constants are the wire values): how hard, and at what cost in time,
 * the sampler steers each step towards the prompt's CLIP embedding. {@link #NONE} is plain classifier-free guidance.
 */
public enum ClipGuidancePreset {
    FAST_BLUE,
    FAST_GREEN,
    NONE,
    SIMPLE,
    SLOW,
    SLOWER,
    SLOWEST
}
