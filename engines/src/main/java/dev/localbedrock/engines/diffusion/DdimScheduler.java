package dev.localbedrock.engines.diffusion;

/**
 * {@code DDIM}: deterministic DDIM (Song et al. 2021, η = 0) as diffusers' {@code DDIMScheduler}:
 * {@code x0 = (x − sqrt(1 − ᾱ_t)·ε) / sqrt(ᾱ_t)}, {@code x' = sqrt(ᾱ_prev)·x0 + sqrt(1 − ᾱ_prev)·ε}, with
 * {@code prev = t − train/N} (integer division, whatever the spacing, as diffusers does) and, past timestep 0,
 * {@code ᾱ_prev} = 1 ({@code set_alpha_to_one}) or ᾱ_0. The UNet input is not scaled and the initial noise σ is 1.
 */
public final class DdimScheduler implements Scheduler {

    private final SchedulerConfig config;
    private final NoiseSchedule schedule;
    private final long[] timesteps;
    private final double finalAlphaCumprod;

    public DdimScheduler(SchedulerConfig config, int steps) {
        this.config = config;
        this.schedule = new NoiseSchedule(config);
        StepChecks.steps(steps, schedule.trainTimesteps());
        this.timesteps = TimestepSpacing.integerTimesteps(config.spacingOr(TimestepSpacing.LEADING),
                schedule.trainTimesteps(), steps, config.stepsOffset());
        this.finalAlphaCumprod = config.setAlphaToOne() ? 1.0 : schedule.alphaCumprod(0);
    }

    @Override
    public String samplerName() {
        return "DDIM";
    }

    @Override
    public int steps() {
        return timesteps.length;
    }

    @Override
    public float[] timesteps() {
        return StepChecks.toFloats(timesteps);
    }

    /** ᾱ at the timestep step {@code stepIndex} moves to (its "previous" timestep in diffusion order). */
    public double previousAlphaCumprod(int stepIndex) {
        StepChecks.index(stepIndex, steps());
        long prev = timesteps[stepIndex] - schedule.trainTimesteps() / timesteps.length;
        return prev >= 0 ? schedule.alphaCumprod((int) prev) : finalAlphaCumprod;
    }

    @Override
    public double initNoiseSigma() {
        return 1.0;
    }

    @Override
    public float[] scaleModelInput(float[] sample, int stepIndex) {
        StepChecks.index(stepIndex, steps());
        return sample.clone();
    }

    @Override
    public float[] step(float[] modelOutput, int stepIndex, float[] sample, GaussianNoise noise) {
        StepChecks.index(stepIndex, steps());
        StepChecks.sameLength(modelOutput, sample);
        int t = (int) timesteps[stepIndex];
        if (t >= schedule.trainTimesteps()) {
            // Leading spacing plus a large steps_offset can name a timestep the model was never trained on.
            throw new IllegalArgumentException("timestep " + t + " is past num_train_timesteps "
                    + schedule.trainTimesteps() + " (steps_offset " + config.stepsOffset() + ")");
        }
        double alpha = schedule.alphaCumprod(t);
        double alphaPrev = previousAlphaCumprod(stepIndex);
        double sqrtAlpha = Math.sqrt(alpha);
        double sqrtBeta = Math.sqrt(1 - alpha);
        double sqrtAlphaPrev = Math.sqrt(alphaPrev);
        double direction = Math.sqrt(1 - alphaPrev);
        double range = config.clipSampleRange();
        float[] out = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            double x0 = (sample[i] - sqrtBeta * modelOutput[i]) / sqrtAlpha;
            if (config.clipSample()) {
                x0 = Math.max(-range, Math.min(range, x0));
            }
            out[i] = (float) (sqrtAlphaPrev * x0 + direction * modelOutput[i]);
        }
        return out;
    }
}
