package dev.localbedrock.engines.diffusion;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Timestep and σ tables of every scheduler against {@link ReferenceDiffusion}, plus a few literal tables worked out by
 * hand from diffusers' spacing rules and the values diffusers' own tests and k-diffusion publish.
 */
class SchedulerTablesTest {

    /** Both sides are float64 evaluations of the same closed forms by different arithmetic paths. */
    private static final double REL = 1e-12;

    private static final ReferenceDiffusion REF = ReferenceDiffusion.sdxl();

    private static SchedulerConfig sdxlWith(TimestepSpacing spacing, int offset) {
        SchedulerConfig c = SchedulerConfig.sdxl();
        return new SchedulerConfig(c.numTrainTimesteps(), c.betaStart(), c.betaEnd(), c.betaSchedule(),
                c.predictionType(), spacing, offset, c.finalSigmasType(), c.clipSample(), c.clipSampleRange(),
                c.setAlphaToOne(), c.lowerOrderFinal(), c.eulerAtFinal());
    }

    @Test
    void noiseScheduleMatchesTheFormulasAndThePublishedSdRange() {
        NoiseSchedule schedule = new NoiseSchedule(SchedulerConfig.sdxl());
        for (int t = 0; t < 1000; t++) {
            assertClose(REF.alphaBar[t], schedule.alphaCumprod(t), "alpha_cumprod[" + t + "]");
            assertClose(REF.sigma[t], schedule.sigma(t), "sigma[" + t + "]");
        }
        // k-diffusion's published sigma_min / sigma_max for the SD (and SDXL) schedule.
        assertEquals(0.0292, schedule.sigma(0), 5e-5);
        assertEquals(14.6146, schedule.sigma(999), 5e-5);
        assertEquals(0.00085, schedule.beta(0), 1e-15);
        assertEquals(0.012, schedule.beta(999), 1e-15);
    }

