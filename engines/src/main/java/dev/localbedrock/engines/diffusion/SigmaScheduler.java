package dev.localbedrock.engines.diffusion;

/**
 * What the two k-diffusion samplers share: one {@link EulerSigmas} table (timesteps, σ per step and the final σ, the
 * initial noise σ, and the {@code 1/sqrt(σ²+1)} input scaling); they differ only in their step.
 */
abstract class SigmaScheduler implements Scheduler {
    protected final EulerSigmas table;

    SigmaScheduler(EulerSigmas table) {
        this.table = table;
    }

    @Override
    public int steps() {
        return table.timesteps().length;
    }

    @Override
    public float[] timesteps() {
        return table.timesteps().clone();
    }

    /** σ per step plus the final σ: {@code steps() + 1} values. */
    public double[] sigmas() {
        return table.sigmas().clone();
    }

    @Override
    public double initNoiseSigma() {
        return table.initNoiseSigma();
    }

    @Override
    public float[] scaleModelInput(float[] sample, int stepIndex) {
        return table.scale(sample, stepIndex);
    }
}
