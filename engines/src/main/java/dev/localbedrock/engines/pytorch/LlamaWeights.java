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

/**
 * A Llama checkpoint's weights, rearranged once at load so each decode step needs as few operations as possible.
 *
 * <p>Every projection is stored transposed ({@code [in, out]}, contiguous) so the step computes {@code x · W} with the
 * activation as the left operand. Q, K and V are fused into one matrix and gate/up into another (one matmul plus a
 * split each instead of three or two). The RMSNorm weights of the attention and MLP inputs are folded into the rows of
 * the following matrix ({@code (x̂ ⊙ g) · W = x̂ · (diag(g) W)}) and the attention scale {@code 1/√head_dim} into the Q
 * columns; both are exact up to float rounding. The output head keeps the checkpoint's {@code [vocab, hidden]} layout
 * because the step computes {@code E · xᵀ} (the weight as left operand reads it faster, see engine-facts.md) and
 * because a tied head shares the embedding table.
 *
 * <p>Source bytes are memory-mapped and wrapped as tensors without a Java copy; F16/BF16 are converted by libtorch.
 * Every kept tensor is an owned contiguous copy on the target device, attached to the model's manager.
 */
final class LlamaWeights {
    /** {@code [vocab, hidden]}: row lookup for token embeddings. */
    final NDArray embedTokens;
    /** {@code [vocab, hidden]}: output head, {@code logits = lmHead · xᵀ}; the same tensor as embedTokens when tied. */
    final NDArray lmHead;
    /** {@code [hidden]}: final RMSNorm weight. */
    final NDArray finalNorm;
    /** Per layer {@code [hidden, (heads + 2 kvHeads) · headDim]}: input norm and 1/√headDim folded in. */
    final NDArray[] qkv;
    /** Per layer {@code [heads · headDim, hidden]}. */
    final NDArray[] o;
    /** Per layer {@code [hidden, 2 · intermediate]}: gate columns first, then up; post-attention norm folded in. */
    final NDArray[] gateUp;
    /** Per layer {@code [intermediate, hidden]}. */
    final NDArray[] down;

    private LlamaWeights(NDArray embedTokens, NDArray lmHead, NDArray finalNorm, NDArray[] qkv, NDArray[] o,
                         NDArray[] gateUp, NDArray[] down) {
        this.embedTokens = embedTokens;
        this.lmHead = lmHead;
        this.finalNorm = finalNorm;
        this.qkv = qkv;
        this.o = o;
        this.gateUp = gateUp;
        this.down = down;
    }

    /** Loads and rearranges every weight; the returned tensors belong to {@code model}. */
    static LlamaWeights load(SafeTensors st, HfModelConfig c, NDManager model, Device device) {
        long d = c.hiddenSize();
        long hd = c.headDim();
        long qDim = (long) c.numAttentionHeads() * hd;
        long kvDim = (long) c.numKeyValueHeads() * hd;
        long inter = c.intermediateSize();
        long vocab = c.vocabSize();
        int layers = c.numHiddenLayers();
        float attnScale = (float) (1.0 / Math.sqrt(hd));

        NDArray[] qkv = new NDArray[layers];
        NDArray[] o = new NDArray[layers];
        NDArray[] gateUp = new NDArray[layers];
        NDArray[] down = new NDArray[layers];
        NDArray embed;
        NDArray lmHead;
        NDArray norm;
        try (NDManager staging = model.newSubManager(Device.cpu())) {
            Loader l = new Loader(st, staging, model, device);
            embed = l.keep(l.f32("model.embed_tokens.weight", vocab, d));
            norm = l.keep(l.f32("model.norm.weight", d));
            boolean tied = c.tieWordEmbeddings() || !st.contains("lm_head.weight");
            lmHead = tied ? embed : l.keep(l.f32("lm_head.weight", vocab, d));
        }
        for (int i = 0; i < layers; i++) {
            // one staging manager per layer, so host memory for conversions is released layer by layer
            try (NDManager staging = model.newSubManager(Device.cpu())) {
                Loader l = new Loader(st, staging, model, device);
                String p = "model.layers." + i + ".";
                l.rejectBias(p + "self_attn.q_proj.bias", p + "self_attn.k_proj.bias", p + "self_attn.v_proj.bias",
                        p + "self_attn.o_proj.bias", p + "mlp.gate_proj.bias", p + "mlp.up_proj.bias",
                        p + "mlp.down_proj.bias");
                NDArray inNorm = l.f32(p + "input_layernorm.weight", d).reshape(1, d);
                NDArray q = l.f32(p + "self_attn.q_proj.weight", qDim, d).mul(attnScale);
                NDArray k = l.f32(p + "self_attn.k_proj.weight", kvDim, d);
                NDArray v = l.f32(p + "self_attn.v_proj.weight", kvDim, d);
                qkv[i] = l.keep(NDArrays.concat(new NDList(q, k, v), 0).mul(inNorm).transpose());
                o[i] = l.keep(l.f32(p + "self_attn.o_proj.weight", d, qDim).transpose());
                NDArray postNorm = l.f32(p + "post_attention_layernorm.weight", d).reshape(1, d);
                NDArray gate = l.f32(p + "mlp.gate_proj.weight", inter, d);
                NDArray up = l.f32(p + "mlp.up_proj.weight", inter, d);
                gateUp[i] = l.keep(NDArrays.concat(new NDList(gate, up), 0).mul(postNorm).transpose());
                down[i] = l.keep(l.f32(p + "mlp.down_proj.weight", d, inter).transpose());
            }
        }
        return new LlamaWeights(embed, lmHead, norm, qkv, o, gateUp, down);
    }

    /** Reads tensors into a staging manager and hands owned copies to the model. */
    private record Loader(SafeTensors st, NDManager staging, NDManager model, Device device) {

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
            NDArray raw = staging.create(st.buffer(name), new Shape(shape), type);
            return type == DataType.FLOAT32 ? raw : raw.toType(DataType.FLOAT32, false);
        }

        /**
         * An owned, contiguous copy of {@code a} on the model's device, attached to the model manager. The copy
         * matters: {@code a} may be a strided view, or alias the memory-mapped file, which must not outlive loading.
         */
        NDArray keep(NDArray a) {
            NDArray contiguous = a.flatten().reshape(a.getShape());
            NDArray owned = contiguous.duplicate();
            NDArray placed = owned.toDevice(device, false);
            placed.attach(model);
            return placed;
        }

        void rejectBias(String... names) {
            for (String n : names) {
                if (st.contains(n)) {
                    throw new IllegalArgumentException("tensor '" + n
                            + "' is a projection bias; biased Llama variants are not supported yet");
                }
            }
        }
    }
}