    @Test
    void literalTablesFromTheSpacingRules() {
        // diffusers' test_scheduler_ddim: steps_offset 1, 5 steps -> [801, 601, 401, 201, 1].
        assertArrayEquals(new float[]{801, 601, 401, 201, 1}, new DdimScheduler(sdxlWith(TimestepSpacing.LEADING, 1), 5).timesteps());
        float[] leading10 = {901, 801, 701, 601, 501, 401, 301, 201, 101, 1};
        assertArrayEquals(leading10, new EulerScheduler(SchedulerConfig.sdxl(), 10).timesteps());
        assertArrayEquals(leading10, new EulerAncestralScheduler(SchedulerConfig.sdxl(), 10).timesteps());
        assertArrayEquals(leading10, new DdimScheduler(SchedulerConfig.sdxl(), 10).timesteps());
        // DPM-Solver spaces N+1 points with ratio 1000 // 11 = 90 and drops the lowest.
        assertArrayEquals(new float[]{901, 811, 721, 631, 541, 451, 361, 271, 181, 91},
                new DpmSolverMultistepScheduler(SchedulerConfig.sdxl(), 10).timesteps());
        assertArrayEquals(new float[]{999, 899, 799, 699, 599, 499, 399, 299, 199, 99},
                new EulerScheduler(sdxlWith(TimestepSpacing.TRAILING, 1), 10).timesteps());
        // 16 trailing steps land on .5 every other step: numpy rounds half to even (937.5 -> 938, 812.5 -> 812).
        float[] trailing16 = new DdimScheduler(sdxlWith(TimestepSpacing.TRAILING, 0), 16).timesteps();
        assertEquals(937, trailing16[1]);
        assertEquals(811, trailing16[3]);
        assertEquals(687, trailing16[5]);
        // numpy's linspace(0, 999, 31)[15] is 499.49999999999994, so DPM-Solver's 30-step linspace table has 499.
        assertEquals(499, new DpmSolverMultistepScheduler(sdxlWith(TimestepSpacing.LINSPACE, 0), 30).timesteps()[15]);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 10, 16, 30, 61, 150})
    void eulerFamilyTablesMatchTheReference(int steps) {
        for (TimestepSpacing spacing : TimestepSpacing.values()) {
            SchedulerConfig config = sdxlWith(spacing, 1);
            EulerScheduler euler = new EulerScheduler(config, steps);
            EulerAncestralScheduler ancestral = new EulerAncestralScheduler(config, steps);
            assertArrayEquals(euler.timesteps(), ancestral.timesteps());
            assertArrayEquals(euler.sigmas(), ancestral.sigmas());
            float[] t = euler.timesteps();
            double[] sigmas = euler.sigmas();
            assertEquals(steps, t.length);
            assertEquals(steps + 1, sigmas.length);
            double[] expected = expectedTimesteps(spacing, steps, false);
            for (int i = 0; i < steps; i++) {
                // Linspace timesteps are fractional and stored as float32: half an ulp of rounding.
                assertEquals(expected[i], t[i], Math.ulp((float) expected[i]) / 2, spacing + " t[" + i + "]");
                assertClose(REF.sigmaAt(t[i]), sigmas[i], spacing + " sigma[" + i + "]");
            }
            assertEquals(0.0, sigmas[steps]);
            double max = sigmas[0];
            double init = spacing == TimestepSpacing.LEADING ? Math.sqrt(max * max + 1) : max;
            assertClose(init, euler.initNoiseSigma(), "init_noise_sigma");
            assertClose(init, ancestral.initNoiseSigma(), "init_noise_sigma");
        }
    }

    @Test
    void sdxlEulerThirtyStepsStartsAtTimestep958() {
        EulerScheduler euler = new EulerScheduler(SchedulerConfig.sdxl(), 30);
        assertEquals(958, euler.timesteps()[0]);
        assertEquals(1, euler.timesteps()[29]);
        assertClose(Math.sqrt(REF.sigma[958] * REF.sigma[958] + 1), euler.initNoiseSigma(), "init");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 10, 16, 30, 150})
    void ddimTablesMatchTheReference(int steps) {
        for (TimestepSpacing spacing : TimestepSpacing.values()) {
            for (boolean alphaToOne : new boolean[]{false, true}) {
                SchedulerConfig base = sdxlWith(spacing, spacing == TimestepSpacing.LEADING ? 1 : 0);
                SchedulerConfig config = new SchedulerConfig(1000, 0.00085, 0.012, "scaled_linear", "epsilon",
                        spacing, base.stepsOffset(), "zero", false, 1.0, alphaToOne, true, false);
                DdimScheduler ddim = new DdimScheduler(config, steps);
                double[] expected = expectedTimesteps(spacing, steps, true);
                float[] t = ddim.timesteps();
                for (int i = 0; i < steps; i++) {
                    assertEquals(expected[i], t[i], spacing + " t[" + i + "]");
                    long prev = (long) t[i] - 1000 / steps;
                    double alphaPrev = prev >= 0 ? REF.alphaBar[(int) prev] : alphaToOne ? 1.0 : REF.alphaBar[0];
                    assertClose(alphaPrev, ddim.previousAlphaCumprod(i), "alpha_prev[" + i + "]");
                }
                assertEquals(1.0, ddim.initNoiseSigma());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 10, 14, 15, 30, 150})
    void dpmSolverTablesAndOrdersMatchTheReference(int steps) {
        for (TimestepSpacing spacing : TimestepSpacing.values()) {
            for (String last : new String[]{"zero", "sigma_min"}) {
                SchedulerConfig config = new SchedulerConfig(1000, 0.00085, 0.012, "scaled_linear", "epsilon",
                        spacing, spacing == TimestepSpacing.LEADING ? 1 : 0, last, false, 1.0, false, true, false);
                DpmSolverMultistepScheduler dpm = new DpmSolverMultistepScheduler(config, steps);
                float[] t = dpm.timesteps();
                double[] sigmas = dpm.sigmas();
                double[] expected = dpmTimesteps(spacing, steps, config.stepsOffset());
                for (int i = 0; i < steps; i++) {
                    assertEquals(expected[i], t[i], spacing + " t[" + i + "]");
                    assertClose(REF.sigma[(int) expected[i]], sigmas[i], spacing + " sigma[" + i + "]");
                }
                assertEquals(last.equals("zero") ? 0.0 : REF.sigma[0], sigmas[steps], REF.sigma[0] * REL);
                assertTrue(dpm.firstOrder(0));
                for (int i = 1; i < steps - 1; i++) {
                    assertFalse(dpm.firstOrder(i), "step " + i);
                }
                // A zero final σ always ends first order; sigma_min only below 15 steps (lower_order_final).
                boolean lastFirst = last.equals("zero") || steps < 15;
                assertEquals(lastFirst || steps == 1, dpm.firstOrder(steps - 1), last + " last step");
                assertEquals(1.0, dpm.initNoiseSigma());
            }
        }
    }

    /** diffusers' DPM-Solver spacing: linspace and leading over N+1 points, lowest dropped; trailing as usual. */
    private static double[] dpmTimesteps(TimestepSpacing spacing, int n, int offset) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (spacing) {
                case LINSPACE -> Math.rint(REF.linspace(n + 1)[i]);
                case LEADING -> (long) (n - i) * (1000 / (n + 1)) + offset;
                case TRAILING -> REF.trailing(n)[i];
            };
        }
        return out;
    }

    private static double[] expectedTimesteps(TimestepSpacing spacing, int n, boolean integer) {
        double[] out = new double[n];
        long[] leading = REF.leading(n, spacing == TimestepSpacing.LEADING ? 1 : 0);
        long[] trailing = REF.trailing(n);
        double[] linspace = n == 1 ? new double[]{0} : REF.linspace(n);
        for (int i = 0; i < n; i++) {
            out[i] = switch (spacing) {
                case LEADING -> leading[i];
                case TRAILING -> trailing[i];
                case LINSPACE -> integer ? Math.rint(linspace[i]) : linspace[i];
            };
        }
        return out;
    }

    private static void assertClose(double expected, double actual, String what) {
        assertEquals(expected, actual, Math.abs(expected) * REL, what);
    }
}
