package dev.localbedrock.engines.pytorch;

import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.RopeScaling;
import dev.localbedrock.engines.hf.RotaryFrequencies;

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
        float[] cos = new float[positions * dim];
        float[] sin = new float[positions * dim];
        boolean dynamic = isDynamic(config);
        int maxPos = config.maxPositionEmbeddings();
        float[] invFreq = inverseFrequencies(config);
        for (int p = 0; p < positions; p++) {
            if (dynamic && p + 1 > maxPos) {
                invFreq = dynamicInverseFrequencies(config, p + 1);
            }
            RotaryFrequencies.writeRow(invFreq, p, cos, sin, p * dim, true);
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

    /**
     * {@link RotaryFrequencies#inverseFrequencies} (for positions below the limit), with unsupported types named as this
     * engine names them.
     */
    static float[] inverseFrequencies(HfModelConfig config) {
        String type = RotaryFrequencies.type(config);
        switch (type) {
            case "default", "linear", "dynamic", "llama3" -> { }
            default -> throw new UnsupportedOperationException("rope_scaling type '" + type
                    + "' is not implemented yet (implemented: " + SUPPORTED + ")");
        }
        return RotaryFrequencies.inverseFrequencies(config);
    }

    /** Dynamic NTK frequencies for a context of {@code seqLen} tokens (HF {@code _compute_dynamic_ntk_parameters}). */
    static float[] dynamicInverseFrequencies(HfModelConfig config, int seqLen) {
        return RotaryFrequencies.dynamicInverseFrequencies(config, seqLen);
    }

    private static boolean isDynamic(HfModelConfig config) {
        return config.ropeScaling() != null && config.ropeScaling().type().equals("dynamic");
    }
}
