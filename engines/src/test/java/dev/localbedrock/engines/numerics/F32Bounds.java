package dev.localbedrock.engines.numerics;

import dev.localbedrock.engines.hf.HfModelConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * How far two float32 evaluations of the same decoder may drift apart, derived from the arithmetic rather than measured
 * on one machine. Every logit (or embedding) comparison in the engine tests goes through here.
 *
 * <h2>The model</h2>
 * A float32 dot product of length {@code K}, summed in <em>any</em> order or blocking (what GEMM kernels choose by CPU,
 * ISA and batch size), has error at most {@code γ_K · Σ|x_i·y_i|}, with {@code γ_K = K·u / (1 − K·u)} and unit
 * roundoff {@code u = 2^-24} (Higham, <i>Accuracy and Stability of Numerical Algorithms</i>, §3.1). Two such
 * evaluations that differ only in order therefore differ by at most {@code 2·γ_K·Σ|x_i·y_i|}; against a float64
 * reference (whose own error is ~{@code 2^-53}, negligible) only the float32 side counts.
 *
 * <p>A decoder chains reductions: per layer a norm over the hidden size, the Q/K/V projection (hidden), the
 * query·key score (head size), the softmax denominator and the weighted sum of values (both the context length), the
 * output projection (heads × head size), the second norm (hidden), the up/gate projection (hidden) and the down
 * projection (intermediate size); after the layers the final norm and the head (hidden each). Elementwise steps
 * (residual adds, RoPE's rotation, exp/tanh/sigmoid, the norm's scaling) round a few times each; they are counted as
 * {@link #ELEMENTWISE_ROUNDINGS_PER_LAYER} extra rounding steps per layer. First-order errors of chained steps add,
 * and {@code γ_a + γ_b ≤ γ_{a+b}}, so the whole network is bounded by one {@code γ_L} with {@code L} the summed
 * reduction length ({@link Shape#chainedReductionLength()}).
 *
 * <p>Scale: each step's error is relative to the magnitudes flowing through it, which the test cannot see. The
 * bound uses the largest {@code |logit|} of the reference row as that magnitude: the head's dot products are what
 * the logits are made of, and the hidden state's size shows in them linearly. This is a model, not a theorem: layer
 * gains (attention sharpness, norms dividing by small variances) can amplify an early error, and cancellation can
 * make {@code Σ|x·y|} exceed the largest logit. What pays for both is that {@code γ_K} is the worst case, linear
 * in {@code K}, while rounding errors of real kernels grow like {@code √K·u} (random-walk accumulation); the engine
 * tests measure the margin on every check ({@code docs/numerics.md}). No fudge factor is applied on top.
 *
 * <p>What the bound must still reject: a wrong RoPE position or a KV cache row off by one changes logits by a
 * sizeable fraction of their scale, orders of magnitude above {@code γ_L} for any real shape ({@code NumericsMutation}
 * tests in the engine packages check both against the engines).
 *
 * <p>Paths that are bit-exact by construction (the same kernels on the same shapes and data: a fork continuing like
 * its original, a checkpoint stored as F16 against its F32 twin holding the same values) are checked with
 * {@link #assertBitExact}, never with a bound.
 *
 * <p>Set the environment variable {@code NUMERICS_REPORT} to a file to append, at JVM exit, the largest observed
 * {@code diff / bound} per check: the figures in {@code docs/numerics.md} come from it.
 */
public final class F32Bounds {
    /** Unit roundoff of float32 round-to-nearest: half an ulp of 1. */
    public static final double UNIT_ROUNDOFF = 0x1p-24;

    /**
     * Rounding steps outside the reductions per layer, counted generously: 2 residual adds, 2 norm scalings (× and
     * × weight: 4), RoPE (angle, sin/cos to a couple of ulps, two products and a sum: 6), softmax's exp and divide (3),
     * the activation (exp or tanh, add, divide, the gate product: 5).
     */
    public static final int ELEMENTWISE_ROUNDINGS_PER_LAYER = 20;

    private static final Map<String, double[]> WORST = new TreeMap<>();

    static {
        String report = System.getenv("NUMERICS_REPORT");
        if (report != null && !report.isBlank()) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> writeReport(Path.of(report))));
        }
    }

    private F32Bounds() {
    }

    /**
     * The shape that sets the reduction lengths.
     *
     * @param hidden       hidden size ({@code hidden_size}, {@code n_embd})
     * @param intermediate MLP width ({@code intermediate_size}, {@code n_inner} or 4 × hidden)
     * @param layers       decoder layers
     * @param heads        attention heads
     * @param headDim      size of one head
     * @param context      the longest sequence the compared logits attend over
     */
    public record Shape(int hidden, int intermediate, int layers, int heads, int headDim, int context) {
        public Shape {
            if (hidden <= 0 || intermediate <= 0 || layers <= 0 || heads <= 0 || headDim <= 0 || context <= 0) {
                throw new IllegalArgumentException("every dimension must be positive: " + this);
            }
        }

        /** From a parsed {@code config.json}; {@code context} is the longest sequence the check covers. */
        public static Shape of(HfModelConfig c, int context) {
            return new Shape(c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(), c.numAttentionHeads(),
                    c.headDim(), context);
        }

        /** From a checkpoint directory's {@code config.json}. */
        public static Shape of(Path modelDir, int context) {
            try {
                return of(HfModelConfig.load(modelDir), context);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Total length of the reductions (plus elementwise roundings) one logit's computation passes through. */
        public long chainedReductionLength() {
            long perLayer = hidden                  // norm: mean of squares (and mean, for LayerNorm)
                    + hidden                        // Q/K/V projection
                    + headDim                       // query · key
                    + 2L * context                  // softmax denominator, weighted sum of values
                    + (long) heads * headDim        // output projection
                    + hidden                        // second norm
                    + hidden                        // up / gate projection
                    + intermediate                  // down projection
                    + ELEMENTWISE_ROUNDINGS_PER_LAYER;
            return layers * perLayer + hidden + hidden; // final norm, head
        }
    }

    /** {@code γ_n = n·u / (1 − n·u)}: the relative error bound of an {@code n}-term float32 sum or dot product. */
    public static double gamma(long n) {
        double nu = n * UNIT_ROUNDOFF;
        if (nu >= 1) {
            throw new IllegalArgumentException("reduction of length " + n + " has no float32 error bound");
        }
        return nu / (1 - nu);
    }

    /** Two float32 evaluations of the same network that differ only in summation order or blocking. */
    public static Bound betweenF32(String check, Shape shape) {
        return new Bound(check, 2 * gamma(shape.chainedReductionLength()));
    }

    /** A float32 evaluation against an exact (float64) reference of the same network. */
    public static Bound againstExact(String check, Shape shape) {
        return new Bound(check, gamma(shape.chainedReductionLength()));
    }

    /** Asserts the two vectors are identical bit for bit (the same operations in the same order). */
    public static void assertBitExact(String check, float[] expected, float[] actual, String what) {
        if (expected.length != actual.length) {
            fail(what + ": " + expected.length + " vs " + actual.length + " values");
        }
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                record(check + " [bit-exact]", Math.abs((double) expected[i] - actual[i]), Double.POSITIVE_INFINITY);
                fail(what + ": not bit-exact at " + i + ": " + expected[i] + " vs " + actual[i]);
            }
        }
        record(check + " [bit-exact]", 0, Double.POSITIVE_INFINITY);
    }

    /** A relative bound on a comparison, scaled per row by the reference's largest magnitude. */
    public static final class Bound {
        private final String check;
        private final double relative;

        Bound(String check, double relative) {
            this.check = check;
            this.relative = relative;
        }

        /** The bound relative to the row's scale. */
        public double relative() {
            return relative;
        }

        /** The largest {@code |x|} of the reference row: the scale the bound is relative to. */
        public static double scale(double[] reference) {
            double m = 0;
            for (double v : reference) {
                m = Math.max(m, Math.abs(v));
            }
            return m;
        }

        /** The absolute limit for a row whose reference is {@code reference}. */
        public double limit(double[] reference) {
            return relative * scale(reference);
        }

        public double limit(float[] reference) {
            return limit(toDouble(reference));
        }

        /** Largest {@code |expected − actual|}; NaN anywhere counts as infinite. */
        public static double maxAbsDiff(double[] expected, float[] actual) {
            if (expected.length != actual.length) {
                throw new IllegalArgumentException(expected.length + " vs " + actual.length + " values");
            }
            double m = 0;
            for (int i = 0; i < expected.length; i++) {
                double d = Math.abs(expected[i] - actual[i]);
                if (!(d <= m)) {
                    m = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                }
            }
            return m;
        }

        /** Whether {@code actual} is within the bound of {@code expected}. */
        public boolean accepts(double[] expected, float[] actual) {
            return maxAbsDiff(expected, actual) <= limit(expected);
        }

        public boolean accepts(float[] expected, float[] actual) {
            return accepts(toDouble(expected), actual);
        }

        /** Asserts {@code actual} is within the bound of {@code expected}; {@code what} names the row and step. */
        public void check(double[] expected, float[] actual, String what) {
            double diff = maxAbsDiff(expected, actual);
            double limit = limit(expected);
            record(check, diff, limit);
            assertTrue(diff <= limit, () -> what + ": max |diff| " + (float) diff + " exceeds the float32 bound "
                    + (float) limit + " (" + check + ": " + relative + " × scale " + (float) scale(expected) + ")");
        }

        public void check(float[] expected, float[] actual, String what) {
            check(toDouble(expected), actual, what);
        }

        @Override
        public String toString() {
            return check + ": " + relative + " × max|reference|";
        }
    }

    public static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static synchronized void record(String check, double diff, double limit) {
        double[] w = WORST.computeIfAbsent(check, k -> new double[3]);
        double ratio = limit == Double.POSITIVE_INFINITY ? 0 : diff / limit;
        if (ratio >= w[0]) {
            w[0] = ratio;
            w[1] = diff;
            w[2] = limit;
        }
        if (limit == Double.POSITIVE_INFINITY) {
            w[1] = Math.max(w[1], diff);
        }
    }

    private static synchronized void writeReport(Path file) {
        StringBuilder sb = new StringBuilder();
        String isa = System.getenv().getOrDefault("ATEN_CPU_CAPABILITY", "(unset)");
        WORST.forEach((check, w) -> sb.append(String.format("%s\tATEN_CPU_CAPABILITY=%s\tdiff %.3e\tbound %.3e"
                + "\tdiff/bound %.4f%n", check, isa, w[1], w[2], w[0])));
        try {
            Files.writeString(file, sb, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("numerics report: " + e);
        }
    }
}
