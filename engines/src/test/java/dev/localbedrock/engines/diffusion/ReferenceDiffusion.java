package dev.localbedrock.engines.diffusion;

/**
 * An independent float64 statement of the published schedule formulas, for the tests to compare against. Written from
 * the papers and diffusers' documented behaviour, not from the main code: ᾱ is accumulated as {@code exp(Σ log(1−β))}
 * rather than as a running product, and timesteps are written as closed forms per index.
 */
final class ReferenceDiffusion {

    final int train;
    final double[] alphaBar;
    final double[] sigma;

    ReferenceDiffusion(int train, double betaStart, double betaEnd, boolean scaledLinear) {
        this.train = train;
        alphaBar = new double[train];
        sigma = new double[train];
        double logSum = 0;
        for (int t = 0; t < train; t++) {
            double frac = t / (double) (train - 1);
            double beta = scaledLinear
                    ? Math.pow(Math.sqrt(betaStart) * (1 - frac) + Math.sqrt(betaEnd) * frac, 2)
                    : betaStart * (1 - frac) + betaEnd * frac;
            logSum += Math.log1p(-beta);
            alphaBar[t] = Math.exp(logSum);
            sigma[t] = Math.sqrt(1 / alphaBar[t] - 1);
        }
    }

    static ReferenceDiffusion sdxl() {
        return new ReferenceDiffusion(1000, 0.00085, 0.012, true);
    }

    /** Leading: {@code t_i = (N−1−i)·⌊T/N⌋ + offset}. */
    long[] leading(int n, int offset) {
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            t[i] = (long) (n - 1 - i) * (train / n) + offset;
        }
        return t;
    }

    /** Trailing: {@code t_i = round(T − i·T/N) − 1}, rounding half to even as numpy does. */
    long[] trailing(int n) {
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            t[i] = (long) Math.rint(train - i * (train / (double) n)) - 1;
        }
        return t;
    }

    /**
     * Linspace over {@code points} points from 0 to T−1, highest first, as numpy computes it: index × (span / (points−1)),
     * the last point set to the end exactly. The product form matters for rounding: with 31 points the middle one is
     * 15 × 33.3 = 499.49999999999994, which rounds to 499, not 500.
     */
    double[] linspace(int points) {
        double[] t = new double[points];
        double step = (train - 1) / (double) (points - 1);
        for (int j = 0; j < points; j++) {
            t[points - 1 - j] = j == points - 1 ? train - 1 : j * step;
        }
        return t;
    }

    /** σ at a fractional timestep, linear between neighbouring training timesteps. */
    double sigmaAt(double t) {
        int lo = (int) t;
        int hi = Math.min(lo + 1, train - 1);
        double w = t - lo;
        return (1 - w) * sigma[lo] + w * sigma[hi];
    }
}
