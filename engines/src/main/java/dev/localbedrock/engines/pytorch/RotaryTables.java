package dev.localbedrock.engines.pytorch;

import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.RopeScaling;

/**
 * Cos/sin tables for rotary position embeddings in the Hugging Face "rotate-half" layout: row {@code p} holds
 * {@code cos(p * f_i)} for {@code i < d/2}, repeated for the second half (and the same for sin).
 *
 * <p>Arithmetic mirrors {@code transformers}' {@code LlamaRotaryEmbedding} in float32 (inverse frequencies and the
 * angle {@code p * f_i} rounded to float32, then cos/sin), so logits match the reference implementation and its ONNX
 * exports rather than a more exact but different computation. Scaling: none, {@code linear} (frequencies divided by
 * the factor) and {@code llama3} (frequency-dependent); other types fail loudly rather than silently degrade.
 */
final class RotaryTables {
    /** The {@code rope_scaling} types implemented here. */
    static final String SUPPORTED = "default, linear, llama3";

    final float[] cos;
    final float[] sin;
    final int positions;
    final int dim;

    private RotaryTables(float[] cos, float[] sin, int positions, int dim) {
        this.cos = cos;
        this.sin = sin;
        this.positions = positions;
        this.dim = dim;
    }

    /** Tables for positions {@code [0, positions)} with the config's head size, theta and scaling. */
    static RotaryTables build(HfModelConfig config, int positions) {
        int dim = config.headDim();
        float[] invFreq = inverseFrequencies(config);
        int half = dim / 2;
        float[] cos = new float[positions * dim];
        float[] sin = new float[positions * dim];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                float angle = p * invFreq[i];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * dim + i] = c;
                cos[p * dim + i + half] = c;
                sin[p * dim + i] = s;
                sin[p * dim + i + half] = s;
            }
        }
        return new RotaryTables(cos, sin, positions, dim);
    }

    /** {@code 1 / theta^(2i/d)} in float32, then scaled per {@code rope_scaling}. */
    static float[] inverseFrequencies(HfModelConfig config) {
        int dim = config.headDim();
        if (dim % 2 != 0) {
            throw new IllegalArgumentException("rotary embeddings need an even head_dim, got " + dim);
        }
        float base = (float) config.ropeTheta();
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) dim;
            inv[i] = 1.0f / (float) Math.pow(base, exponent);
        }
        RopeScaling scaling = config.ropeScaling();
        String type = scaling == null ? "default" : scaling.type();
        switch (type) {
            case "default" -> { }
            case "linear" -> {
                float factor = (float) scaling.factor();
                for (int i = 0; i < inv.length; i++) {
                    inv[i] /= factor;
                }
            }
            case "llama3" -> llama3(inv, scaling, config.maxPositionEmbeddings());
            default -> throw new UnsupportedOperationException("rope_scaling type '" + type
                    + "' is not implemented yet (implemented: " + SUPPORTED + ")");
        }
        return inv;
    }

    /** Llama 3.1's scaling: long wavelengths divided by {@code factor}, short kept, a smooth blend between. */
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
}
