package dev.localbedrock.engines.diffusion;

/**
 * {@code K_EULER}: the Euler method on the probability-flow ODE in σ (Karras et al. 2022, Algorithm 2 without churn),
 * as diffusers' {@code EulerDiscreteScheduler}: {@code x0 = x − σ_i·ε}, {@code d = (x − x0)/σ_i = ε},
 * {@code x' = x + d·(σ_{i+1} − σ_i)}.
 */
public final class EulerScheduler extends SigmaScheduler {

    public EulerScheduler(SchedulerConfig config, int steps) {
        super(EulerSigmas.of(config, new NoiseSchedule(config), steps, config.finalSigmasType().equals("sigma_min")));
    }

    @Override
    public String samplerName() {
        return "K_EULER";
    }

    @Override
    public float[] step(float[] modelOutput, int stepIndex, float[] sample, GaussianNoise noise) {
        StepChecks.index(stepIndex, steps());
        StepChecks.sameLength(modelOutput, sample);
        double dt = table.sigmas()[stepIndex + 1] - table.sigmas()[stepIndex];
        float[] out = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            out[i] = (float) (sample[i] + modelOutput[i] * dt);
        }
        return out;
    }
}
