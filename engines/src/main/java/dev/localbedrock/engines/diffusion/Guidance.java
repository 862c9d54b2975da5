package dev.localbedrock.engines.diffusion;

/**
 * Classifier-free guidance (Ho &amp; Salimans 2022): {@code guided = uncond + cfg·(cond − uncond)}.
 *
 * <p>Evaluated as {@code cond + (cfg − 1)·(cond − uncond)} in float64, the same value rearranged, so that
 * {@code cfg = 1} returns the conditional prediction exactly rather than up to float32 cancellation.
 */
public final class Guidance {

    private Guidance() {
    }

    public static float[] classifierFree(float[] uncond, float[] cond, double cfgScale) {
        if (uncond.length != cond.length) {
            throw new IllegalArgumentException("unconditional prediction has " + uncond.length
                    + " values but the conditional one has " + cond.length);
        }
        return combine(uncond, 0, cond, 0, cond.length, cfgScale);
    }

    /**
     * Guidance over one batched UNet output laid out as diffusers batches it: all unconditional rows first, then all
     * conditional rows, each half {@code batched.length / 2} values.
     */
    public static float[] classifierFreeBatched(float[] batched, double cfgScale) {
        if (batched.length % 2 != 0) {
            throw new IllegalArgumentException("a batched guidance output must have an even length, got " + batched.length);
        }
        int half = batched.length / 2;
        return combine(batched, 0, batched, half, half, cfgScale);
    }

    private static float[] combine(float[] uncond, int uncondFrom, float[] cond, int condFrom, int length,
                                   double cfgScale) {
        double extra = cfgScale - 1.0;
        float[] out = new float[length];
        for (int i = 0; i < length; i++) {
            double c = cond[condFrom + i];
            out[i] = (float) (c + extra * (c - uncond[uncondFrom + i]));
        }
        return out;
    }
}
