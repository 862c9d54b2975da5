package dev.localbedrock.codecs.inference;

/**
 * The diffusion samplers an image request may name, by Stability's names (the enum constants are the wire values).
 * A codec accepts every one; an engine that lacks one refuses the request naming the ones it has, so a client learns
 * which name to send instead of getting a different sampler silently.
 */
public enum ImageSampler {
    DDIM,
    DDPM,
    K_DPMPP_2M,
    K_DPMPP_2S_ANCESTRAL,
    K_DPM_2,
    K_DPM_2_ANCESTRAL,
    K_EULER,
    K_EULER_ANCESTRAL,
    K_HEUN,
    K_LMS
}
