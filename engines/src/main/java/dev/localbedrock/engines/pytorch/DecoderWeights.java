package dev.localbedrock.engines.pytorch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.SafeTensors;
import dev.localbedrock.engines.hf.TensorInfo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A decoder checkpoint's weights, rearranged once at load so each step needs as few operations as possible.
 *
 * <p>Every projection is used as {@code linear(x, W, b) = x · Wᵀ + b} (one fused {@code addmm}) with {@code W} a
 * transposed view of a contiguous {@code [in, out]} matrix, so the GEMM reads the weight without a transpose flag
 * (measured equal to or faster than the checkpoint's {@code [out, in]} layout at batch 1–32). Q, K and V are fused into
 * one matrix and, for Llama, gate/up into another (one GEMM plus views instead of three or two).
 *
 * <p>Llama family ({@code llama}, {@code mistral}, {@code qwen2}): the RMSNorm weights of the attention and MLP inputs
 * are folded into the rows of the following matrix ({@code (x̂ ⊙ g) · W = x̂ · (diag(g) W)}) and the attention scale
 * {@code 1/√head_dim} into the Q columns and Q bias; both exact up to float rounding. Biases are loaded exactly when
 * the architecture or config declares them (Qwen2's Q/K/V biases, {@code attention_bias}, {@code mlp_bias}); a bias in
 * the checkpoint that the config does not declare is an error rather than silently ignored.
 *
 * <p>GPT-2: {@code Conv1D} weights are already {@code [in, out]}; LayerNorm keeps its weight and bias (one native
 * {@code layer_norm} each); the attention scale is folded into the Q columns and bias; the output head is {@code wte}.
 *
 * <p>The output head keeps the {@code [vocab, hidden]} layout because the step computes {@code E · xᵀ} (the weight
 * as left operand reads it faster, see engine-facts.md) and a tied head shares the embedding table. Source bytes are
 * memory-mapped and wrapped as tensors without a Java copy; F16/BF16/F64 are converted to float32 for the folding, then
 * every kept tensor is an owned contiguous copy in the compute type on the target device, attached to the model's
 * manager.
 */
final class DecoderWeights {
    /** {@code [vocab, hidden]}: row lookup for token embeddings. */
    final NDArray embedTokens;
    /** {@code [positions, hidden]}: learned position embeddings (GPT-2), or {@code null} for rotary models. */
    final NDArray positionEmbeddings;
    /** {@code [vocab, hidden]}: output head, {@code logits = lmHead · xᵀ}; the same tensor as embedTokens when tied. */
    final NDArray lmHead;
    /** {@code [hidden]}: final norm weight. */
    final NDArray finalNorm;
    /** {@code [hidden]}: final LayerNorm bias (GPT-2), else {@code null}. */
    final NDArray finalNormBias;
    /** One entry per layer. */
    final Layer[] layers;

    /**
     * One block's tensors. Matrices are {@code [out, in]} views for {@code linear}; biases {@code [out]} or
     * {@code null}.
     *
     * @param qkv      {@code [(heads + 2 kvHeads) · headDim, hidden]}, Q rows scaled by {@code 1/√headDim}
     * @param qkvBias  {@code [(heads + 2 kvHeads) · headDim]} or null
     * @param o        {@code [hidden, heads · headDim]}
     * @param oBias    {@code [hidden]} or null
     * @param up       Llama: {@code [2 · intermediate, hidden]} gate rows then up rows; GPT-2: {@code c_fc}
     * @param upBias   {@code [2 · intermediate]} / {@code [intermediate]} or null
     * @param down     {@code [hidden, intermediate]}
     * @param downBias {@code [hidden]} or null
     * @param norm1    GPT-2 {@code ln_1.weight}; null for Llama (folded)
     * @param norm1b   GPT-2 {@code ln_1.bias}
     * @param norm2    GPT-2 {@code ln_2.weight}; null for Llama (folded)
     * @param norm2b   GPT-2 {@code ln_2.bias}
     */
    record Layer(NDArray qkv, NDArray qkvBias, NDArray o, NDArray oBias, NDArray up, NDArray upBias, NDArray down,
                 NDArray downBias, NDArray norm1, NDArray norm1b, NDArray norm2, NDArray norm2b) {
    }

    private DecoderWeights(NDArray embedTokens, NDArray positionEmbeddings, NDArray lmHead, NDArray finalNorm,
                           NDArray finalNormBias, Layer[] layers) {
        this.embedTokens = embedTokens;
        this.positionEmbeddings = positionEmbeddings;
        this.lmHead = lmHead;
        this.finalNorm = finalNorm;
        this.finalNormBias = finalNormBias;
        this.layers = layers;
    }

    /** Loads a {@code llama}, {@code mistral} or {@code qwen2} checkpoint; the tensors belong to {@code model}. */
    static DecoderWeights llama(SafeTensors st, HfModelConfig c, NDManager model, Device device, DataType compute) {
        long d = c.hiddenSize();
        long hd = c.headDim();
        long qDim = (long) c.numAttentionHeads() * hd;
        long kvDim = (long) c.numKeyValueHeads() * hd;
        long inter = c.intermediateSize();
        long vocab = c.vocabSize();
        int layers = c.numHiddenLayers();
        float attnScale = (float) (1.0 / Math.sqrt(hd));
        boolean qkvBias = c.modelType().equals("qwen2") || c.attentionBias();
        boolean oBias = c.attentionBias();
        boolean mlpBias = c.mlpBias();

        Layer[] out = new Layer[layers];
        NDArray embed;
        NDArray lmHead;
        NDArray norm;
        try (NDManager staging = model.newSubManager(Device.cpu())) {
            Loader l = new Loader(st, staging, model, device, compute);
            embed = l.keep(l.f32("model.embed_tokens.weight", vocab, d));
            norm = l.keep(l.f32("model.norm.weight", d));
            lmHead = untiedHead(st, c) ? l.keep(l.f32("lm_head.weight", vocab, d)) : embed;
        }
        for (int i = 0; i < layers; i++) {
            // one staging manager per layer, so host memory for conversions is released layer by layer
            try (NDManager staging = model.newSubManager(Device.cpu())) {
                Loader l = new Loader(st, staging, model, device, compute);
                String p = "model.layers." + i + ".";
                String a = p + "self_attn.";
                String m = p + "mlp.";
                l.rejectUndeclared(qkvBias, a + "q_proj.bias", a + "k_proj.bias", a + "v_proj.bias");
                l.rejectUndeclared(oBias, a + "o_proj.bias");
                l.rejectUndeclared(mlpBias, m + "gate_proj.bias", m + "up_proj.bias", m + "down_proj.bias");

                NDArray inNorm = l.f32(p + "input_layernorm.weight", d).reshape(1, d);
                NDArray q = l.f32(a + "q_proj.weight", qDim, d).mul(attnScale);
                NDArray k = l.f32(a + "k_proj.weight", kvDim, d);
                NDArray v = l.f32(a + "v_proj.weight", kvDim, d);
                NDArray qkv = l.linearWeight(NDArrays.concat(new NDList(q, k, v), 0).mul(inNorm));
                NDArray qkvB = null;
                if (qkvBias) {
                    NDArray qb = l.f32(a + "q_proj.bias", qDim).mul(attnScale);
                    qkvB = l.keep(NDArrays.concat(new NDList(qb, l.f32(a + "k_proj.bias", kvDim),
                            l.f32(a + "v_proj.bias", kvDim)), 0));
                }
                NDArray o = l.linearWeight(l.f32(a + "o_proj.weight", d, qDim));
                NDArray oB = oBias ? l.keep(l.f32(a + "o_proj.bias", d)) : null;

                NDArray postNorm = l.f32(p + "post_attention_layernorm.weight", d).reshape(1, d);
                NDArray gate = l.f32(m + "gate_proj.weight", inter, d);
                NDArray up = l.f32(m + "up_proj.weight", inter, d);
                NDArray gateUp = l.linearWeight(NDArrays.concat(new NDList(gate, up), 0).mul(postNorm));
                NDArray gateUpB = mlpBias ? l.keep(NDArrays.concat(new NDList(l.f32(m + "gate_proj.bias", inter),
                        l.f32(m + "up_proj.bias", inter)), 0)) : null;
                NDArray down = l.linearWeight(l.f32(m + "down_proj.weight", d, inter));
                NDArray downB = mlpBias ? l.keep(l.f32(m + "down_proj.bias", d)) : null;
                out[i] = new Layer(qkv, qkvB, o, oB, gateUp, gateUpB, down, downB, null, null, null, null);
            }
        }
        return new DecoderWeights(embed, null, lmHead, norm, null, out);
    }

    /** Loads a {@code gpt2} checkpoint (with or without the {@code transformer.} prefix). */
    static DecoderWeights gpt2(SafeTensors st, HfModelConfig c, NDManager model, Device device, DataType compute,
                               boolean scaleAttention) {
        String prefix = st.contains("transformer.wte.weight") ? "transformer." : "";
        long d = c.hiddenSize();
        long inter = c.intermediateSize();
        long vocab = c.vocabSize();
        long positions = c.maxPositionEmbeddings();
        float attnScale = scaleAttention ? (float) (1.0 / Math.sqrt(c.headDim())) : 1f;
        Layer[] out = new Layer[c.numHiddenLayers()];
        NDArray wte;
        NDArray wpe;
        NDArray lnf;
        NDArray lnfB;
        NDArray lmHead;
        try (NDManager staging = model.newSubManager(Device.cpu())) {
            Loader l = new Loader(st, staging, model, device, compute);
            wte = l.keep(l.f32(prefix + "wte.weight", vocab, d));
            wpe = l.keep(l.f32(prefix + "wpe.weight", positions, d));
            lnf = l.keep(l.f32(prefix + "ln_f.weight", d));
            lnfB = l.keep(l.f32(prefix + "ln_f.bias", d));
            lmHead = untiedHead(st, c) ? l.keep(l.f32("lm_head.weight", vocab, d)) : wte;
        }
        for (int i = 0; i < out.length; i++) {
            try (NDManager staging = model.newSubManager(Device.cpu())) {
                Loader l = new Loader(st, staging, model, device, compute);
                String p = prefix + "h." + i + ".";
                // Conv1D: y = x · W + b with W [in, out]; scale the Q columns (the first d outputs)
                NDArray scale = staging.ones(new Shape(3 * d));
                if (attnScale != 1f) {
                    scale = NDArrays.concat(new NDList(staging.full(new Shape(d), attnScale), staging.ones(
                            new Shape(2 * d))), 0);
                }
                NDArray attnW = l.f32(p + "attn.c_attn.weight", d, 3 * d).mul(scale.reshape(1, 3 * d));
                NDArray attnB = l.f32(p + "attn.c_attn.bias", 3 * d).mul(scale);
                out[i] = new Layer(
                        l.conv1dWeight(attnW), l.keep(attnB),
                        l.conv1dWeight(l.f32(p + "attn.c_proj.weight", d, d)), l.keep(l.f32(p + "attn.c_proj.bias", d)),
                        l.conv1dWeight(l.f32(p + "mlp.c_fc.weight", d, inter)),
                        l.keep(l.f32(p + "mlp.c_fc.bias", inter)),
                        l.conv1dWeight(l.f32(p + "mlp.c_proj.weight", inter, d)),
                        l.keep(l.f32(p + "mlp.c_proj.bias", d)),
                        l.keep(l.f32(p + "ln_1.weight", d)), l.keep(l.f32(p + "ln_1.bias", d)),
                        l.keep(l.f32(p + "ln_2.weight", d)), l.keep(l.f32(p + "ln_2.bias", d)));
            }
        }
        return new DecoderWeights(wte, wpe, lmHead, lnf, lnfB, out);
    }

    /**
     * Whether the output head is its own tensor: {@code lm_head.weight} is present and the config does not say
     * explicitly that the head is tied (then {@code transformers} ties it to the embeddings).
     */
    private static boolean untiedHead(SafeTensors st, HfModelConfig c) {
        boolean explicitTie = c.raw() != null && c.raw().path("tie_word_embeddings").asBoolean(false);
        return st.contains("lm_head.weight") && !explicitTie;
    }

    /** Reads tensors into a staging manager and hands owned copies to the model. */
    private record Loader(SafeTensors st, NDManager staging, NDManager model, Device device, DataType compute,
                          List<ByteBuffer> pinned) {

        Loader(SafeTensors st, NDManager staging, NDManager model, Device device, DataType compute) {
            this(st, staging, model, device, compute, new ArrayList<>());
        }

        /** The named tensor as float32 on the CPU, after checking its shape; may alias the mapped file. */
        NDArray f32(String name, long... shape) {
            TensorInfo t = st.info(name);
            t.requireShape(shape);
            DataType type = switch (t.dtype()) {
                case F32 -> DataType.FLOAT32;
                case F16 -> DataType.FLOAT16;
                case BF16 -> DataType.BFLOAT16;
                case F64 -> DataType.FLOAT64;
                default -> throw new IllegalArgumentException("tensor '" + name + "' has dtype " + t.dtype()
                        + "; weights must be F32, F16, BF16 or F64");
            };
            if (type == DataType.BFLOAT16) {
                // DJL 0.36 cannot wrap BF16 bytes (its native type mapping aborts the process): widen in Java
                return staging.create(widenBf16(st.buffer(name)), new Shape(shape), DataType.FLOAT32);
            }
            NDArray raw = staging.create(st.buffer(name), new Shape(shape), type);
            return type == DataType.FLOAT32 ? raw : raw.toType(DataType.FLOAT32, false);
        }

        /**
         * bfloat16 bytes to a direct native-order float32 buffer (exact: a bf16 is the upper half of a float32). The
         * tensor created over it aliases the buffer, so it is held until the staging manager copies and closes.
         */
        private ByteBuffer widenBf16(ByteBuffer bf16) {
            ShortBuffer in = bf16.order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
            ByteBuffer out = ByteBuffer.allocateDirect(Math.multiplyExact(in.remaining(), 4))
                    .order(ByteOrder.nativeOrder());
            IntBuffer bits = out.asIntBuffer();
            for (int i = 0, n = in.remaining(); i < n; i++) {
                bits.put(i, (in.get(i) & 0xFFFF) << 16);
            }
            pinned.add(out);
            return out;
        }

        /**
         * An owned, contiguous copy of {@code a} in the compute type on the model's device, attached to the model
         * manager. The copy matters: {@code a} may be a strided view, or alias the memory-mapped file, which must not
         * outlive loading.
         */
        NDArray keep(NDArray a) {
            NDArray contiguous = a.flatten().reshape(a.getShape());
            NDArray owned = contiguous.duplicate();
            NDArray typed = compute == DataType.FLOAT32 ? owned : owned.toType(compute, false);
            NDArray placed = typed.toDevice(device, false);
            placed.attach(model);
            return placed;
        }

        /** A checkpoint {@code [out, in]} matrix as the {@code [out, in]} view of a contiguous {@code [in, out]}. */
        NDArray linearWeight(NDArray outIn) {
            return view(keep(outIn.transpose()));
        }

        /** A {@code Conv1D} {@code [in, out]} matrix as the {@code [out, in]} view of its contiguous copy. */
        NDArray conv1dWeight(NDArray inOut) {
            return view(keep(inOut));
        }

        private NDArray view(NDArray inOut) {
            NDArray v = inOut.transpose();
            v.attach(model);
            return v;
        }

        /** Fails naming the first of {@code names} present when the config does not declare those biases. */
        void rejectUndeclared(boolean declared, String... names) {
            for (String n : names) {
                if (declared && !st.contains(n)) {
                    st.info(n); // throws, naming the missing tensor
                }
                if (!declared && st.contains(n)) {
                    throw new IllegalArgumentException("tensor '" + n + "' is a bias the config does not declare "
                            + "(set attention_bias / mlp_bias in config.json if the checkpoint really has biases)");
                }
            }
        }
    }
}
