package dev.localbedrock.engines.onnxbuild;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an engine needs to drive a built graph without parsing it: names, KV shapes, the variant's contract. Written
 * next to the model as {@value OnnxGraphBuilder#SPEC_FILE} and into the model's {@code metadata_props}
 * (keys {@code localbedrock.*}).
 *
 * @param modelType     the checkpoint's {@code model_type}
 * @param variant       attention design and driving contract
 * @param quantization  projection weight format
 * @param numLayers     decoder layers (= number of past/present pairs)
 * @param numHeads      query heads
 * @param numKvHeads    key/value heads (dimension 1 of every past/present tensor)
 * @param headDim       head size (dimension 3 of every past/present tensor)
 * @param hiddenSize    model width
 * @param vocabSize     last dimension of {@code logits}
 * @param maxPositions  the longest sequence (past + new) the graph accepts; the KV capacity must not exceed it
 * @param allLogits     {@code logits} covers every new position ({@code [B,S,V]}) rather than each row's last
 *                      ({@code [B,1,V]})
 * @param inputNames    graph inputs, in order
 * @param outputNames   graph outputs, in order
 */
public record GraphSpec(String modelType, BuildOptions.Variant variant, BuildOptions.Quantization quantization,
                        int numLayers, int numHeads, int numKvHeads, int headDim, int hiddenSize, int vocabSize,
                        int maxPositions, boolean allLogits, List<String> inputNames, List<String> outputNames) {

    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String POSITION_IDS = "position_ids";
    public static final String LOGITS = "logits";

    private static final ObjectMapper JSON = new ObjectMapper();

    public GraphSpec {
        inputNames = List.copyOf(inputNames);
        outputNames = List.copyOf(outputNames);
    }

    /** {@code past_key_values.<layer>.key}. */
    public static String pastKey(int layer) {
        return "past_key_values." + layer + ".key";
    }

    /** {@code past_key_values.<layer>.value}. */
    public static String pastValue(int layer) {
        return "past_key_values." + layer + ".value";
    }

    /** {@code present.<layer>.key}. */
    public static String presentKey(int layer) {
        return "present." + layer + ".key";
    }

    /** {@code present.<layer>.value}. */
    public static String presentValue(int layer) {
        return "present." + layer + ".value";
    }

    /** Whether the graph takes {@code position_ids} (only {@link BuildOptions.Variant#STANDARD} does). */
    public boolean needsPositionIds() {
        return inputNames.contains(POSITION_IDS);
    }

    /**
     * How rows of a batch must be padded: {@code left} (any 0/1 mask; {@link BuildOptions.Variant#STANDARD}) or
     * {@code right} (each row's real tokens are a prefix of the mask; {@link BuildOptions.Variant#GQA_SHARED_KV}).
     */
    public String padding() {
        return variant == BuildOptions.Variant.STANDARD ? "left" : "right";
    }

    /** Whether one KV buffer per layer may be passed as past and pinned as present (updated in place). */
    public boolean sharedKvBuffers() {
        return variant == BuildOptions.Variant.GQA_SHARED_KV;
    }

    /** The {@code metadata_props} written into the model. */
    Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("localbedrock.builder_version", Integer.toString(OnnxGraphBuilder.BUILDER_VERSION));
        m.put("localbedrock.model_type", modelType);
        m.put("localbedrock.variant", variant.id());
        m.put("localbedrock.quantization", quantization.id());
        m.put("localbedrock.num_layers", Integer.toString(numLayers));
        m.put("localbedrock.num_heads", Integer.toString(numHeads));
        m.put("localbedrock.num_kv_heads", Integer.toString(numKvHeads));
        m.put("localbedrock.head_dim", Integer.toString(headDim));
        m.put("localbedrock.vocab_size", Integer.toString(vocabSize));
        m.put("localbedrock.max_positions", Integer.toString(maxPositions));
        m.put("localbedrock.logits", allLogits ? "all" : "last");
        m.put("localbedrock.padding", padding());
        m.put("localbedrock.shared_kv", Boolean.toString(sharedKvBuffers()));
        return m;
    }

    /** Writes this spec as JSON. */
    public void write(Path file) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("builder_version", OnnxGraphBuilder.BUILDER_VERSION);
        n.put("model_type", modelType);
        n.put("variant", variant.id());
        n.put("quantization", quantization.id());
        n.put("num_layers", numLayers);
        n.put("num_heads", numHeads);
        n.put("num_kv_heads", numKvHeads);
        n.put("head_dim", headDim);
        n.put("hidden_size", hiddenSize);
        n.put("vocab_size", vocabSize);
        n.put("max_positions", maxPositions);
        n.put("all_logits", allLogits);
        n.put("padding", padding());
        n.put("shared_kv", sharedKvBuffers());
        ArrayNode in = n.putArray("inputs");
        inputNames.forEach(in::add);
        ArrayNode out = n.putArray("outputs");
        outputNames.forEach(out::add);
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n");
    }

    /**
     * The quantization a spec or metadata names: before builder version 2, {@code int8} meant what is now
     * {@code int8-dynamic}.
     */
    public static BuildOptions.Quantization quantization(String id, int builderVersion) {
        BuildOptions.Quantization q = BuildOptions.Quantization.parse(id);
        return builderVersion < 2 && q == BuildOptions.Quantization.INT8 ? BuildOptions.Quantization.INT8_DYNAMIC : q;
    }

    /** Reads a spec written by {@link #write}. */
    public static GraphSpec read(Path file) throws IOException {
        JsonNode n = JSON.readTree(file.toFile());
        List<String> in = new ArrayList<>();
        n.path("inputs").forEach(x -> in.add(x.asText()));
        List<String> out = new ArrayList<>();
        n.path("outputs").forEach(x -> out.add(x.asText()));
        try {
            return new GraphSpec(n.path("model_type").asText(), BuildOptions.Variant.parse(n.path("variant").asText()),
                    quantization(n.path("quantization").asText(), n.path("builder_version").asInt()),
                    n.path("num_layers").asInt(),
                    n.path("num_heads").asInt(), n.path("num_kv_heads").asInt(), n.path("head_dim").asInt(),
                    n.path("hidden_size").asInt(), n.path("vocab_size").asInt(), n.path("max_positions").asInt(),
                    n.path("all_logits").asBoolean(), in, out);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is not a graph spec: " + e.getMessage(), e);
        }
    }
}
