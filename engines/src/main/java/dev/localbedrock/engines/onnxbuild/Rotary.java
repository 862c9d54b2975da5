package dev.localbedrock.engines.onnxbuild;

import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.RopeScaling;

/**
 * Rotary-embedding frequencies and cos/sin tables, in the arithmetic of {@code transformers}'
 * {@code LlamaRotaryEmbedding} (float32 inverse frequencies, float32 angle {@code p · f_i}, then cos/sin), so built
 * graphs match the PyTorch engine and Optimum exports.
 *
 * <p>{@code rope_scaling} types: none/{@code default}; {@code linear} (frequencies divided by {@code factor});
 * {@code llama3} (Llama 3.1's wavelength-dependent blend); {@code dynamic} (dynamic NTK) only up to the checkpoint's
 * {@code max_position_embeddings}, where it equals the unscaled rotation: beyond it, dynamic NTK recomputes every
 * frequency from the current sequence length, which a fixed table cannot express. Others ({@code yarn},
 * {@code longrope}, ...) are rejected.
 */
final class Rotary {
    static final String SUPPORTED = "default, linear, llama3, dynamic (within max_position_embeddings)";

    private Rotary() {
    }

    /** {@code rope_scaling} type, {@code default} when absent. */
    static String type(HfModelConfig c) {
        RopeScaling s = c.ropeScaling();
        return s == null ? "default" : s.type();
    }

    /** Checks the scaling type is expressible for {@code positions} table rows; returns it. */
    static String check(HfModelConfig c, int positions) {
        String type = type(c);
        switch (type) {
            case "default", "linear", "llama3" -> { }
            case "dynamic" -> {
                double original = c.ropeScaling().number("original_max_position_embeddings",
                        c.maxPositionEmbeddings());
                if (positions > original) {
                    throw new IllegalArgumentException("rope_scaling 'dynamic' changes every frequency once a "
                            + "sequence exceeds " + (long) original + " tokens, which a static graph cannot express; "
                            + "build with maxPositions <= " + (long) original);
                }
            }
            default -> throw new IllegalArgumentException("rope_scaling type '" + type + "' is not supported by the "
                    + "ONNX graph builder (supported: " + SUPPORTED + ")");
        }
        return type;
    }

    /** {@code 1 / theta^(2i/d)} in float32, then scaled per {@code rope_scaling}. */
    static float[] inverseFrequencies(HfModelConfig c) {
        int dim = c.headDim();
        if (dim % 2 != 0) {
            throw new IllegalArgumentException("rotary embeddings need an even head_dim, got " + dim);
        }
        float base = (float) c.ropeTheta();
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) dim;
            inv[i] = 1.0f / (float) Math.pow(base, exponent);
        }
        switch (type(c)) {
            case "linear" -> {
                float factor = (float) c.ropeScaling().factor();
                for (int i = 0; i < inv.length; i++) {
                    inv[i] /= factor;
                }
            }
            case "llama3" -> llama3(inv, c.ropeScaling(), c.maxPositionEmbeddings());
            default -> { }
        }
        return inv;
    }

    private static void llama3(float[] inv, RopeScaling s, int maxPositions) {
        double factor = s.factor();
        double low = s.number("low_freq_factor", 1.0);
        double high = s.number("high_freq_factor", 4.0);
        double original = s.number("original_max_position_embeddings", maxPositions);
        double lowWavelen = original / low;
        double highWavelen = original / high;
        for (int i = 0; i < inv.length; i++) {
            double freq = inv[i];
            double wavelen = 2 * Math.PI / freq;
            double scaled;
            if (wavelen < highWavelen) {
                scaled = freq;
            } else if (wavelen > lowWavelen) {
                scaled = freq / factor;
            } else {
                double smooth = (original / wavelen - low) / (high - low);
                scaled = (1 - smooth) * freq / factor + smooth * freq;
            }
            inv[i] = (float) scaled;
        }
    }

    /**
     * {@code [positions, dim/2]} tables (GroupQueryAttention's {@code cos_cache}/{@code sin_cache}) when
     * {@code half}, else {@code [positions, dim]} with the half repeated (rotate-half layout, for plain-op RoPE).
     * Returns {cos, sin}.
     */
    static float[][] tables(float[] invFreq, int positions, boolean half) {
        int h = invFreq.length;
        int w = half ? h : 2 * h;
        float[] cos = new float[positions * w];
        float[] sin = new float[positions * w];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < h; i++) {
                float angle = p * invFreq[i];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * w + i] = c;
                sin[p * w + i] = s;
                if (!half) {
                    cos[p * w + i + h] = c;
                    sin[p * w + i + h] = s;
                }
            }
        }
        return new float[][] {cos, sin};
    }
}
