package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.localbedrock.engines.hf.HfModelConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a decoder graph takes and gives, read from the session's own input/output metadata (never from file names):
 * the id/mask/position inputs and their integer types, the logits output and its vocabulary, and the KV cache
 * convention.
 *
 * <p>Two conventions are recognised:
 * <ul>
 *   <li>Optimum / ONNX Runtime GenAI: {@code past_key_values.N.key|value} {@code [batch, kvHeads, past, headDim]} in,
 *       {@code present.N.key|value} (or {@code present_key_values.N.*}) out: two cache tensors per layer, one plane
 *       each;</li>
 *   <li>legacy GPT-2 ({@code transformers.onnx} / ORT's {@code convert_to_onnx}): {@code past_N}
 *       {@code [2, batch, heads, past, headDim]} in, {@code present_N} out: one cache tensor per layer with keys and
 *       values stacked on axis 0 (two planes).</li>
 * </ul>
 * A cache tensor is described by a {@link CacheSlot}; for batch 1 its data is {@code planes × kvHeads × length ×
 * headDim} contiguous floats in both conventions, which is how sequences store it.
 *
 * @param inputIds        name of the token-id input
 * @param idType          its element type ({@code INT32} or {@code INT64})
 * @param attentionMask   name of the attention-mask input, or {@code null} when the graph has none
 * @param maskType        its element type
 * @param positionIds     name of the position-id input, or {@code null} when the graph derives positions itself
 * @param positionType    its element type
 * @param logits          name of the logits output ({@code [batch, seq, vocab]} float, or {@code [batch, 1, vocab]}
 *                        when {@code lastLogitOnly})
 * @param lastLogitOnly   whether the logits hold one position per row (static dimension 1: graphs built with
 *                        last-token logits), each row's last new token
 * @param vocabSize       the logits' last dimension (from the graph when static, else {@code config.json})
 * @param kvHeads         heads per cache tensor
 * @param headDim         head dimension of the cache
 * @param stacked         whether keys and values share one tensor (legacy GPT-2 convention)
 * @param slots           the cache tensors, in layer order (key before value)
 */
record DecoderGraph(String inputIds, OnnxJavaType idType, String attentionMask, OnnxJavaType maskType,
                    String positionIds, OnnxJavaType positionType, String logits, boolean lastLogitOnly, int vocabSize,
                    int kvHeads,
                    int headDim, boolean stacked, List<CacheSlot> slots) {

    /**
     * One KV cache tensor of the graph.
     *
     * @param past    input name
     * @param present output name
     * @param layer   decoder layer
     * @param planes  1 (a key or a value tensor) or 2 (keys and values stacked on axis 0)
     */
    record CacheSlot(String past, String present, int layer, int planes) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern OPTIMUM_PAST = Pattern.compile("past_key_values\\.(\\d+)\\.(key|value)");
    private static final Pattern LEGACY_PAST = Pattern.compile("past_(\\d+)");
    /** File names tried in order when no {@code genai_config.json} names the decoder. */
    static final List<String> CANDIDATES = List.of("onnx/model.onnx", "onnx/past.onnx", "model.onnx");

    /** Number of decoder layers (distinct layers among the cache slots). */
    int layers() {
        return slots.get(slots.size() - 1).layer() + 1;
    }

    /** Floats one token occupies in one slot's storage ({@code planes × kvHeads × headDim}). */
    long floatsPerToken(CacheSlot slot) {
        return (long) slot.planes() * kvHeads * headDim;
    }

    /** Bytes of KV cache one token of one sequence occupies across all slots. */
    long bytesPerToken() {
        long floats = 0;
        for (CacheSlot s : slots) {
            floats += floatsPerToken(s);
        }
        return floats * Float.BYTES;
    }

    /**
     * Reads the session's metadata.
     *
     * @throws IllegalArgumentException when the graph is not a decoder with a KV cache this engine can drive
     */
    static DecoderGraph inspect(OrtSession session, HfModelConfig config) throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        String ids = require(inputs, "input_ids", "token-id input 'input_ids'");
        OnnxJavaType idType = intType(inputs, ids);
        String mask = inputs.containsKey("attention_mask") ? "attention_mask" : null;
        OnnxJavaType maskType = mask == null ? OnnxJavaType.INT64 : intType(inputs, mask);
        String positions = inputs.containsKey("position_ids") ? "position_ids" : null;
        OnnxJavaType positionType = positions == null ? OnnxJavaType.INT64 : intType(inputs, positions);

        TreeMap<Integer, CacheSlot[]> byLayer = new TreeMap<>();
        Boolean stacked = null;
        List<String> unknown = new ArrayList<>();
        for (String name : inputs.keySet()) {
            if (name.equals(ids) || name.equals(mask) || name.equals(positions)) {
                continue;
            }
            Matcher optimum = OPTIMUM_PAST.matcher(name);
            Matcher legacy = LEGACY_PAST.matcher(name);
            if (optimum.matches()) {
                stacked = convention(stacked, false, name);
                int layer = Integer.parseInt(optimum.group(1));
                String kind = optimum.group(2);
                String present = firstOutput(outputs, name, "present." + layer + "." + kind,
                        "present_key_values." + layer + "." + kind);
                byLayer.computeIfAbsent(layer, l -> new CacheSlot[2])[kind.equals("key") ? 0 : 1] =
                        new CacheSlot(name, present, layer, 1);
            } else if (legacy.matches()) {
                stacked = convention(stacked, true, name);
                int layer = Integer.parseInt(legacy.group(1));
                String present = firstOutput(outputs, name, "present_" + layer);
                byLayer.computeIfAbsent(layer, l -> new CacheSlot[1])[0] = new CacheSlot(name, present, layer, 2);
            } else {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("decoder graph has inputs this engine does not know how to feed: "
                    + unknown + " (supported: input_ids, attention_mask, position_ids, past_key_values.N.key|value "
                    + "or past_N)");
        }
        if (byLayer.isEmpty()) {
            throw new IllegalArgumentException("decoder graph has no past key/value inputs (past_key_values.N.key|value "
                    + "or past_N); graphs without a KV cache are not supported (inputs: " + inputs.keySet() + ")");
        }
        List<CacheSlot> slots = new ArrayList<>();
        int expected = 0;
        for (Map.Entry<Integer, CacheSlot[]> e : byLayer.entrySet()) {
            if (e.getKey() != expected++) {
                throw new IllegalArgumentException("decoder graph's cache inputs skip layer " + (expected - 1));
            }
            for (CacheSlot s : e.getValue()) {
                if (s == null) {
                    throw new IllegalArgumentException("decoder graph's layer " + e.getKey()
                            + " has a key cache input without a value cache input or the reverse");
                }
                slots.add(s);
            }
        }

        // cache geometry from the first slot's static dims, else from config.json
        long[] shape = floatTensor(inputs, slots.get(0).past()).getShape();
        boolean isStacked = Boolean.TRUE.equals(stacked);
        int rank = isStacked ? 5 : 4;
        if (shape.length != rank) {
            throw new IllegalArgumentException("cache input " + slots.get(0).past() + " has rank " + shape.length
                    + ", expected " + rank);
        }
        if (isStacked && shape[0] != 2 && shape[0] != -1) {
            throw new IllegalArgumentException("cache input " + slots.get(0).past() + " stacks " + shape[0]
                    + " planes on axis 0, expected 2 (keys and values)");
        }
        int kvHeads = dim(shape[rank - 3], config.numKeyValueHeads(), "kv heads", slots.get(0).past());
        int headDim = dim(shape[rank - 1], config.headDim(), "head dim", slots.get(0).past());
        for (CacheSlot s : slots) {
            long[] sh = floatTensor(inputs, s.past()).getShape();
            long[] out = floatTensor(outputs, s.present()).getShape();
            if (sh.length != rank || out.length != rank || (sh[rank - 3] > 0 && sh[rank - 3] != kvHeads)
                    || (sh[rank - 1] > 0 && sh[rank - 1] != headDim)) {
                throw new IllegalArgumentException("cache tensor " + s.past() + "/" + s.present()
                        + " does not have the shape of the others");
            }
        }

        String logits = outputs.containsKey("logits") ? "logits" : null;
        if (logits == null) {
            for (String name : outputs.keySet()) {
                if (slots.stream().noneMatch(s -> s.present().equals(name))) {
                    logits = name;
                    break;
                }
            }
        }
        if (logits == null) {
            throw new IllegalArgumentException("decoder graph has no logits output (outputs: " + outputs.keySet() + ")");
        }
        long[] logitShape = floatTensor(outputs, logits).getShape();
        if (logitShape.length != 3) {
            throw new IllegalArgumentException("logits output '" + logits + "' has rank " + logitShape.length
                    + ", expected 3 [batch, sequence, vocab]");
        }
        int vocab = logitShape[2] > 0 ? Math.toIntExact(logitShape[2]) : config.vocabSize();
        if (vocab <= 0) {
            throw new IllegalArgumentException("the logits' vocabulary size is dynamic and config.json has no vocab_size");
        }
        return new DecoderGraph(ids, idType, mask, maskType, positions, positionType, logits, logitShape[1] == 1,
                vocab, kvHeads, headDim, isStacked, List.copyOf(slots));
    }

    private static Boolean convention(Boolean current, boolean stacked, String name) {
        if (current != null && current != stacked) {
            throw new IllegalArgumentException("decoder graph mixes cache naming conventions (" + name + ")");
        }
        return stacked;
    }

    private static String require(Map<String, NodeInfo> infos, String name, String what) {
        if (!infos.containsKey(name)) {
            throw new IllegalArgumentException("decoder graph has no " + what + " (inputs: " + infos.keySet() + ")");
        }
        return name;
    }

    private static String firstOutput(Map<String, NodeInfo> outputs, String past, String... candidates) {
        for (String c : candidates) {
            if (outputs.containsKey(c)) {
                return c;
            }
        }
        throw new IllegalArgumentException("decoder graph has cache input " + past + " but none of the outputs "
                + List.of(candidates));
    }

    private static OnnxJavaType intType(Map<String, NodeInfo> inputs, String name) {
        TensorInfo t = tensor(inputs, name);
        if (t.type != OnnxJavaType.INT32 && t.type != OnnxJavaType.INT64) {
            throw new IllegalArgumentException("input " + name + " is " + t.type + ", expected int32 or int64");
        }
        if (t.getShape().length != 2) {
            throw new IllegalArgumentException("input " + name + " has rank " + t.getShape().length + ", expected 2");
        }
        return t.type;
    }

    private static TensorInfo floatTensor(Map<String, NodeInfo> infos, String name) {
        TensorInfo t = tensor(infos, name);
        if (t.type != OnnxJavaType.FLOAT) {
            throw new IllegalArgumentException("'" + name + "' is " + t.type + "; only float32 graphs are supported "
                    + "on this engine yet (float16 graphs are for GPU execution providers)");
        }
        return t;
    }

    private static TensorInfo tensor(Map<String, NodeInfo> infos, String name) {
        if (!(infos.get(name).getInfo() instanceof TensorInfo t)) {
            throw new IllegalArgumentException("'" + name + "' is not a tensor");
        }
        return t;
    }

    private static int dim(long graphDim, int configDim, String what, String name) {
        if (graphDim > 0) {
            return Math.toIntExact(graphDim);
        }
        if (configDim > 0) {
            return configDim;
        }
        throw new IllegalArgumentException("the " + what + " of " + name + " is dynamic and config.json does not say it");
    }

    // ---- finding the graph file and genai_config.json -------------------------------------------------------------

    /** {@code genai_config.json} of {@code modelDir} or {@code modelDir/onnx}, or a missing node. */
    static JsonNode genaiConfig(Path modelDir) throws IOException {
        Path file = genaiConfigFile(modelDir);
        return file == null ? MissingNode.getInstance() : JSON.readTree(file.toFile());
    }

    private static Path genaiConfigFile(Path modelDir) {
        for (Path p : new Path[] {modelDir.resolve("genai_config.json"), modelDir.resolve("onnx/genai_config.json")}) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Whether {@code modelDir} ships a graph at all: a {@code genai_config.json}, or any {@code *.onnx} file in it or
     * in its {@code onnx/} ({@link #locate} may still find the choice ambiguous or the named file missing, and says
     * so).
     */
    static boolean present(Path modelDir) throws IOException {
        if (genaiConfigFile(modelDir) != null) {
            return true;
        }
        for (Path dir : new Path[] {modelDir, modelDir.resolve("onnx")}) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    if (files.anyMatch(f -> f.getFileName().toString().endsWith(".onnx") && Files.isRegularFile(f))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * The decoder graph of {@code modelDir}: the file {@code genai_config.json} names ({@code model.decoder.filename},
     * relative to that file), else the first of {@link #CANDIDATES} that exists, else the only {@code *.onnx} file in
     * {@code modelDir} or {@code modelDir/onnx}.
     *
     * @throws NoSuchFileException when none is found, or several candidates leave the choice ambiguous
     */
    static Path locate(Path modelDir) throws IOException {
        Path genai = genaiConfigFile(modelDir);
        if (genai != null) {
            String name = JSON.readTree(genai.toFile()).path("model").path("decoder").path("filename").asText("");
            if (!name.isEmpty()) {
                Path graph = genai.getParent().resolve(name);
                if (!Files.isRegularFile(graph)) {
                    throw new NoSuchFileException(graph.toString(), null, genai + " names decoder " + name
                            + ", which does not exist");
                }
                return graph;
            }
        }
        for (String c : CANDIDATES) {
            Path p = modelDir.resolve(c);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        List<Path> found = new ArrayList<>();
        for (Path dir : new Path[] {modelDir, modelDir.resolve("onnx")}) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    files.filter(f -> f.getFileName().toString().endsWith(".onnx") && Files.isRegularFile(f))
                            .sorted(Comparator.naturalOrder()).forEach(found::add);
                }
            }
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        throw new NoSuchFileException(modelDir.toString(), null, found.isEmpty()
                ? "no ONNX decoder graph (tried genai_config.json, " + String.join(", ", CANDIDATES) + ", *.onnx)"
                : "several ONNX graphs and no genai_config.json to choose between them: " + found);
    }
}
