package dev.localbedrock.engines.diffusion;

/**
 * The training noise schedule: {@code β_t}, {@code ᾱ_t = Π_{s≤t}(1 − β_s)} and the k-diffusion noise levels
 * {@code σ_t = sqrt((1 − ᾱ_t) / ᾱ_t)}, for every training timestep.
 *
 * <p>Computed in float64. diffusers computes the same formulas in float32 (torch {@code linspace} and
 * {@code cumprod}); its σ table differs from this one by up to about 1e-5 relative, mostly at the lowest timesteps
 * where {@code 1 − ᾱ} cancels. That is far below what a UNet's output can resolve, and float64 keeps the table
 * identical on every machine.
 */
public final class NoiseSchedule {

    private final double[] betas;
    private final double[] alphasCumprod;
    private final double[] sigmas;

    public NoiseSchedule(SchedulerConfig config) {
        int n = config.numTrainTimesteps();
        betas = new double[n];
        boolean scaled = config.betaSchedule().equals("scaled_linear");
        // scaled_linear is linear in sqrt(β) (the latent-diffusion schedule), then squared.
        double start = scaled ? Math.sqrt(config.betaStart()) : config.betaStart();
        double end = scaled ? Math.sqrt(config.betaEnd()) : config.betaEnd();
        for (int t = 0; t < n; t++) {
            double b = start + (end - start) * t / (n - 1);
            betas[t] = scaled ? b * b : b;
        }
        alphasCumprod = new double[n];
        sigmas = new double[n];
        double product = 1.0;
        for (int t = 0; t < n; t++) {
            product *= 1.0 - betas[t];
            alphasCumprod[t] = product;
            sigmas[t] = Math.sqrt((1.0 - product) / product);
        }
    }

    public int trainTimesteps() {
        return betas.length;
    }

    public double beta(int t) {
        return betas[t];
    }

    public double alphaCumprod(int t) {
        return alphasCumprod[t];
    }

    public double sigma(int t) {
        return sigmas[t];
    }

    /** σ at a fractional timestep, linear in σ between neighbours (numpy {@code interp}, as diffusers does). */
    public double sigmaAt(double timestep) {
        if (timestep <= 0) {
            return sigmas[0];
        }
        int last = sigmas.length - 1;
        if (timestep >= last) {
            return sigmas[last];
        }
        int low = (int) Math.floor(timestep);
        double w = timestep - low;
        return w == 0 ? sigmas[low] : sigmas[low] + w * (sigmas[low + 1] - sigmas[low]);
    }
}
