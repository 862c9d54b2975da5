package dev.localbedrock.engines.pytorch;

import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.RopeScaling;

/**
 * Cos/sin tables for rotary position embeddings in the Hugging Face "rotate-half" layout: row {@code p} holds
 * {@code cos(p * f_i)} for {@code i < d/2}, repeated for the second half (and the same for sin). A step looks up the
 * rows of its tokens' positions with one embedding lookup, so rows of a batch can sit at any positions.
 *
 * <p>Arithmetic mirrors {@code transformers}' {@code LlamaRotaryEmbedding} in float32 (inverse frequencies and the
 * angle {@code p * f_i} rounded to float32, then cos/sin), so logits match the reference implementation and its ONNX
 * exports rather than a more exact but different computation. Scaling ({@code rope_scaling}):
 * <ul>
 *   <li>{@code linear}: every frequency divided by {@code factor};</li>
 *   <li>{@code dynamic} (NTK-aware): the base becomes
 *       {@code theta · (factor · L / max_position_embeddings − (factor − 1))^(d / (d − 2))} for a context of
 *       {@code L > max_position_embeddings} tokens, as {@code transformers} computes it. {@code transformers}
 *       recomputes the frequencies for the longest position of each call and leaves earlier cached keys as they were
 *       rotated; here row {@code p} uses {@code L = max(p + 1, max_position_embeddings)}, which is exactly what it
 *       computes when {@code p} is the newest token (token-by-token decoding), and makes the result independent of
 *       how prompts are chunked and batched. Below {@code max_position_embeddings} it equals no scaling;</li>
 *   <li>{@code llama3}: Llama 3.1's frequency-dependent blend.</li>
 * </ul>
 * Other types fail loudly rather than silently degrade.
 */
final class RotaryTables {
    /** The {@code rope_scaling} types implemented here. */
    static final String SUPPORTED = "default, linear, dynamic, llama3";

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
        int half = dim / 2;
        float[] cos = new float[positions * dim];
        float[] sin = new float[positions * dim];
        boolean dynamic = isDynamic(config);
        int maxPos = config.maxPositionEmbeddings();
        float[] invFreq = inverseFrequencies(config);
        for (int p = 0; p < positions; p++) {
            if (dynamic && p + 1 > maxPos) {
                invFreq = dynamicInverseFrequencies(config, p + 1);
            }
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

    /**
     * The most positions the scaling lets a sequence use: {@code max_position_embeddings}, times {@code factor} for
     * {@code linear} and {@code dynamic} (which exist to stretch the trained context).
     */
    static long maxPositions(HfModelConfig config) {
        RopeScaling s = config.ropeScaling();
        long maxPos = config.maxPositionEmbeddings();
        if (s != null && (s.type().equals("linear") || s.type().equals("dynamic")) && s.factor() > 1) {
            return (long) Math.floor(maxPos * s.factor());
        }
        return maxPos;
    }

    /** {@code 1 / theta^(2i/d)} in float32, then scaled per {@code rope_scaling} (for positions below the limit). */
    static float[] inverseFrequencies(HfModelConfig config) {
        float[] inv = baseInverseFrequencies(config.headDim(), (float) config.ropeTheta());
        RopeScaling scaling = config.ropeScaling();
        String type = scaling == null ? "default" : scaling.type();
        switch (type) {
            case "default" -> { }
            case "linear" -> {
                requireFactor(scaling);
                float factor = (float) scaling.factor();
                for (int i = 0; i < inv.length; i++) {
                    inv[i] /= factor;
                }
            }
            case "dynamic" -> {
                requireFactor(scaling);
                requireMaxPositions(config, type);
            }
            case "llama3" -> {
                requireFactor(scaling);
                llama3(inv, scaling, config.maxPositionEmbeddings());
            }
            default -> throw new UnsupportedOperationException("rope_scaling type '" + type
                    + "' is not implemented yet (implemented: " + SUPPORTED + ")");
        }
        return inv;
    }

    /** Dynamic NTK frequencies for a context of {@code seqLen} tokens (HF {@code _compute_dynamic_ntk_parameters}). */
    static float[] dynamicInverseFrequencies(HfModelConfig config, int seqLen) {
        int dim = config.headDim();
        double factor = config.ropeScaling().factor();
        int maxPos = config.maxPositionEmbeddings();
        double len = Math.max(seqLen, maxPos);
        float base = (float) (config.ropeTheta()
                * Math.pow(factor * len / maxPos - (factor - 1), (double) dim / (dim - 2)));
        return baseInverseFrequencies(dim, base);
    }

    private static boolean isDynamic(HfModelConfig config) {
        return config.ropeScaling() != null && config.ropeScaling().type().equals("dynamic");
    }

    private static float[] baseInverseFrequencies(int dim, float base) {
        if (dim <= 0 || dim % 2 != 0) {
            throw new IllegalArgumentException("rotary embeddings need an even, positive head_dim, got " + dim);
        }
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) dim;
            inv[i] = 1.0f / (float) Math.pow(base, exponent);
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
