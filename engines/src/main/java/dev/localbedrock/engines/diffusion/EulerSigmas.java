package dev.localbedrock.engines.diffusion;

/**
 * The per-step timesteps and σ table shared by the two Euler samplers (diffusers' {@code EulerDiscreteScheduler} and
 * {@code EulerAncestralDiscreteScheduler}): σ interpolated at each timestep, then a final σ after the last step.
 */
record EulerSigmas(float[] timesteps, double[] sigmas, double initNoiseSigma) {

    static EulerSigmas of(SchedulerConfig config, NoiseSchedule schedule, int steps, boolean finalSigmaMin) {
        int train = schedule.trainTimesteps();
        StepChecks.steps(steps, train);
        TimestepSpacing spacing = config.spacingOr(TimestepSpacing.LINSPACE);
        float[] timesteps;
        if (spacing == TimestepSpacing.LINSPACE) {
            // Fractional timesteps (numpy linspace in float64, stored as float32); σ is interpolated at the float32 value.
            timesteps = new float[steps];
            double stride = steps == 1 ? 0 : (train - 1) / (double) (steps - 1);
            for (int i = 0; i < steps; i++) {
                double value = steps > 1 && i == steps - 1 ? train - 1 : i * stride;
                timesteps[steps - 1 - i] = (float) value;
            }
        } else {
            timesteps = StepChecks.toFloats(
                    TimestepSpacing.integerTimesteps(spacing, train, steps, config.stepsOffset()));
        }
        double[] sigmas = new double[steps + 1];
        double max = 0;
        for (int i = 0; i < steps; i++) {
            sigmas[i] = schedule.sigmaAt(timesteps[i]);
            max = Math.max(max, sigmas[i]);
        }
        sigmas[steps] = finalSigmaMin ? schedule.sigma(0) : 0.0;
        max = Math.max(max, sigmas[steps]);
        // Leading spacing never reaches the last training timestep, so diffusers widens the start to the variance of
        // x_t itself (σ² + 1) rather than σ alone.
        double init = spacing == TimestepSpacing.LEADING ? Math.sqrt(max * max + 1) : max;
        return new EulerSigmas(timesteps, sigmas, init);
    }

    float[] scale(float[] sample, int stepIndex) {
        StepChecks.index(stepIndex, timesteps.length);
        double divisor = Math.sqrt(sigmas[stepIndex] * sigmas[stepIndex] + 1);
        float[] out = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            out[i] = (float) (sample[i] / divisor);
        }
        return out;
    }
}
