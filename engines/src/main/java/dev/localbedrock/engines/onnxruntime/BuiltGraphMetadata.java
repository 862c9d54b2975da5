package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.localbedrock.engines.onnxbuild.BuildOptions;
import dev.localbedrock.engines.onnxbuild.GraphSpec;

import java.util.Map;

/**
 * What a graph built by {@code dev.localbedrock.engines.onnxbuild.OnnxGraphBuilder} says about itself in its
 * {@code metadata_props} ({@code localbedrock.*} keys, see {@code GraphSpec}): enough to drive it without probing.
 *
 * @param builderVersion the builder version that wrote it
 * @param variant        attention design and driving contract
 * @param quantization   projection weight format
 * @param allLogits      whether {@code logits} covers every new position ({@code [B,S,V]}) rather than each row's last
 *                       ({@code [B,1,V]})
 * @param maxPositions   the longest sequence the graph accepts (0 when not stated)
 */
record BuiltGraphMetadata(int builderVersion, BuildOptions.Variant variant, BuildOptions.Quantization quantization,
                          boolean allLogits, int maxPositions) {

    static final String PREFIX = "localbedrock.";

    /** Whether the graph takes one KV buffer per layer as past and pinned present (updated in place). */
    boolean sharedKv() {
        return variant == BuildOptions.Variant.GQA_SHARED_KV;
    }

    /**
     * The session's built-graph metadata, or {@code null} for a graph that was not built here (an Optimum or GenAI
     * export).
     *
     * @throws IllegalArgumentException when the metadata is there but malformed
     */
    static BuiltGraphMetadata read(OrtSession session) throws OrtException {
        Map<String, String> m = session.getMetadata().getCustomMetadata();
        String variant = m.get(PREFIX + "variant");
        if (variant == null) {
            return null;
        }
        try {
            int version = Integer.parseInt(m.getOrDefault(PREFIX + "builder_version", "0"));
            return new BuiltGraphMetadata(version, BuildOptions.Variant.parse(variant),
                    GraphSpec.quantization(m.getOrDefault(PREFIX + "quantization", "none"), version),
                    "all".equals(m.get(PREFIX + "logits")),
                    Integer.parseInt(m.getOrDefault(PREFIX + "max_positions", "0")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("graph has malformed localbedrock.* metadata " + m + ": "
                    + e.getMessage(), e);
        }
    }
}
