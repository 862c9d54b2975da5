package dev.localbedrock.engines.diffusion;

import dev.localbedrock.engines.diffusion.DiffusionModel.UnetRow;

import java.util.List;
import java.util.Objects;

/**
 * The sampling state of one image between UNet evaluations: its scheduler, its latent, its noise source and its text
 * conditioning. A caller batches {@link #rows()} of many states into one {@link DiffusionModel#predictNoise} call,
 * hands each state its share of the output through {@link #advance}, and decodes {@link #latent()} once
 * {@link #done()}. The maths depends only on this state, so an image comes out the same whatever it was batched with
 * (up to the UNet's own batch invariance).
 *
 * <p>The noise source gives the initial latent first ({@code latentLength} values, scaled by the scheduler's
 * {@link Scheduler#initNoiseSigma()}), then whatever an ancestral sampler draws per step. Not thread-safe.
 */
public final class DenoisingState {
    private final Scheduler scheduler;
    private final GaussianNoise noise;
    private final PromptEmbedding cond;
    private final PromptEmbedding uncond;
    private final double cfgScale;
    private final float[] timesteps;
    private float[] latent;
    private int step;

    /**
     * @param uncond   the unconditional (negative or empty) prompt; unused when {@code cfgScale == 1}, where only the
     *                 conditional row runs, and may then be null
     * @param cfgScale classifier-free guidance scale, finite and at least 0
     * @throws IllegalArgumentException for a bad scale or length
     */
    public DenoisingState(Scheduler scheduler, GaussianNoise noise, int latentLength, PromptEmbedding cond,
                          PromptEmbedding uncond, double cfgScale) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.noise = Objects.requireNonNull(noise, "noise");
        this.cond = Objects.requireNonNull(cond, "cond");
        if (!Double.isFinite(cfgScale) || cfgScale < 0) {
            throw new IllegalArgumentException("cfg scale must be finite and at least 0, got " + cfgScale);
        }
        if (cfgScale != 1.0) {
            Objects.requireNonNull(uncond, "uncond (needed for a cfg scale other than 1)");
        }
        if (latentLength < 1) {
            throw new IllegalArgumentException("latent length must be positive, got " + latentLength);
        }
        this.uncond = uncond;
        this.cfgScale = cfgScale;
        this.timesteps = scheduler.timesteps();
        float[] initial = noise.next(latentLength);
        float sigma = (float) scheduler.initNoiseSigma();
        for (int i = 0; i < initial.length; i++) {
            initial[i] *= sigma;
        }
        this.latent = initial;
    }

    /** Whether the guidance needs the unconditional row (every scale but 1). */
    public boolean guided() {
        return cfgScale != 1.0;
    }

    /** Rows {@link #rows()} returns per step: 2 with guidance, else 1. */
    public int rowsPerStep() {
        return guided() ? 2 : 1;
    }

    /**
     * This step's UNet rows: {@code [uncond, cond]} with guidance, {@code [cond]} without, sharing one scaled
     * sample.
     *
     * @throws IllegalStateException when all steps are done
     */
    public List<UnetRow> rows() {
        ensureNotDone();
        float[] input = scheduler.scaleModelInput(latent, step);
        float t = timesteps[step];
        UnetRow c = new UnetRow(input, t, cond);
        return guided() ? List.of(new UnetRow(input, t, uncond), c) : List.of(c);
    }

    /**
     * Applies this step's UNet output: {@code eps} holds the predictions of {@link #rows()}, in order.
     *
     * @throws IllegalArgumentException when {@code eps} has the wrong number of rows
     */
    public void advance(float[][] eps) {
        ensureNotDone();
        if (eps.length != rowsPerStep()) {
            throw new IllegalArgumentException("step " + step + " takes " + rowsPerStep() + " predictions, got "
                    + eps.length);
        }
        float[] guidedEps = guided() ? Guidance.classifierFree(eps[0], eps[1], cfgScale) : eps[0];
        latent = scheduler.step(guidedEps, step, latent, noise);
        step++;
    }

    public boolean done() {
        return step == scheduler.steps();
    }

    /** Steps taken so far. */
    public int step() {
        return step;
    }

    public int steps() {
        return scheduler.steps();
    }

    /** The current latent (the final one once {@link #done()}); not to be modified. */
    public float[] latent() {
        return latent;
    }

    private void ensureNotDone() {
        if (done()) {
            throw new IllegalStateException("all " + scheduler.steps() + " steps are done");
        }
    }
}
