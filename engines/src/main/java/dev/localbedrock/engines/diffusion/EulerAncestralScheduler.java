package dev.localbedrock.engines.diffusion;

/**
 * {@code K_EULER_ANCESTRAL}: an Euler step down to {@code σ_down}, then fresh noise of size {@code σ_up}, as diffusers'
 * {@code EulerAncestralDiscreteScheduler} (k-diffusion's {@code sample_euler_ancestral}, η = 1):
 * {@code σ_up = sqrt(σ_{i+1}²(σ_i² − σ_{i+1}²)/σ_i²)}, {@code σ_down = sqrt(σ_{i+1}² − σ_up²)},
 * {@code x' = x + ε·(σ_down − σ_i) + σ_up·z}. The final σ is always zero.
 *
 * <p>Noise is drawn only for steps with {@code σ_up > 0} (every step but the last), one value per element.
 */
public final class EulerAncestralScheduler extends SigmaScheduler {

    public EulerAncestralScheduler(SchedulerConfig config, int steps) {
        super(EulerSigmas.of(config, new NoiseSchedule(config), steps, false));
    }

    @Override
    public String samplerName() {
        return "K_EULER_ANCESTRAL";
    }

    @Override
    public float[] step(float[] modelOutput, int stepIndex, float[] sample, GaussianNoise noise) {
        StepChecks.index(stepIndex, steps());
        StepChecks.sameLength(modelOutput, sample);
        double from = table.sigmas()[stepIndex];
        double to = table.sigmas()[stepIndex + 1];
        double up = Math.sqrt(to * to * (from * from - to * to) / (from * from));
        double down = Math.sqrt(to * to - up * up);
        double dt = down - from;
        float[] z = null;
        if (up > 0) {
            if (noise == null) {
                throw new IllegalArgumentException("K_EULER_ANCESTRAL needs a noise source for step " + stepIndex);
            }
            z = noise.next(sample.length);
        }
        float[] out = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            double x = sample[i] + modelOutput[i] * dt;
            out[i] = (float) (z == null ? x : x + z[i] * up);
        }
        return out;
    }
}
