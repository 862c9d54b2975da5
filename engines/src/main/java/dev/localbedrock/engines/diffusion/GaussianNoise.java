package dev.localbedrock.engines.diffusion;

/**
 * Seeded standard normal noise that is the same bit for bit on every machine and JDK: SplitMix64 (Steele, Lea and
 * Flood 2014, written out here rather than relying on {@code SplittableRandom}'s unspecified algorithm), the
 * Box–Muller transform in float64 with {@link StrictMath} (whose results are fixed by specification, unlike
 * {@link Math}'s), then rounding to float32.
 *
 * <p>This is <em>not</em> torch's generator: the same seed gives different images here than in diffusers. The stream
 * is one sequence: {@code next(a)} then {@code next(b)} gives the same values as {@code next(a + b)}. Not thread-safe.
 */
public final class GaussianNoise {

    private static final double TWO_POW_MINUS_53 = 0x1.0p-53;

    private final long seed;
    private long state;
    private double spare;
    private boolean hasSpare;

    public GaussianNoise(long seed) {
        this.seed = seed;
        this.state = seed;
    }

    public long seed() {
        return seed;
    }

    /** The next {@code count} values. */
    public float[] next(int count) {
        float[] out = new float[count];
        fill(out);
        return out;
    }

    public void fill(float[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) nextGaussian();
        }
    }

    double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spare;
        }
        // u1 in (0, 1] so the logarithm is finite; u2 in [0, 1).
        double u1 = ((nextLong() >>> 11) + 1) * TWO_POW_MINUS_53;
        double u2 = (nextLong() >>> 11) * TWO_POW_MINUS_53;
        double radius = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
        double angle = 2.0 * StrictMath.PI * u2;
        spare = radius * StrictMath.sin(angle);
        hasSpare = true;
        return radius * StrictMath.cos(angle);
    }

    long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
