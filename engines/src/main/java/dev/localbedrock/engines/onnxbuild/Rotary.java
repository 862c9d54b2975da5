package dev.localbedrock.engines.onnxbuild;

import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.RotaryFrequencies;

/**
 * The rotary-embedding constants of a built graph: which {@code rope_scaling} types a fixed table can express, and the
 * cos/sin tables themselves. The frequencies and their arithmetic are {@link RotaryFrequencies}', shared with the
 * PyTorch engine, so built graphs match it and Optimum exports.
 *
 * <p>{@code rope_scaling} types: none/{@code default}; {@code linear}; {@code llama3}; {@code dynamic} (dynamic NTK)
 * only up to the checkpoint's {@code max_position_embeddings}, where it equals the unscaled rotation: beyond it,
 * dynamic NTK recomputes every frequency from the current sequence length, which a fixed table cannot express. Others
 * ({@code yarn}, {@code longrope}, ...) are rejected.
 */
final class Rotary {
    static final String SUPPORTED = "default, linear, llama3, dynamic (within max_position_embeddings)";

    private Rotary() {
    }

    /** {@code rope_scaling} type, {@code default} when absent. */
    static String type(HfModelConfig c) {
        return RotaryFrequencies.type(c);
    }

    /**
     * Checks the scaling type is expressible for {@code positions} table rows and its parameters are valid (so a bad
     * config fails before any weight is read); returns the type.
     */
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
        RotaryFrequencies.inverseFrequencies(c); // validates factor and llama3's frequency factors
        return type;
    }

    /** The graph's inverse frequencies: {@link RotaryFrequencies#inverseFrequencies}, after {@link #check}. */
    static float[] inverseFrequencies(HfModelConfig c) {
        return RotaryFrequencies.inverseFrequencies(c);
    }

    /**
     * {@code [positions, dim/2]} tables (GroupQueryAttention's {@code cos_cache}/{@code sin_cache}) when
     * {@code half}, else {@code [positions, dim]} with the half repeated (rotate-half layout, for plain-op RoPE).
     * Returns {cos, sin}.
     */
    static float[][] tables(float[] invFreq, int positions, boolean half) {
        int w = half ? invFreq.length : 2 * invFreq.length;
        float[] cos = new float[positions * w];
        float[] sin = new float[positions * w];
        for (int p = 0; p < positions; p++) {
            RotaryFrequencies.writeRow(invFreq, p, cos, sin, p * w, !half);
        }
        return new float[][] {cos, sin};
    }
}
