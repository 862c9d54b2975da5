package dev.localbedrock.engines.diffusion;

/**
 * What a caller needs to drive a {@link DiffusionModel}.
 *
 * @param latentChannels the UNet's {@code in_channels} (4 for SDXL)
 * @param vaeScaleFactor pixels per latent cell along each axis: {@code 2^(len(vae block_out_channels) - 1)}, 8 for SDXL
 * @param sizeMultiple   pixel heights and widths must be multiples of this (the VAE factor times the UNet's total
 *                       downsampling)
 * @param tokens         tokens per prompt (77)
 * @param hiddenSize     per-token width of the concatenated hidden states ({@code cross_attention_dim}, 2048 for SDXL)
 * @param pooledSize     width of the pooled embedding ({@code text_embeds}, 1280 for SDXL)
 * @param scheduler      the export's {@code scheduler/scheduler_config.json}
 * @param description    what the export is, for logs (its {@code model_index.json} class and folder)
 */
public record DiffusionModelInfo(int latentChannels, int vaeScaleFactor, int sizeMultiple, int tokens,
                                 int hiddenSize, int pooledSize, SchedulerConfig scheduler, String description) {

    /** Floats in one latent of a {@code latentHeight × latentWidth} image. */
    public int latentLength(int latentHeight, int latentWidth) {
        return latentChannels * latentHeight * latentWidth;
    }
}
