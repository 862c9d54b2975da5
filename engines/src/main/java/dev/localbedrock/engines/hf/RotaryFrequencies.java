package dev.localbedrock.engines.hf;

/**
 * Rotary-embedding (RoPE) inverse frequencies of a checkpoint and the cos/sin rows built from them, in the arithmetic
 * of {@code transformers}' rope initialisation functions ({@code _compute_default_rope_parameters} and friends) and
 * {@code LlamaRotaryEmbedding}: float32 inverse frequencies, the float32 angle {@code p · f_i}, then cos/sin. Both
 * engines build their tables from here (PyTorch cos/sin tensors, ONNX graph constants), so they agree with each other
 * and with Optimum exports bit for bit, and a checkpoint one engine rejects the other rejects with the same words.
 *
 * <p>{@code rope_scaling} types handled: none/{@code default}; {@code linear} (every frequency divided by
 * {@code factor}); {@code llama3} (Llama 3.1's wavelength-dependent blend); {@code dynamic} (dynamic NTK: the base
 * grows with the context length, see {@link #dynamicInverseFrequencies}). Which of them an engine can express, and
 * how it names the rest, is the engine's business: this class only rejects types it cannot compute at all.
 */
public final class RotaryFrequencies {
    private RotaryFrequencies() {
    }

    /** {@code rope_scaling} type, {@code default} when absent. */
    public static String type(HfModelConfig c) {
        RopeScaling s = c.ropeScaling();
        return s == null ? "default" : s.type();
    }

    /**
     * {@code 1 / theta^(2i/d)} in float32, then scaled per {@code rope_scaling}; for {@code dynamic}, the frequencies
     * within {@code max_position_embeddings}, where it equals no scaling. Validates the scaling parameters (factor,
     * llama3's low/high frequency factors), so calling it up front rejects a bad config before any weights load.
     *
     * @throws IllegalArgumentException for an odd head size, bad scaling parameters or a type not listed above
     */
    public static float[] inverseFrequencies(HfModelConfig c) {
        float[] inv = base(c.headDim(), (float) c.ropeTheta());
        RopeScaling s = c.ropeScaling();
        String type = type(c);
        switch (type) {
            case "default" -> { }
            case "linear" -> {
                requireFactor(s);
                float factor = (float) s.factor();
                for (int i = 0; i < inv.length; i++) {
                    inv[i] /= factor;
                }
            }
            case "dynamic" -> {
                requireFactor(s);
                requireMaxPositions(c, type);
            }
            case "llama3" -> {
                requireFactor(s);
                llama3(inv, s, c.maxPositionEmbeddings());
            }
            default -> throw new IllegalArgumentException("rope_scaling type '" + type + "' has no rotary "
                    + "frequencies here");
        }
        return inv;
    }

    /**
     * Dynamic NTK frequencies for a context of {@code seqLen} tokens ({@code transformers}'
     * {@code _compute_dynamic_ntk_parameters}): the base becomes
     * {@code theta · (factor · L / max_position_embeddings − (factor − 1))^(d / (d − 2))} with
     * {@code L = max(seqLen, max_position_embeddings)}.
     */
    public static float[] dynamicInverseFrequencies(HfModelConfig c, int seqLen) {
        int dim = c.headDim();
        double factor = c.ropeScaling().factor();
        int maxPos = c.maxPositionEmbeddings();
        double len = Math.max(seqLen, maxPos);
        float base = (float) (c.ropeTheta() * Math.pow(factor * len / maxPos - (factor - 1), (double) dim / (dim - 2)));
        return base(dim, base);
    }

    /**
     * Writes position {@code p}'s cos and sin of {@code invFreq.length} frequencies at {@code offset}, then, when
     * {@code repeatHalf}, the same values again right after them (the rotate-half layout, {@code [.., d]} rows).
     */
    public static void writeRow(float[] invFreq, int p, float[] cos, float[] sin, int offset, boolean repeatHalf) {
        int h = invFreq.length;
        for (int i = 0; i < h; i++) {
            float angle = p * invFreq[i];
            float co = (float) Math.cos(angle);
            float si = (float) Math.sin(angle);
            cos[offset + i] = co;
            sin[offset + i] = si;
            if (repeatHalf) {
                cos[offset + i + h] = co;
                sin[offset + i + h] = si;
            }
        }
    }

    private static float[] base(int dim, float theta) {
        if (dim <= 0 || dim % 2 != 0) {
            throw new IllegalArgumentException("rotary embeddings need an even, positive head_dim, got " + dim);
        }
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) dim;
            inv[i] = 1.0f / (float) Math.pow(theta, exponent);
        }
        return inv;
    }

    private static void requireFactor(RopeScaling s) {
        if (!(s.factor() >= 1.0) || Double.isInfinite(s.factor())) {
            throw new IllegalArgumentException("rope_scaling " + s.type() + " needs a finite factor >= 1, got "
                    + s.factor());
        }
    }

    private static void requireMaxPositions(HfModelConfig c, String type) {
        if (c.maxPositionEmbeddings() <= 0) {
            throw new IllegalArgumentException("rope_scaling " + type
                    + " needs max_position_embeddings in config.json");
        }
    }

    /** Llama 3.1's scaling: long wavelengths divided by {@code factor}, short kept, a smooth blend between. */
    private static void llama3(float[] inv, RopeScaling s, int maxPositions) {
        double factor = s.factor();
        double low = s.number("low_freq_factor", 1.0);
        double high = s.number("high_freq_factor", 4.0);
        double original = s.number("original_max_position_embeddings", maxPositions);
        // the blend divides by (high - low): equal factors would give NaN frequencies, reversed ones a wrong blend
        if (!(high > low)) {
            throw new IllegalArgumentException("rope_scaling llama3 needs high_freq_factor > low_freq_factor, got "
                    + high + " and " + low);
        }
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
