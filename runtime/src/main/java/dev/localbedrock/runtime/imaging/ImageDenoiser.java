package dev.localbedrock.runtime.imaging;

import dev.localbedrock.engines.diffusion.DiffusionModel;
import dev.localbedrock.engines.diffusion.GaussianNoise;
import dev.localbedrock.engines.diffusion.Guidance;
import dev.localbedrock.engines.diffusion.PromptEmbedding;
import dev.localbedrock.engines.diffusion.Scheduler;

import java.util.List;

/**
 * The denoising state of one image: its scheduler, its latent, its own noise stream and its conditioning. Everything
 * random an image uses (the initial latent and an ancestral sampler's per-step noise) comes from the stream seeded
 * with the image's seed, and guidance combines only this image's two rows, so an image is the same bit for bit
 * whatever other requests share its UNet batches. Not thread-safe: the scheduler thread owns it.
 */
final class ImageDenoiser {
    private final long seed;
    private final Scheduler scheduler;
    private final float[] timesteps;
    private final GaussianNoise noise;
    private final PromptEmbedding cond;
    private final PromptEmbedding uncond;
    private final double cfgScale;
    private float[] latent;

    /**
     * @param latentLength floats in this image's latent ({@code channels × h × w})
     * @param uncond       the unconditional branch; unused when {@code cfgScale} is 1 (the conditional branch alone)
     */
    ImageDenoiser(long seed, Scheduler scheduler, int latentLength, PromptEmbedding cond, PromptEmbedding uncond,
                  double cfgScale) {
        this.seed = seed;
        this.scheduler = scheduler;
        this.timesteps = scheduler.timesteps();
        this.noise = new GaussianNoise(seed);
        this.cond = cond;
        this.uncond = uncond;
        this.cfgScale = cfgScale;
        float[] initial = noise.next(latentLength);
        float sigma = (float) scheduler.initNoiseSigma();
        for (int i = 0; i < initial.length; i++) {
            initial[i] *= sigma;
        }
        this.latent = initial;
    }

    /** Whether each step takes an unconditional and a conditional row ({@code cfg_scale} other than 1). */
    static boolean guided(double cfgScale) {
        return cfgScale != 1.0;
    }

    long seed() {
        return seed;
    }

    /** The UNet rows of step {@code step}: unconditional then conditional when guided, else the conditional alone. */
    List<DiffusionModel.UnetRow> rows(int step) {
        float[] sample = scheduler.scaleModelInput(latent, step);
        float t = timesteps[step];
        DiffusionModel.UnetRow condRow = new DiffusionModel.UnetRow(sample, t, cond);
        return guided(cfgScale) ? List.of(new DiffusionModel.UnetRow(sample, t, uncond), condRow) : List.of(condRow);
    }

    /** Rows {@link #rows} returns per step. */
    int rowsPerStep() {
        return guided(cfgScale) ? 2 : 1;
    }

    /**
     * Moves the latent through step {@code step} given the UNet's predictions for this image's rows, which start at
     * {@code eps[from]} in the order {@link #rows} gave them.
     */
    void advance(float[][] eps, int from, int step) {
        float[] guidedEps = guided(cfgScale) ? Guidance.classifierFree(eps[from], eps[from + 1], cfgScale) : eps[from];
        latent = scheduler.step(guidedEps, step, latent, noise);
    }

    float[] latent() {
        return latent;
    }

    /** Whether every value of the latent is finite (a NaN or infinity makes the image an ERROR artifact). */
    boolean finite() {
        for (float v : latent) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
