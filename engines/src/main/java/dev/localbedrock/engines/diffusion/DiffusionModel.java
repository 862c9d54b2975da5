package dev.localbedrock.engines.diffusion;

import java.util.List;

/**
 * A text-to-image latent diffusion model in the SDXL layout: two CLIP text encoders, a UNet conditioned on their
 * hidden states, pooled embedding and {@code time_ids}, and a VAE decoder. It is a narrow contract over plain arrays:
 * the sampling loop (schedulers, classifier-free guidance, noise) and the batching across requests live with the
 * caller, which sees only latents as flat {@code float[]} of {@code latentChannels × h × w} (channel-major, like the
 * UNet's NCHW {@code sample}).
 *
 * <p>Implementations are not required to be thread-safe: one scheduler thread drives each model.
 */
public interface DiffusionModel extends AutoCloseable {

    /** Shapes and settings read from the export. */
    DiffusionModelInfo info();

    /**
     * The conditioning of each text, in order: both encoders' penultimate hidden states concatenated per token, and
     * the second encoder's projected pooled embedding (SDXL's {@code text_embeds}). Texts longer than the tokenizers'
     * 77 tokens are truncated, as diffusers does.
     */
    List<PromptEmbedding> encodePrompts(List<String> texts);

    /**
     * The conditioning of an absent prompt (the unconditional branch when a request has no negative prompt): all
     * zeros when the export's {@code model_index.json} sets {@code force_zeros_for_empty_prompt} (SDXL base does),
     * else the encoding of the empty text.
     */
    PromptEmbedding emptyPrompt();

    /**
     * One batched UNet evaluation: the predicted noise (ε) of every row, in order, each the length of its sample.
     * All rows share one latent size; {@code time_ids} are SDXL's {@code [H, W, 0, 0, H, W]} for the pixel size
     * {@code latentHeight × vaeScaleFactor} by {@code latentWidth × vaeScaleFactor}.
     */
    float[][] predictNoise(List<UnetRow> rows, int latentHeight, int latentWidth);

    /**
     * Decodes final latents (as the scheduler leaves them: this divides by the VAE's scaling factor) into 8-bit RGB
     * images, row-major, 3 bytes per pixel, {@code (latentHeight × vaeScaleFactor) × (latentWidth × vaeScaleFactor)}
     * pixels each; the VAE's {@code [-1, 1]} output maps to {@code 0..255} as diffusers' image processor does.
     */
    byte[][] decode(List<float[]> latents, int latentHeight, int latentWidth);

    @Override
    void close();

    /**
     * One UNet row: a latent already scaled for the step ({@link Scheduler#scaleModelInput}), the step's timestep,
     * and the text conditioning (the conditional or the unconditional branch of one image).
     */
    record UnetRow(float[] sample, float timestep, PromptEmbedding prompt) {
    }
}
