package dev.localbedrock.engines.diffusion;

/**
 * One diffusion sampler for one image generation: the timesteps to condition the UNet on, how to scale its input, and
 * how to move the latent from one noise level to the next given the UNet's noise prediction (ε).
 *
 * <p>A sample is a flat float array (the latent of one image, or of a whole batch: every operation is elementwise).
 * The generation loop is:
 * <pre>{@code
 * latent = noise * initNoiseSigma()
 * for i in 0 .. steps()-1:
 *     eps = guided UNet(scaleModelInput(latent, i), timesteps()[i])
 *     latent = step(eps, i, latent, noise)
 * }</pre>
 * Instances may keep state between steps (DPM-Solver remembers the previous prediction), so each generation gets its
 * own instance and calls {@link #step} with step indices in order. Not thread-safe.
 */
public interface Scheduler {

    /** The Stability sampler name this scheduler implements ({@code K_EULER}, ...). */
    String samplerName();

    /** Number of inference steps. */
    int steps();

    /** Timestep per step, descending, as the UNet's {@code timestep} input; a fresh copy. */
    float[] timesteps();

    /** Standard deviation to scale the initial unit Gaussian noise by. */
    double initNoiseSigma();

    /** The UNet input for step {@code stepIndex}; a new array (the same values for samplers that do not scale). */
    float[] scaleModelInput(float[] sample, int stepIndex);

    /**
     * The latent after step {@code stepIndex}, as a new array.
     *
     * @param modelOutput the UNet's (guided) ε prediction, same length as {@code sample}
     * @param noise       fresh noise for ancestral samplers; deterministic samplers ignore it and accept null
     */
    float[] step(float[] modelOutput, int stepIndex, float[] sample, GaussianNoise noise);
}
