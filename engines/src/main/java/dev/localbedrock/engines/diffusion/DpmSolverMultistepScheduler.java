package dev.localbedrock.engines.diffusion;

/**
 * {@code K_DPMPP_2M}: DPM-Solver++(2M) (Lu et al. 2022, data prediction, second-order multistep, midpoint form) as
 * diffusers' {@code DPMSolverMultistepScheduler} with {@code solver_order=2}, {@code algorithm_type="dpmsolver++"},
 * {@code solver_type="midpoint"}.
 *
 * <p>With {@code α = 1/sqrt(σ²+1)}, {@code σ' = σ·α}, {@code λ = log α − log σ'} and {@code h = λ_{i+1} − λ_i}:
 * the x0 prediction is {@code D = (x − σ'_i·ε)/α_i}; a first-order step is
 * {@code x' = (σ'_{i+1}/σ'_i)·x − α_{i+1}(e^{−h} − 1)·D}; a second-order step adds
 * {@code − ½·α_{i+1}(e^{−h} − 1)·(D − D_prev)/r} with {@code r = (λ_i − λ_{i−1})/h}. The first step is first order
 * (no history), and so is the last when {@code final_sigmas_type} is zero, {@code euler_at_final} is set, or
 * {@code lower_order_final} is set and there are fewer than 15 steps. A final σ of zero makes the last step return D.
 *
 * <p>Keeps the previous D (as float32, like diffusers' float32 model-output list), so steps must come in order.
 */
public final class DpmSolverMultistepScheduler implements Scheduler {

    private final SchedulerConfig config;
    private final float[] timesteps;
    private final double[] sigmas;
    private float[] previousPrediction;
    private int stepsTaken;

    public DpmSolverMultistepScheduler(SchedulerConfig config, int steps) {
        this.config = config;
        NoiseSchedule schedule = new NoiseSchedule(config);
        int train = schedule.trainTimesteps();
        StepChecks.steps(steps, train);
        TimestepSpacing spacing = config.spacingOr(TimestepSpacing.LINSPACE);
        long[] picked;
        if (spacing == TimestepSpacing.TRAILING) {
            picked = TimestepSpacing.integerTimesteps(spacing, train, steps, config.stepsOffset());
        } else {
            // diffusers spaces N+1 points and drops the last (lowest) one for linspace and leading.
            long[] extended = TimestepSpacing.integerTimesteps(spacing, train, steps + 1, config.stepsOffset());
            picked = java.util.Arrays.copyOf(extended, steps);
        }
        this.timesteps = StepChecks.toFloats(picked);
        this.sigmas = new double[steps + 1];
        for (int i = 0; i < steps; i++) {
            if (picked[i] < 0 || picked[i] >= train) {
                throw new IllegalArgumentException("timestep " + picked[i] + " is outside the training range 0.."
                        + (train - 1) + " (steps_offset " + config.stepsOffset() + ")");
            }
            sigmas[i] = schedule.sigma((int) picked[i]);
        }
        sigmas[steps] = config.finalSigmasType().equals("sigma_min") ? schedule.sigma(0) : 0.0;
    }

    @Override
    public String samplerName() {
        return "K_DPMPP_2M";
    }

    @Override
    public int steps() {
        return timesteps.length;
    }

    @Override
    public float[] timesteps() {
        return timesteps.clone();
    }

    /** σ per step plus the final σ: {@code steps() + 1} values. */
    public double[] sigmas() {
        return sigmas.clone();
    }

    /** Whether step {@code stepIndex} uses the first-order update. */
    public boolean firstOrder(int stepIndex) {
        int n = steps();
        boolean lowerOrderFinal = stepIndex == n - 1 && (config.eulerAtFinal()
                || (config.lowerOrderFinal() && n < 15) || config.finalSigmasType().equals("zero"));
        return stepIndex == 0 || lowerOrderFinal;
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
        if (stepIndex != stepsTaken) {
            throw new IllegalStateException("K_DPMPP_2M is multistep: expected step " + stepsTaken + ", got " + stepIndex);
        }
        double alphaS = alpha(sigmas[stepIndex]);
        double sigmaS = sigmas[stepIndex] * alphaS;
        double alphaT = alpha(sigmas[stepIndex + 1]);
        double sigmaT = sigmas[stepIndex + 1] * alphaT;
        double lambdaS = Math.log(alphaS) - Math.log(sigmaS);
        double h = Math.log(alphaT) - Math.log(sigmaT) - lambdaS; // +∞ when the final σ is 0: e^{−h} = 0
        double keep = sigmaT / sigmaS;
        double toPrediction = -alphaT * (Math.exp(-h) - 1.0);
        boolean first = firstOrder(stepIndex);
        if (!first && previousPrediction.length != sample.length) {
            throw new IllegalArgumentException("sample has " + sample.length + " values but the previous step had "
                    + previousPrediction.length);
        }
        double correction = 0;
        if (!first) {
            double alphaPrev = alpha(sigmas[stepIndex - 1]);
            double lambdaPrev = Math.log(alphaPrev) - Math.log(sigmas[stepIndex - 1] * alphaPrev);
            double r = (lambdaS - lambdaPrev) / h;
            correction = 0.5 * toPrediction / r;
        }
        float[] prediction = new float[sample.length];
        float[] out = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            double d = (sample[i] - sigmaS * modelOutput[i]) / alphaS;
            prediction[i] = (float) d;
            double x = keep * sample[i] + toPrediction * d;
            if (!first) {
                x += correction * (d - previousPrediction[i]);
            }
            out[i] = (float) x;
        }
        previousPrediction = prediction;
        stepsTaken++;
        return out;
    }

    private static double alpha(double sigma) {
        return 1.0 / Math.sqrt(sigma * sigma + 1);
    }
}
