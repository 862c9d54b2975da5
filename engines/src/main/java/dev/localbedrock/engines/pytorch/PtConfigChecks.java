package dev.localbedrock.engines.pytorch;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.localbedrock.engines.ContextTooLongException;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.hf.DType;
import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.SafeTensors;

import java.util.Set;

/**
 * The load-time checks of {@link PtDecoderModel}: which configurations it runs, the per-sequence capacity, the KV pool
 * size and the compute type. Pure configuration logic (no native tensor is created here), kept apart from the
 * forward maths so a new family's checks change one place.
 */
final class PtConfigChecks {
    private static final Set<String> TANH_GELU = Set.of("gelu_new", "gelu_pytorch_tanh", "gelu_fast");

    private PtConfigChecks() {
    }

    /** What {@link #validate} derives from the config beyond the capacity. */
    record Settings(boolean gpt2, boolean exactGelu, boolean scaleAttention, int slidingWindow, double eps) {
    }

    /** float32 on the CPU; on a GPU the checkpoint's F16/BF16 (float32 otherwise). */
    static DataType computeType(SafeTensors st, Device device, String probe) {
        if (!device.isGpu()) {
            return DataType.FLOAT32;
        }
        String name = st.contains(probe) ? probe : st.contains("transformer." + probe) ? "transformer." + probe : null;
        DType t = name == null ? DType.F32 : st.info(name).dtype();
        return t == DType.F16 ? DataType.FLOAT16 : t == DType.BF16 ? DataType.BFLOAT16 : DataType.FLOAT32;
    }

    /** The per-sequence capacity: the option, else {@link EngineOptions#defaultSequenceTokens}, checked. */
    static int capacity(HfModelConfig c, EngineOptions options) {
        if (!PtDecoderModel.MODEL_TYPES.contains(c.modelType())) {
            throw new IllegalArgumentException("model_type '" + c.modelType() + "' is not supported by the pytorch "
                    + "engine (supported: " + String.join(", ", PtDecoderModel.MODEL_TYPES) + ")");
        }
        int maxPos = c.maxPositionEmbeddings();
        int capacity = options.maxSequenceTokens() > 0 ? options.maxSequenceTokens()
                : EngineOptions.defaultSequenceTokens(maxPos);
        long limit = c.modelType().equals("gpt2") ? maxPos : RotaryTables.maxPositions(c);
        if (maxPos > 0 && capacity > limit) {
            String scaled = limit == maxPos ? "" : " x rope_scaling factor " + c.ropeScaling().factor() + " = " + limit;
            throw new ContextTooLongException(capacity, "the model's max_position_embeddings " + maxPos + scaled);
        }
        if (c.modelType().equals("gpt2") && maxPos <= 0) {
            throw new IllegalArgumentException("config.json has no n_positions; GPT-2's learned positions need it");
        }
        return capacity;
    }

    /** Sequences the pool holds: {@code kvCacheTokens / capacity}, at least one. */
    static int slots(HfModelConfig c, EngineOptions options, int capacity, DataType dtype) {
        long perToken = PtKvPool.bytesPerToken(c.numHiddenLayers(), c.numKeyValueHeads(), c.headDim(), dtype);
        long tokens = options.resolveKvCacheTokens(capacity, perToken);
        if (tokens < capacity) {
            throw new IllegalArgumentException("kvCacheTokens " + tokens + " cannot hold one sequence of "
                    + "maxSequenceTokens " + capacity + "; raise kvCacheTokens or lower maxSequenceTokens");
        }
        return (int) Math.min(Integer.MAX_VALUE, tokens / capacity);
    }

    /** Checks the configuration describes a graph this class runs. */
    static Settings validate(HfModelConfig c, int capacity) {
        String type = c.modelType();
        c.requireDecoderShape();
        if (type.equals("gpt2")) {
            String act = c.raw().path("activation_function").asText("gelu_new");
            if (!TANH_GELU.contains(act) && !act.equals("gelu")) {
                throw new IllegalArgumentException("activation_function '" + act + "' is not supported (supported: "
                        + String.join(", ", TANH_GELU) + ", gelu)");
            }
            if (c.raw().path("scale_attn_by_inverse_layer_idx").asBoolean(false)) {
                throw new IllegalArgumentException("scale_attn_by_inverse_layer_idx is not supported");
            }
            if (c.raw().path("add_cross_attention").asBoolean(false)) {
                throw new IllegalArgumentException("add_cross_attention is not supported (decoder-only models)");
            }
            if (c.hiddenSize() != c.numAttentionHeads() * c.headDim()) {
                throw new IllegalArgumentException("n_embd " + c.hiddenSize() + " is not divisible by n_head "
                        + c.numAttentionHeads());
            }
            double eps = c.raw().path("layer_norm_epsilon").asDouble(1e-5);
            return new Settings(true, act.equals("gelu"), c.raw().path("scale_attn_weights").asBoolean(true), 0,
                    eps);
        }
        c.requireSiluActivation();
        RotaryTables.inverseFrequencies(c); // rejects unsupported rope_scaling types and odd head sizes up front
        int window = 0;
        if (type.equals("mistral") && c.slidingWindow() > 0) {
            window = c.slidingWindow(); // respected by the attention mask
        } else if (type.equals("qwen2") && c.raw().path("use_sliding_window").asBoolean(false)
                && c.slidingWindow() > 0 && capacity > c.slidingWindow()) {
            throw new ContextTooLongException(capacity, "sliding_window "
                    + c.slidingWindow() + " and Qwen2's per-layer sliding-window attention (use_sliding_window, "
                    + "max_window_layers) is not implemented; use at most " + c.slidingWindow() + " tokens");
        }
        return new Settings(false, false, true, window, c.rmsNormEps());
    }
}
