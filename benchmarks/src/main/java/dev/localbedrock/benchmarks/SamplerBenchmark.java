package dev.localbedrock.benchmarks;

import dev.localbedrock.codecs.inference.Penalty;
import dev.localbedrock.codecs.inference.RepetitionPenalties;
import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.runtime.sampling.BatchSampler;
import dev.localbedrock.runtime.sampling.Sampler;
import dev.localbedrock.runtime.sampling.TokenClasses;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One scheduler step's sampling: 32 rows × 32 000-token vocabulary (a Llama-sized batch), every row sampled by the
 * runtime's {@link BatchSampler} as the step loop does it. Each invocation first restores the rows from pristine
 * logits (the sampler modifies rows in place when penalties or bias apply); {@code mode=copy} measures that
 * restore alone, the baseline to subtract.
 *
 * <ul>
 *   <li>{@code greedy}: temperature 0, argmax;</li>
 *   <li>{@code topK}: T 0.8, top-k 40 (quickselect, then 40 exps);</li>
 *   <li>{@code topP}: T 0.8, top-p 0.9 (exps of the whole row, then partition-based nucleus);</li>
 *   <li>{@code penalties}: {@code topP} plus AI21 presence/count/frequency penalties over a 512-token prompt and
 *       everything generated in the measurement iteration, and a 16-id logit bias.</li>
 * </ul>
 * Logits are Gaussian with σ = 3 (a peaked, realistic spread), fixed seed.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar SamplerBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class SamplerBenchmark {
    static final int ROWS = 32;
    static final int VOCAB = 32_000;
    static final int PROMPT_TOKENS = 512;

    @Param({"copy", "greedy", "topK", "topP", "penalties"})
    public String mode;

    private float[][] pristine;
    private float[][] rows;
    private Sampler[] samplers;
    private final BatchSampler batch = new BatchSampler();
    private final int[] out = new int[ROWS];
    private SamplingParameters params;
    private TokenClasses classes;
    private int[][] prompts;

    @Setup(Level.Trial)
    public void logits() {
        SplittableRandom random = new SplittableRandom(42);
        pristine = new float[ROWS][VOCAB];
        rows = new float[ROWS][VOCAB];
        for (float[] row : pristine) {
            for (int i = 0; i < VOCAB; i++) {
                row[i] = (float) (random.nextGaussian() * 3);
            }
        }
        byte[] cls = new byte[VOCAB];
        int[] kinds = {0, 0, 0, TokenClasses.WHITESPACE, TokenClasses.PUNCTUATION, TokenClasses.NUMBER,
                TokenClasses.STOPWORD, TokenClasses.EMOJI};
        for (int i = 0; i < VOCAB; i++) {
            cls[i] = (byte) kinds[random.nextInt(kinds.length)];
        }
        classes = TokenClasses.of(cls);
        prompts = new int[ROWS][PROMPT_TOKENS];
        for (int[] prompt : prompts) {
            for (int i = 0; i < PROMPT_TOKENS; i++) {
                prompt[i] = random.nextInt(VOCAB);
            }
        }
        Map<Integer, Float> bias = new HashMap<>();
        for (int i = 0; i < 16; i++) {
            bias.put(random.nextInt(VOCAB), (float) (random.nextDouble() * 20 - 10));
        }
        params = switch (mode) {
            case "copy", "greedy" -> SamplingParameters.greedy();
            case "topK" -> new SamplingParameters(0.8f, 1f, 40, null);
            case "topP" -> new SamplingParameters(0.8f, 0.9f, 0, null);
            case "penalties" -> new SamplingParameters(0.8f, 0.9f, 0, null,
                    new RepetitionPenalties(Penalty.of(0.5f), Penalty.of(0.3f),
                            new Penalty(20f, false, true, true, false, true)), bias);
            default -> throw new IllegalArgumentException(mode);
        };
    }

    /** Fresh per-row samplers each iteration, so the penalty counts do not grow without bound across the run. */
    @Setup(Level.Iteration)
    public void samplers() {
        samplers = new Sampler[ROWS];
        for (int r = 0; r < ROWS; r++) {
            samplers[r] = new Sampler(params, 1000 + r, classes, prompts[r]);
        }
    }

    @Benchmark
    public int[] step() {
        for (int r = 0; r < ROWS; r++) {
            System.arraycopy(pristine[r], 0, rows[r], 0, VOCAB);
        }
        if (!mode.equals("copy")) {
            batch.sample(samplers, rows, ROWS, out);
        }
        return out;
    }
}
