package dev.localbedrock.engines.hf;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The facts a decoder engine needs from a Hugging Face model directory: {@code config.json}, plus
 * {@code generation_config.json} and {@code tokenizer_config.json} when present.
 *
 * <p>Defaults follow the {@code transformers} config classes: {@code num_key_value_heads} = heads,
 * {@code head_dim} = hidden / heads, {@code rope_theta} = 10000. GPT-2 style names ({@code n_embd}, {@code n_layer},
 * {@code n_head}, {@code n_positions}, {@code n_inner}, {@code layer_norm_epsilon}) are read as aliases so other
 * architectures can reuse this class. {@code eos_token_id} may be an int or a list in either config file; the two are
 * merged.
 *
 * @param modelType             {@code model_type}
 * @param hiddenSize            {@code hidden_size}
 * @param numHiddenLayers       {@code num_hidden_layers}
 * @param numAttentionHeads     {@code num_attention_heads}
 * @param numKeyValueHeads      {@code num_key_value_heads}
 * @param headDim               {@code head_dim}
 * @param intermediateSize      {@code intermediate_size}
 * @param rmsNormEps            {@code rms_norm_eps} (or {@code layer_norm_epsilon})
 * @param ropeTheta             {@code rope_theta}
 * @param ropeScaling           {@code rope_scaling}, or {@code null}
 * @param maxPositionEmbeddings {@code max_position_embeddings}
 * @param vocabSize             {@code vocab_size}
 * @param tieWordEmbeddings     {@code tie_word_embeddings} (default false for llama/mistral, true otherwise)
 * @param hiddenAct             {@code hidden_act}, or {@code null}
 * @param slidingWindow         {@code sliding_window}, or 0 when absent/null
 * @param attentionBias         {@code attention_bias}
 * @param mlpBias               {@code mlp_bias}
 * @param bosTokenId            BOS id (config, then generation config), or -1
 * @param eosTokenIds           EOS ids from both files, in order of appearance
 * @param padTokenId            PAD id, or -1
 * @param addBosToken           {@code tokenizer_config.add_bos_token}, or {@code null} when unstated
 * @param addEosToken           {@code tokenizer_config.add_eos_token}
 * @param bosToken              {@code tokenizer_config.bos_token} text, or {@code null}
 * @param eosToken              {@code tokenizer_config.eos_token} text, or {@code null}
 * @param raw                   {@code config.json} as parsed, for fields not modelled here
 */
