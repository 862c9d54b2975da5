package dev.localbedrock.engines.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.RotaryFrequencies;
import dev.localbedrock.engines.hf.SafeTensors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A Llama-family decoder ({@code llama}, {@code mistral}, {@code qwen2}) as trainable tensors with a full-sequence
 * forward pass written for autograd: the checkpoint's weights kept as they are (no norm folding, no fused matrices),
 * no in-place operation on anything in the graph, the maths of {@code transformers}' {@code LlamaModel}:
 * <pre>
 *   x = E[ids]
 *   per layer:  h = rmsnorm(x) ⊙ g₁;  q, k, v = h Wqᵀ (+bq), h Wkᵀ (+bk), h Wvᵀ (+bv)
 *               q, k = rope(q), rope(k)                  (rotate-half, the serving engine's cos/sin)
 *               a = softmax(q kᵀ / √d_h + mask) v       (head h attends KV head h / (heads / kv_heads))
 *               x = x + a Woᵀ (+bo)
 *               h = rmsnorm(x) ⊙ g₂;  x = x + (silu(h Wgᵀ) ⊙ h Wuᵀ) Wdᵀ
 *   logits = (rmsnorm(x) ⊙ g) Hᵀ                        (H = E when tied)
 * </pre>
 * {@code rmsnorm(x) = x / √(mean(x²) + eps)}. Weights are held in one floating type ({@code FLOAT32}, or
 * {@code FLOAT64} for gradient checks) on one device.
 */
final class TrainableLlama {
    static final Set<String> MODEL_TYPES = Set.of("llama", "mistral", "qwen2");

    final HfModelConfig config;
    final DataType dtype;
    final NDArray embed;
    /** The output head; the same tensor as {@link #embed} when tied. */
    final NDArray lmHead;
    final boolean tied;
    final NDArray finalNorm;
    final Layer[] layers;
    /** Every tensor by its checkpoint name (the adapters are not here: they live in the projections). */
    final Map<String, NDArray> checkpointTensors;
    /** Whether the source checkpoint stored {@code lm_head.weight} (so the written one does too). */
    final boolean sourceHasHead;
    /** What the optimizer updates. */
    final List<Parameter> trainable = new ArrayList<>();

    record Layer(NDArray inputNorm, Projection q, Projection k, Projection v, Projection o, NDArray postNorm,
                 Projection gate, Projection up, Projection down) {
        Projection[] projections() {
            return new Projection[] {q, k, v, o, gate, up, down};
        }
    }

    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final double eps;
    private final float[] invFreq;
    private final boolean dynamicRope;
    private final long maxTokens;

    private TrainableLlama(Builder b) {
        this.config = b.c;
        this.dtype = b.dtype;
        this.embed = b.embed;
        this.lmHead = b.lmHead;
        this.tied = b.lmHead == b.embed;
        this.finalNorm = b.finalNorm;
        this.layers = b.layers;
        this.checkpointTensors = b.tensors;
        this.sourceHasHead = b.sourceHasHead;
        this.trainable.addAll(b.trainable);
        this.heads = b.c.numAttentionHeads();
        this.kvHeads = b.c.numKeyValueHeads();
        this.headDim = b.c.headDim();
        this.eps = b.c.rmsNormEps();
        this.invFreq = RotaryFrequencies.inverseFrequencies(b.c);
        this.dynamicRope = b.c.ropeScaling() != null && b.c.ropeScaling().type().equals("dynamic");
        this.maxTokens = maxTokens(b.c);
    }

    /**
     * Loads the checkpoint into {@code model} on {@code device} as {@code dtype}; with {@code method} LORA the
     * checkpoint weights are frozen and adapters (rank {@code rank}, scale {@code alpha / rank}) added to every
     * projection, initialised as PEFT does: {@code A} Kaiming-uniform with {@code a = √5}, i.e.
     * {@code U(−1/√in, 1/√in)}, {@code B} zeros, drawn from {@code seed}.
     */
    static TrainableLlama load(SafeTensors st, HfModelConfig c, NDManager model, Device device, DataType dtype,
                               TrainingSettings s) {
        check(c);
        Builder b = new Builder(st, c, model, device, dtype, s);
        long d = c.hiddenSize();
        long qDim = (long) c.numAttentionHeads() * c.headDim();
        long kvDim = (long) c.numKeyValueHeads() * c.headDim();
        long inter = c.intermediateSize();
        boolean qkvBias = c.modelType().equals("qwen2") || c.attentionBias();
        boolean oBias = c.attentionBias();
        boolean mlpBias = c.mlpBias();
        b.embed = b.tensor("model.embed_tokens.weight", true, c.vocabSize(), d);
        b.finalNorm = b.tensor("model.norm.weight", false, d);
        boolean explicitTie = c.raw() != null && c.raw().path("tie_word_embeddings").asBoolean(false);
        b.sourceHasHead = st.contains("lm_head.weight");
        // as the serving loader: a stored head is used unless the config explicitly ties it
        b.lmHead = b.sourceHasHead && !explicitTie ? b.tensor("lm_head.weight", true, c.vocabSize(), d) : b.embed;
        b.layers = new Layer[c.numHiddenLayers()];
        for (int i = 0; i < b.layers.length; i++) {
            String p = "model.layers." + i + ".";
            String a = p + "self_attn.";
            String m = p + "mlp.";
            b.layers[i] = new Layer(b.tensor(p + "input_layernorm.weight", false, d),
                    b.projection(a + "q_proj", qDim, d, qkvBias), b.projection(a + "k_proj", kvDim, d, qkvBias),
                    b.projection(a + "v_proj", kvDim, d, qkvBias), b.projection(a + "o_proj", d, qDim, oBias),
                    b.tensor(p + "post_attention_layernorm.weight", false, d),
                    b.projection(m + "gate_proj", inter, d, mlpBias), b.projection(m + "up_proj", inter, d, mlpBias),
                    b.projection(m + "down_proj", d, inter, mlpBias));
        }
        return new TrainableLlama(b);
    }

    /** Rejects what this forward does not compute, before any weight loads. */
    static void check(HfModelConfig c) {
        if (c.modelType().equals("gpt2")) {
            throw new IllegalArgumentException("model_type 'gpt2' cannot be fine-tuned yet (supported: "
                    + String.join(", ", MODEL_TYPES) + ")");
        }
        if (!MODEL_TYPES.contains(c.modelType())) {
            throw new IllegalArgumentException("model_type '" + c.modelType() + "' cannot be fine-tuned (supported: "
                    + String.join(", ", MODEL_TYPES) + ")");
        }
        c.requireDecoderShape();
        c.requireSiluActivation();
        RotaryFrequencies.inverseFrequencies(c); // rejects unknown rope_scaling types and odd head sizes
    }

    /**
     * The longest sequence trained: the rotary limit ({@code max_position_embeddings}, times the factor for
     * {@code linear}/{@code dynamic} scaling, as the serving engine allows), and no longer than a Mistral/Qwen2
     * sliding window, which this full-attention forward does not apply.
     */
    private static long maxTokens(HfModelConfig c) {
        long max = c.maxPositionEmbeddings() > 0 ? c.maxPositionEmbeddings() : Long.MAX_VALUE;
        String type = RotaryFrequencies.type(c);
        if ((type.equals("linear") || type.equals("dynamic")) && c.ropeScaling().factor() > 1 && max != Long.MAX_VALUE) {
            max = (long) Math.floor(max * c.ropeScaling().factor());
        }
        boolean window = c.modelType().equals("mistral")
                || c.raw() != null && c.raw().path("use_sliding_window").asBoolean(false);
        if (window && c.slidingWindow() > 0) {
            max = Math.min(max, c.slidingWindow());
        }
        return max;
    }

    long maxTokens() {
        return maxTokens;
    }

    /**
     * Mean cross-entropy per output token of {@code batch}, a scalar in the graph when autograd is on. Every tensor
     * this creates joins {@code sm} (the activations are always the first operand).
     */
    NDArray loss(Batch batch, NDManager sm) {
        int bsz = batch.rows();
        int t = batch.width();
        long hidden = config.hiddenSize();
        NDArray ids = sm.create(batch.ids(), new Shape(bsz, t));
        NDArray x = JniUtils.embedding((PtNDArray) ids, (PtNDArray) embed, false); // [B, T, D]
        NDArray mask = typed(sm.create(batch.additiveMask(), new Shape(bsz, 1, t, t)));
        NDArray[] rope = ropeTables(t, sm);
        for (Layer l : layers) {
            NDArray h = rmsNorm(x, l.inputNorm());
            NDArray attn = attention(l, h, rope[0], rope[1], mask, bsz, t);
            x = x.add(l.o().apply(attn));
            NDArray h2 = rmsNorm(x, l.postNorm());
            NDArray gate = l.gate().apply(h2);
            NDArray act = gate.mul(JniUtils.sigmoid((PtNDArray) gate)).mul(l.up().apply(h2));
            x = x.add(l.down().apply(act));
        }
        // only the positions that predict an output token go through the final norm and the head
        NDArray flat = x.reshape(bsz * (long) t, hidden);
        NDArray rows = JniUtils.embedding((PtNDArray) sm.create(batch.lossRows()), (PtNDArray) flat, false);
        NDArray logits = JniUtils.linear((PtNDArray) rmsNorm(rows, finalNorm), (PtNDArray) lmHead, null);
        NDArray logp = logits.logSoftmax(1);
        NDArray targets = sm.create(batch.targets(), new Shape(batch.targets().length, 1));
        return logp.gather(targets, 1).mean().neg();
    }

    private NDArray attention(Layer l, NDArray h, NDArray cos, NDArray sin, NDArray mask, int bsz, int t) {
        int groups = heads / kvHeads;
        NDArray q = l.q().apply(h).reshape(bsz, t, heads, headDim).transpose(0, 2, 1, 3);   // [B, H, T, hd]
        NDArray k = l.k().apply(h).reshape(bsz, t, kvHeads, headDim).transpose(0, 2, 1, 3); // [B, KV, T, hd]
        NDArray v = l.v().apply(h).reshape(bsz, t, kvHeads, headDim).transpose(0, 2, 1, 3);
        q = rotate(q, cos, sin);
        k = rotate(k, cos, sin);
        if (groups > 1) { // transformers' repeat_kv: head h uses KV head h / groups
            k = k.expandDims(2).broadcast(new Shape(bsz, kvHeads, groups, t, headDim)).reshape(bsz, heads, t, headDim);
            v = v.expandDims(2).broadcast(new Shape(bsz, kvHeads, groups, t, headDim)).reshape(bsz, heads, t, headDim);
        }
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(1.0 / Math.sqrt(headDim)).add(mask);
        return scores.softmax(3).matMul(v).transpose(0, 2, 1, 3).reshape(bsz, t, (long) heads * headDim);
    }

    /** {@code x · cos + rotate_half(x) · sin} with {@code rotate_half(x) = cat(−x₂, x₁)} over the last axis. */
    private NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        NDList halves = x.split(2, 3);
        NDArray rotated = NDArrays.concat(new NDList(halves.get(1).neg(), halves.get(0)), 3);
        return x.mul(cos).add(rotated.mul(sin));
    }

    /**
     * Cos/sin rows {@code [T, hd]} for positions {@code [0, T)} in the serving engine's float32 arithmetic
     * ({@link RotaryFrequencies}); with dynamic NTK scaling row {@code p} uses the frequencies for a context of
     * {@code max(p + 1, max_position_embeddings)} tokens, as the serving engine's tables do.
     */
    private NDArray[] ropeTables(int t, NDManager sm) {
        float[] cos = new float[t * headDim];
        float[] sin = new float[t * headDim];
        float[] freq = invFreq;
        for (int p = 0; p < t; p++) {
            if (dynamicRope && p + 1 > config.maxPositionEmbeddings()) {
                freq = RotaryFrequencies.dynamicInverseFrequencies(config, p + 1);
            }
            RotaryFrequencies.writeRow(freq, p, cos, sin, p * headDim, true);
        }
        return new NDArray[] {typed(sm.create(cos, new Shape(t, headDim))), typed(sm.create(sin, new Shape(t, headDim)))};
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        int last = x.getShape().dimension() - 1;
        NDArray rms = x.square().mean(new int[] {last}, true).add(eps).sqrt();
        return x.div(rms).mul(weight);
    }

    private NDArray typed(NDArray a) {
        return a.getDataType() == dtype ? a : a.toType(dtype, false);
    }

    /** Reads tensors as {@code dtype} on the device and registers what trains. */
    private static final class Builder {
        final SafeTensors st;
        final HfModelConfig c;
        final NDManager model;
        final Device device;
        final DataType dtype;
        final TrainingSettings s;
        final Map<String, NDArray> tensors = new LinkedHashMap<>();
        final List<Parameter> trainable = new ArrayList<>();
        NDArray embed;
        NDArray lmHead;
        NDArray finalNorm;
        Layer[] layers;
        boolean sourceHasHead;

        Builder(SafeTensors st, HfModelConfig c, NDManager model, Device device, DataType dtype, TrainingSettings s) {
            this.st = st;
            this.c = c;
            this.model = model;
            this.device = device;
            this.dtype = dtype;
            this.s = s;
        }

        boolean full() {
            return s.method() == FineTuning.FULL;
        }

        /** A checkpoint tensor; trainable under FULL ({@code decay} for matrices, not for norms and biases). */
        NDArray tensor(String name, boolean decay, long... shape) {
            float[] data = st.floats(name, shape);
            NDArray a = place(model.create(data, new Shape(shape)));
            tensors.put(name, a);
            if (full()) {
                a.setRequiresGradient(true);
                trainable.add(new Parameter(name, a, decay));
            }
            return a;
        }

        Projection projection(String name, long out, long in, boolean bias) {
            if (!bias && st.contains(name + ".bias")) {
                throw new IllegalArgumentException("tensor '" + name + ".bias' is a bias the config does not declare "
                        + "(set attention_bias / mlp_bias in config.json if the checkpoint really has biases)");
            }
            NDArray w = tensor(name + ".weight", true, out, in);
            NDArray b = bias ? tensor(name + ".bias", false, out) : null;
            if (full()) {
                return new Projection(name, w, b, null, null, 0);
            }
            int r = s.loraRank();
            double bound = 1 / Math.sqrt(in); // kaiming_uniform_(a=√5): gain √(2/6) · √(3/in) = 1/√in
            SplittableRandom rnd = new SplittableRandom(s.seed() ^ (name.hashCode() * 0x9E3779B97F4A7C15L));
            float[] a = new float[Math.toIntExact(r * in)];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
            }
            NDArray loraA = place(model.create(a, new Shape(r, in)));
            NDArray loraB = place(model.zeros(new Shape(out, r), DataType.FLOAT32));
            loraA.setRequiresGradient(true);
            loraB.setRequiresGradient(true);
            trainable.add(new Parameter(name + ".lora_A.weight", loraA, true));
            trainable.add(new Parameter(name + ".lora_B.weight", loraB, true));
            return new Projection(name, w, b, loraA, loraB, s.loraAlpha() / r);
        }

        /** {@code a} (a CPU float32 tensor of {@code model}) as an owned {@code dtype} tensor on the device. */
        NDArray place(NDArray a) {
            NDArray typed = dtype == DataType.FLOAT32 ? a : a.toType(dtype, false);
            NDArray placed = typed.toDevice(device, false);
            if (placed != a) {
                placed.attach(model);
                a.close();
            }
            if (typed != a && typed != placed) {
                typed.close();
            }
            return placed;
        }
    }
}
