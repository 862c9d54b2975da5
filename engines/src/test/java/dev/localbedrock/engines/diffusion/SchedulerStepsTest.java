package dev.localbedrock.engines.diffusion;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole sampling runs on a small fixed latent with a fake UNet ({@code ε = 0.1·input + c}) against a float64 reference
 * written here from the papers' formulas, on the reference's own timesteps and σ/ᾱ tables.
 *
 * <h2>The bound</h2>
 * The schedulers compute each element in float64 from float32 inputs and round the result to float32. The float32
 * roundings in a run are: the scaled UNet input, the UNet output, the new latent, and (DPM-Solver) the stored x0
 * prediction, once per step, each a relative error of at most u = 2^-24. The reference runs the same chain in float64
 * and, per rounding, measures by finite differences how much a relative perturbation there moves each final element
 * (every operation is elementwise, so perturbing all elements at once gives each element's own sensitivity). The
 * tolerance is {@code 2·u·Σ|sensitivity|}: the first-order worst case, doubled for higher-order terms, plus 1e-12 for
 * the float64 evaluation itself. It is also checked to be small (below 1e-5), so a wrong coefficient cannot hide in it.
 */
class SchedulerStepsTest {

    private static final double U = 0x1.0p-24;
    private static final int SIZE = 64;
    private static final int SLOTS_PER_STEP = 4; // scaled input, ε, new latent, stored x0
    private static final ReferenceDiffusion REF = ReferenceDiffusion.sdxl();

    private final float[] unitNoise = new GaussianNoise(7).next(SIZE);
    private final double[] bias = new double[SIZE];

    SchedulerStepsTest() {
        for (int i = 0; i < SIZE; i++) {
            bias[i] = 0.05 * Math.sin(i + 1.0);
        }
    }

    @Test
    void eulerFollowsTheReference() {
        SchedulerConfig config = SchedulerConfig.sdxl();
        long[] t = REF.leading(5, 1);
        checkRun(new EulerScheduler(config, 5), Kind.EULER, sigmasAt(t, 0.0), null, null, 0);
    }

    @Test
    void eulerOnFractionalLinspaceTimestepsFollowsTheReference() {
        SchedulerConfig c = SchedulerConfig.sdxl();
        SchedulerConfig config = new SchedulerConfig(1000, c.betaStart(), c.betaEnd(), c.betaSchedule(), "epsilon",
                TimestepSpacing.LINSPACE, 0, "zero", false, 1, false, true, false);
        double[] t = REF.linspace(4);
        double[] sigmas = new double[5];
        for (int i = 0; i < 4; i++) {
            sigmas[i] = REF.sigmaAt(t[i]);
        }
        checkRun(new EulerScheduler(config, 4), Kind.EULER, sigmas, null, null, 0);
    }

    @Test
    void eulerAncestralFollowsTheReferenceWithTheSameNoise() {
        long[] t = REF.leading(5, 1);
        float[][] z = new float[5][];
        GaussianNoise noise = new GaussianNoise(1234);
        for (int k = 0; k < 4; k++) {
            z[k] = noise.next(SIZE); // the last step has σ_up = 0 and draws nothing
        }
        checkRun(new EulerAncestralScheduler(SchedulerConfig.sdxl(), 5), Kind.EULER_ANCESTRAL, sigmasAt(t, 0.0), z,
                null, 1234);
    }

    @Test
    void ddimFollowsTheReference() {
        long[] t = REF.leading(5, 1);
        double[][] alphas = new double[5][2];
        for (int k = 0; k < 5; k++) {
            alphas[k][0] = REF.alphaBar[(int) t[k]];
            long prev = t[k] - 200;
            alphas[k][1] = prev >= 0 ? REF.alphaBar[(int) prev] : REF.alphaBar[0]; // SDXL: set_alpha_to_one false
        }
        checkRun(new DdimScheduler(SchedulerConfig.sdxl(), 5), Kind.DDIM, null, null, alphas, 0);
    }

    @Test
    void dpmSolverFollowsTheReference() {
        // Leading over N+1 = 6 points, ratio 1000 // 6 = 166, lowest dropped: 831, 665, 499, 333, 167.
        long[] t = {831, 665, 499, 333, 167};
        assertArrayEquals(new float[]{831, 665, 499, 333, 167},
                new DpmSolverMultistepScheduler(SchedulerConfig.sdxl(), 5).timesteps());
        checkRun(new DpmSolverMultistepScheduler(SchedulerConfig.sdxl(), 5), Kind.DPMPP_2M, sigmasAt(t, 0.0), null,
                null, 0);
    }

    @Test
    void dpmSolverWithSigmaMinEndsSecondOrderFromFifteenSteps() {
        SchedulerConfig config = new SchedulerConfig(1000, 0.00085, 0.012, "scaled_linear", "epsilon",
                TimestepSpacing.TRAILING, 0, "sigma_min", false, 1, false, true, false);
        long[] t = REF.trailing(16);
        checkRun(new DpmSolverMultistepScheduler(config, 16), Kind.DPMPP_2M, sigmasAt(t, REF.sigma[0]), null, null, 0);
    }

    @Test
    void dpmSolverRefusesStepsOutOfOrder() {
        DpmSolverMultistepScheduler dpm = new DpmSolverMultistepScheduler(SchedulerConfig.sdxl(), 5);
        float[] x = unitNoise.clone();
        assertThrows(IllegalStateException.class, () -> dpm.step(x, 1, x, null));
    }

    @Test
    void ancestralIsBitIdenticalForTheSameSeedAndDiffersForAnother() {
        float[] first = runAncestral(42);
        float[] second = runAncestral(42);
        float[] other = runAncestral(43);
        assertArrayEquals(first, second);
        assertTrue(Arrays.equals(first, second));
        assertFalse(Arrays.equals(first, other));
    }

    private float[] runAncestral(long seed) {
        GaussianNoise noise = new GaussianNoise(seed);
        Scheduler s = Samplers.create("K_EULER_ANCESTRAL", SchedulerConfig.sdxl(), 10);
        float[] x = scale(noise.next(SIZE), s.initNoiseSigma());
        for (int k = 0; k < s.steps(); k++) {
            x = s.step(fakeUnet(s.scaleModelInput(x, k)), k, x, noise);
        }
        return x;
    }

    private enum Kind { EULER, EULER_ANCESTRAL, DDIM, DPMPP_2M }

    private static double[] sigmasAt(long[] timesteps, double last) {
        double[] sigmas = new double[timesteps.length + 1];
        for (int i = 0; i < timesteps.length; i++) {
            sigmas[i] = REF.sigma[(int) timesteps[i]];
        }
        sigmas[timesteps.length] = last;
        return sigmas;
    }

    private float[] fakeUnet(float[] input) {
        float[] eps = new float[input.length];
        for (int i = 0; i < input.length; i++) {
            eps[i] = (float) (0.1 * input[i] + bias[i]);
        }
        return eps;
    }

    private static float[] scale(float[] values, double by) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) (values[i] * by);
        }
        return out;
    }

    private void checkRun(Scheduler scheduler, Kind kind, double[] sigmas, float[][] z, double[][] alphas, long seed) {
        int steps = scheduler.steps();
        double init = kind == Kind.EULER || kind == Kind.EULER_ANCESTRAL ? Math.sqrt(sigmas[0] * sigmas[0] + 1) : 1;
        if (kind == Kind.EULER && sigmas[0] == REF.sigmaAt(999)) {
            init = sigmas[0]; // linspace spacing starts at the last training timestep: σ alone
        }
        float[] start = scale(unitNoise, scheduler.initNoiseSigma());
        assertTrue(Math.abs(scheduler.initNoiseSigma() - init) <= 1e-12 * init, "init noise sigma");

        GaussianNoise noise = seed == 0 ? null : new GaussianNoise(seed);
        float[] x = start;
        for (int k = 0; k < steps; k++) {
            x = scheduler.step(fakeUnet(scheduler.scaleModelInput(x, k)), k, x, noise);
        }

        double[] base = reference(kind, steps, sigmas, z, alphas, start, new double[steps * SLOTS_PER_STEP]);
        double[] bound = new double[SIZE];
        double delta = 1e-6;
        for (int slot = 0; slot < steps * SLOTS_PER_STEP; slot++) {
            double[] p = new double[steps * SLOTS_PER_STEP];
            p[slot] = delta;
            double[] moved = reference(kind, steps, sigmas, z, alphas, start, p);
            for (int i = 0; i < SIZE; i++) {
                bound[i] += Math.abs(moved[i] - base[i]) / delta;
            }
        }
        double scaleOfX = 0;
        for (int i = 0; i < SIZE; i++) {
            bound[i] = 2 * U * bound[i] + 1e-12 * (1 + Math.abs(base[i]));
            scaleOfX = Math.max(scaleOfX, Math.abs(base[i]));
        }
        for (int i = 0; i < SIZE; i++) {
            double error = Math.abs(x[i] - base[i]);
            assertTrue(bound[i] < 1e-5 * (1 + scaleOfX), kind + " bound too loose at " + i + ": " + bound[i]);
            assertTrue(error <= bound[i], kind + " element " + i + ": got " + x[i] + ", reference " + base[i]
                    + ", |error| " + error + " > bound " + bound[i]);
        }
    }

    /**
     * The float64 reference run; {@code p} holds a relative perturbation per (step, rounding site) for the bound.
     */
    private double[] reference(Kind kind, int steps, double[] sigmas, float[][] z, double[][] alphas, float[] start,
                               double[] p) {
        double[] x = new double[SIZE];
        for (int i = 0; i < SIZE; i++) {
            x[i] = start[i];
        }
        double[] previousD = null;
        for (int k = 0; k < steps; k++) {
            int s = k * SLOTS_PER_STEP;
            double[] next = new double[SIZE];
            double[] d = new double[SIZE];
            for (int i = 0; i < SIZE; i++) {
                boolean karras = kind == Kind.EULER || kind == Kind.EULER_ANCESTRAL;
                double in = (karras ? x[i] / Math.sqrt(sigmas[k] * sigmas[k] + 1) : x[i]) * (1 + p[s]);
                double eps = (0.1 * in + bias[i]) * (1 + p[s + 1]);
                next[i] = switch (kind) {
                    case EULER -> {
                        double x0 = x[i] - sigmas[k] * eps;
                        double derivative = (x[i] - x0) / sigmas[k];
                        yield x[i] + derivative * (sigmas[k + 1] - sigmas[k]);
                    }
                    case EULER_ANCESTRAL -> {
                        double from = sigmas[k];
                        double to = sigmas[k + 1];
                        double up = Math.min(to, Math.sqrt(to * to * (from * from - to * to) / (from * from)));
                        double down = Math.sqrt(to * to - up * up);
                        double x0 = x[i] - from * eps;
                        double derivative = (x[i] - x0) / from;
                        yield x[i] + derivative * (down - from) + (up > 0 ? z[k][i] * up : 0);
                    }
                    case DDIM -> {
                        double a = alphas[k][0];
                        double aPrev = alphas[k][1];
                        double x0 = (x[i] - Math.sqrt(1 - a) * eps) / Math.sqrt(a);
                        yield Math.sqrt(aPrev) * x0 + Math.sqrt(1 - aPrev) * eps;
                    }
                    case DPMPP_2M -> {
                        // Data prediction with α = 1/sqrt(1+σ²), σ' = σα; λ = log(α/σ') = −log σ.
                        double alphaS = 1 / Math.sqrt(1 + sigmas[k] * sigmas[k]);
                        double alphaT = 1 / Math.sqrt(1 + sigmas[k + 1] * sigmas[k + 1]);
                        d[i] = (x[i] - sigmas[k] * alphaS * eps) / alphaS;
                        if (sigmas[k + 1] == 0) {
                            yield d[i]; // the exact solution at σ = 0 is the data prediction itself
                        }
                        double h = Math.log(sigmas[k]) - Math.log(sigmas[k + 1]);
                        double ratio = sigmas[k + 1] * alphaT / (sigmas[k] * alphaS);
                        boolean firstOrder = k == 0 || (k == steps - 1 && steps < 15);
                        double blended = d[i];
                        if (!firstOrder) {
                            double r = (Math.log(sigmas[k - 1]) - Math.log(sigmas[k])) / h;
                            blended = (1 + 1 / (2 * r)) * d[i] - 1 / (2 * r) * previousD[i];
                        }
                        yield ratio * x[i] - alphaT * (Math.exp(-h) - 1) * blended;
                    }
                };
                next[i] *= 1 + p[s + 2];
                d[i] *= 1 + p[s + 3];
            }
            previousD = d;
            x = next;
        }
        return x;
    }
}