public record HfModelConfig(String modelType, int hiddenSize, int numHiddenLayers, int numAttentionHeads,
                            int numKeyValueHeads, int headDim, int intermediateSize, double rmsNormEps,
                            double ropeTheta, RopeScaling ropeScaling, int maxPositionEmbeddings, int vocabSize,
                            boolean tieWordEmbeddings, String hiddenAct, int slidingWindow, boolean attentionBias,
                            boolean mlpBias, int bosTokenId, List<Integer> eosTokenIds, int padTokenId,
                            Boolean addBosToken, boolean addEosToken, String bosToken, String eosToken,
                            JsonNode raw) {

    public static final String CONFIG = "config.json";
    public static final String GENERATION_CONFIG = "generation_config.json";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads the three files of {@code modelDir} ({@code config.json} is required). */
    public static HfModelConfig load(Path modelDir) throws IOException {
        Path config = modelDir.resolve(CONFIG);
        if (!Files.isRegularFile(config)) {
            throw new NoSuchFileException(config.toString(), null, "model directory has no " + CONFIG);
        }
        return parse(JSON.readTree(config.toFile()), readOptional(modelDir.resolve(GENERATION_CONFIG)),
                readOptional(modelDir.resolve(TOKENIZER_CONFIG)));
    }

    private static JsonNode readOptional(Path file) throws IOException {
        return Files.isRegularFile(file) ? JSON.readTree(file.toFile()) : MissingNode.getInstance();
    }

    /** Builds the config from parsed JSON; pass {@link MissingNode} for absent optional files. */
    public static HfModelConfig parse(JsonNode config, JsonNode generation, JsonNode tokenizerConfig) {
        String modelType = config.path("model_type").asText("");
        int hidden = intOf(config, 0, "hidden_size", "n_embd", "d_model");
        int layers = intOf(config, 0, "num_hidden_layers", "n_layer");
        int heads = intOf(config, 0, "num_attention_heads", "n_head");
        int kvHeads = intOf(config, heads, "num_key_value_heads");
        int headDim = intOf(config, heads > 0 ? hidden / heads : 0, "head_dim");
        int intermediate = intOf(config, 0, "intermediate_size", "n_inner");
        if (intermediate == 0 && config.has("n_embd")) {
            intermediate = 4 * hidden; // GPT-2: n_inner null means 4 * n_embd
        }
        double eps = doubleOf(config, 1e-6, "rms_norm_eps", "layer_norm_epsilon", "layer_norm_eps");
        double theta = doubleOf(config, 10000.0, "rope_theta");
        int maxPos = intOf(config, 0, "max_position_embeddings", "n_positions", "n_ctx");
        int vocab = intOf(config, 0, "vocab_size");
        boolean tieDefault = !(modelType.equals("llama") || modelType.equals("mistral"));
        boolean tie = config.path("tie_word_embeddings").asBoolean(tieDefault);
        String act = config.hasNonNull("hidden_act") ? config.get("hidden_act").asText() : null;
        int slidingWindow = intOf(config, 0, "sliding_window");
        int bos = firstInt(config.get("bos_token_id"), firstInt(generation.get("bos_token_id"), -1));
        int pad = firstInt(config.get("pad_token_id"), firstInt(generation.get("pad_token_id"), -1));
        Set<Integer> eos = new LinkedHashSet<>();
        addInts(config.get("eos_token_id"), eos);
        addInts(generation.get("eos_token_id"), eos);
        Boolean addBos = tokenizerConfig.hasNonNull("add_bos_token")
                ? tokenizerConfig.get("add_bos_token").asBoolean() : null;
        boolean addEos = tokenizerConfig.path("add_eos_token").asBoolean(false);
        return new HfModelConfig(modelType, hidden, layers, heads, kvHeads, headDim, intermediate, eps, theta,
                ropeScaling(config.get("rope_scaling")), maxPos, vocab, tie, act, slidingWindow,
                config.path("attention_bias").asBoolean(false), config.path("mlp_bias").asBoolean(false), bos,
                List.copyOf(eos), pad, addBos, addEos, tokenText(tokenizerConfig.get("bos_token")),
                tokenText(tokenizerConfig.get("eos_token")), config);
    }

    private static RopeScaling ropeScaling(JsonNode node) {
        if (node == null || !node.isObject()) {
            return null;
        }
        Map<String, Object> params = JSON.convertValue(node, new TypeReference<LinkedHashMap<String, Object>>() { });
        String type = node.hasNonNull("rope_type") ? node.get("rope_type").asText()
                : node.path("type").asText("default");
        return new RopeScaling(type, node.path("factor").asDouble(1.0), java.util.Collections.unmodifiableMap(params));
    }

    private static int intOf(JsonNode node, int fallback, String... names) {
        for (String n : names) {
            if (node.hasNonNull(n)) {
                return node.get(n).asInt();
            }
        }
        return fallback;
    }

    private static double doubleOf(JsonNode node, double fallback, String... names) {
        for (String n : names) {
            if (node.hasNonNull(n)) {
                return node.get(n).asDouble();
            }
        }
        return fallback;
    }

    private static int firstInt(JsonNode node, int fallback) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (node.isArray()) {
            return node.size() > 0 ? node.get(0).asInt() : fallback;
        }
        return node.isNumber() ? node.asInt() : fallback;
    }

    private static void addInts(JsonNode node, Set<Integer> out) {
        if (node == null || node.isNull()) {
            return;
        }
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asInt()));
        } else if (node.isNumber()) {
            out.add(node.asInt());
        }
    }

    /** A special-token entry is either a string or an AddedToken object with {@code content}. */
    private static String tokenText(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return node.isObject() ? node.path("content").asText(null) : node.asText();
    }

    /** Query heads per key/value head (1 for plain multi-head attention). */
    public int queryGroups() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /**
     * Throws unless the shape fields a decoder needs are positive and the query heads group evenly onto the key/value
     * heads; the serving engines and the trainer check this before allocating anything.
     */
    public void requireDecoderShape() {
        if (hiddenSize <= 0 || numHiddenLayers <= 0 || numAttentionHeads <= 0 || numKeyValueHeads <= 0
                || headDim <= 0 || intermediateSize <= 0 || vocabSize <= 0) {
            throw new IllegalArgumentException("config.json lacks a positive hidden_size, num_hidden_layers, "
                    + "num_attention_heads, num_key_value_heads, head_dim, intermediate_size or vocab_size");
        }
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numAttentionHeads
                    + " is not a multiple of num_key_value_heads " + numKeyValueHeads);
        }
    }

    /** Throws unless a Llama-family MLP's activation is SiLU (the SwiGLU every supported checkpoint uses). */
    public void requireSiluActivation() {
        if (hiddenAct != null && !hiddenAct.equals("silu")) {
            throw new IllegalArgumentException("hidden_act '" + hiddenAct + "' is not supported (only silu)");
        }
    }
}
