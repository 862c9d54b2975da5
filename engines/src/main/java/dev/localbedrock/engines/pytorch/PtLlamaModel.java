package dev.localbedrock.engines.pytorch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.ModelInfo;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.TextTokenizer;
import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.SafeTensors;
import dev.localbedrock.engines.tokenizer.HfTextTokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Llama-architecture decoder (also Mistral, the same graph) run eagerly on libtorch through DJL NDArrays, in
 * float32.
 *
 * <p>Per layer: RMSNorm, fused Q/K/V projection, rotary embeddings (rotate-half, via a constant {@code [hd, hd]}
 * matrix so it costs one matmul instead of slicing and concatenating), grouped-query attention against the sequence's
 * preallocated KV cache (causal mask inside a multi-token chunk), output projection, residual, RMSNorm, SwiGLU MLP,
 * residual. Then the final norm and the output head, for the last new position only. See {@link LlamaWeights} for the
 * load-time folding that keeps the op count low.
 *
 * <p>Memory: weights, rotary tables and constants belong to the model's manager; each KV cache to a sub-manager of it;
 * each row of a {@link #forward} runs inside its own sub-manager that is closed before the next row, so a step leaves no
 * native allocation behind. Rows currently run one after another (identical results to running each alone); true
 * multi-row batching with masks is a later change behind the same method.
 */
public final class PtLlamaModel implements DecoderModel {
    /** {@code model_type} values this class runs. */
    public static final Set<String> MODEL_TYPES = Collections.unmodifiableSet(new LinkedHashSet<>(
            List.of("llama", "mistral")));
    /** Capacity used when neither the options nor a smaller {@code max_position_embeddings} say otherwise. */
    public static final int DEFAULT_MAX_SEQUENCE_TOKENS = 2048;

    private static final Logger log = LoggerFactory.getLogger(PtLlamaModel.class);
    private static final int[] LAST_AXIS_2D = {1};

    private final HfModelConfig config;
    private final Device device;
    private final NDManager manager;
    private final LlamaWeights w;
    /** {@code [capacity, headDim]} rotary cos/sin tables. */
    private final NDArray cos;
    private final NDArray sin;
    /** {@code [headDim, headDim]}: {@code x · R = rotate_half(x) = cat(-x2, x1)}. */
    private final NDArray rotateHalf;
    /** Scalar RMSNorm epsilon, kept as a tensor so adding it does not create one per call. */
    private final NDArray eps;
    private final HfTextTokenizer tokenizer;
    private final ModelInfo info;
    private final int capacity;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int groups;
    private final int intermediate;
    private final int vocab;
    private boolean closed;

    private PtLlamaModel(HfModelConfig config, Device device, NDManager manager, LlamaWeights w, RotaryTables rope,
                         HfTextTokenizer tokenizer, int capacity) {
        this.config = config;
        this.device = device;
        this.manager = manager;
        this.w = w;
        this.tokenizer = tokenizer;
        this.capacity = capacity;
        this.layers = config.numHiddenLayers();
        this.heads = config.numAttentionHeads();
        this.kvHeads = config.numKeyValueHeads();
        this.headDim = config.headDim();
        this.groups = heads / kvHeads;
        this.intermediate = config.intermediateSize();
        this.vocab = config.vocabSize();
        this.cos = manager.create(rope.cos, new Shape(rope.positions, rope.dim));
        this.sin = manager.create(rope.sin, new Shape(rope.positions, rope.dim));
        this.rotateHalf = manager.create(rotateHalfMatrix(headDim), new Shape(headDim, headDim));
        this.eps = manager.create((float) config.rmsNormEps());
        Set<Integer> eos = new LinkedHashSet<>(config.eosTokenIds());
        this.info = new ModelInfo(config.modelType(), vocab, capacity, tokenizer.bosTokenId(),
                Collections.unmodifiableSet(eos), tokenizer.addsBos());
    }

    /**
     * Loads {@code modelDir} ({@code config.json}, safetensors weights, {@code tokenizer.json}) onto {@code device}
     * ({@code cpu}, {@code cuda}, {@code cuda:N}).
     *
     * @throws IllegalArgumentException for an unsupported configuration, a missing tensor or a shape mismatch
     */
    public static PtLlamaModel load(Path modelDir, String device, EngineOptions options) throws IOException {
        return load(modelDir, HfModelConfig.load(modelDir), device, options);
    }

    /** {@link #load(Path, String, EngineOptions)} with an already parsed configuration. */
    public static PtLlamaModel load(Path modelDir, HfModelConfig config, String device, EngineOptions options)
            throws IOException {
        int capacity = validate(config, options);
        Device dev = PtRuntime.device(device);
        PtRuntime.applyIntraOpThreads(options.intraOpThreads());
        PtRuntime.requireUsable(dev);
        RotaryTables rope = RotaryTables.build(config, capacity);
        NDManager manager = PtRuntime.engine().newBaseManager(dev);
        HfTextTokenizer tokenizer = null;
        try (SafeTensors st = SafeTensors.open(modelDir)) {
            long start = System.nanoTime();
            LlamaWeights weights = LlamaWeights.load(st, config, manager, dev);
            tokenizer = HfTextTokenizer.load(modelDir, config);
            log.info("loaded {} ({} layers, hidden {}, vocab {}) on {} in {} ms, capacity {} tokens/sequence",
                    modelDir, config.numHiddenLayers(), config.hiddenSize(), config.vocabSize(), dev,
                    (System.nanoTime() - start) / 1_000_000, capacity);
            return new PtLlamaModel(config, dev, manager, weights, rope, tokenizer, capacity);
        } catch (IOException | RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            manager.close();
            throw e;
        }
    }

    /** Checks the configuration describes a graph this class runs; returns the KV capacity per sequence. */
    private static int validate(HfModelConfig c, EngineOptions options) {
        if (!MODEL_TYPES.contains(c.modelType())) {
            throw new IllegalArgumentException("model_type '" + c.modelType() + "' is not a Llama-architecture model "
                    + "(supported: " + String.join(", ", MODEL_TYPES) + ")");
        }
        if (c.hiddenAct() != null && !c.hiddenAct().equals("silu")) {
            throw new IllegalArgumentException("hidden_act '" + c.hiddenAct() + "' is not supported (only silu)");
        }
        if (c.attentionBias() || c.mlpBias()) {
            throw new IllegalArgumentException("attention_bias/mlp_bias are not supported yet");
        }
        if (c.hiddenSize() <= 0 || c.numHiddenLayers() <= 0 || c.numAttentionHeads() <= 0
                || c.numKeyValueHeads() <= 0 || c.headDim() <= 0 || c.intermediateSize() <= 0 || c.vocabSize() <= 0) {
            throw new IllegalArgumentException("config.json lacks a positive hidden_size, num_hidden_layers, "
                    + "num_attention_heads, num_key_value_heads, head_dim, intermediate_size or vocab_size");
        }
        if (c.numAttentionHeads() % c.numKeyValueHeads() != 0) {
            throw new IllegalArgumentException("num_attention_heads " + c.numAttentionHeads()
                    + " is not a multiple of num_key_value_heads " + c.numKeyValueHeads());
        }
        int maxPos = c.maxPositionEmbeddings();
        int capacity = options.maxSequenceTokens() > 0 ? options.maxSequenceTokens()
                : maxPos > 0 ? Math.min(maxPos, DEFAULT_MAX_SEQUENCE_TOKENS) : DEFAULT_MAX_SEQUENCE_TOKENS;
        if (maxPos > 0 && capacity > maxPos) {
            throw new IllegalArgumentException("maxSequenceTokens " + capacity
                    + " exceeds the model's max_position_embeddings " + maxPos);
        }
        if (c.slidingWindow() > 0 && capacity > c.slidingWindow()) {
            throw new IllegalArgumentException("maxSequenceTokens " + capacity + " exceeds sliding_window "
                    + c.slidingWindow() + "; sliding-window attention is not implemented yet, use at most "
                    + c.slidingWindow());
        }
        return capacity;
    }

    private static float[] rotateHalfMatrix(int hd) {
        int half = hd / 2;
        float[] r = new float[hd * hd];
        for (int j = 0; j < half; j++) {
            r[(j + half) * hd + j] = -1f; // out[j] = -x[j + half]
            r[j * hd + j + half] = 1f;    // out[j + half] = x[j]
        }
        return r;
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    /** The parsed configuration this model was built from. */
    public HfModelConfig config() {
        return config;
    }

    /** The device the weights and caches live on. */
    public Device device() {
        return device;
    }

    /** KV positions each sequence holds at most (prompt plus generated tokens). */
    public int capacity() {
        return capacity;
    }

    /** Native tensors the model's manager tree holds right now (weights, caches, anything leaked); for tests. */
    int liveTensorCount() {
        return manager.getManagedArrays().size();
    }

    @Override
    public SequenceState newSequence() {
        ensureOpen();
        return new PtKvCache(this, manager, layers, kvHeads, capacity, headDim);
    }

    @Override
    public float[][] forward(List<SequenceState> rows, List<int[]> tokens) {
        ensureOpen();
        PtKvCache[] caches = validate(rows, tokens);
        float[][] out = new float[caches.length][];
        for (int i = 0; i < caches.length; i++) {
            out[i] = forwardRow(caches[i], tokens.get(i));
        }
        return out;
    }

    /** Checks every row before any cache is touched, so a rejected call leaves all sequences as they were. */
    private PtKvCache[] validate(List<SequenceState> rows, List<int[]> tokens) {
        if (rows.size() != tokens.size()) {
            throw new IllegalArgumentException(rows.size() + " rows but " + tokens.size() + " token arrays");
        }
        PtKvCache[] caches = new PtKvCache[rows.size()];
        Map<PtKvCache, Boolean> seen = new IdentityHashMap<>();
        for (int r = 0; r < caches.length; r++) {
            if (!(rows.get(r) instanceof PtKvCache c) || c.owner != this) {
                throw new IllegalArgumentException("row " + r + ": sequence was not created by this model");
            }
            if (c.isClosed()) {
                throw new IllegalStateException("row " + r + ": sequence is closed");
            }
            if (seen.put(c, Boolean.TRUE) != null) {
                throw new IllegalArgumentException("row " + r + ": the same sequence appears twice in one batch");
            }
            int[] ids = tokens.get(r);
            if (ids == null || ids.length == 0) {
                throw new IllegalArgumentException("row " + r + ": no tokens");
            }
            for (int id : ids) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("row " + r + ": token id " + id + " is outside the vocabulary [0, "
                            + vocab + ")");
                }
            }
            if (c.length() + ids.length > capacity) {
                throw new IllegalArgumentException("row " + r + ": " + c.length() + " cached + " + ids.length
                        + " new tokens exceed the sequence capacity of " + capacity + " tokens");
            }
            caches[r] = c;
        }
        return caches;
    }

    /** Runs one sequence's new tokens through the decoder and returns the logits of the last one. */
    private float[] forwardRow(PtKvCache seq, int[] ids) {
        int past = seq.length();
        int n = ids.length;
        int total = past + n;
        int qkDim = (heads + kvHeads) * headDim;
        try (NDManager step = manager.newSubManager()) {
            PtNDManager sm = (PtNDManager) step;
            long[] idx = new long[n];
            for (int i = 0; i < n; i++) {
                idx[i] = ids[i];
            }
            // token embeddings: [n, hidden]
            NDArray x = JniUtils.embedding((PtNDArray) step.create(idx), (PtNDArray) w.embedTokens, false);
            // rotary tables for positions past .. total-1: [n, 1, headDim], broadcast over heads
            NDArray cosN = slice(cos, past, total, sm).reshape(n, 1, headDim);
            NDArray sinN = slice(sin, past, total, sm).reshape(n, 1, headDim);
            NDArray mask = n > 1 ? causalMask(step, past, n) : null;

            for (int l = 0; l < layers; l++) {
                // attention: qkv = rmsnorm(x) · Wqkv (norm weight and 1/sqrt(hd) folded in)
                NDList qkvParts = rmsNorm(x).matMul(w.qkv[l]).split(new long[] {qkDim}, 1);
                NDArray qk = qkvParts.get(0).reshape(n, heads + kvHeads, headDim);
                // RoPE on q and k together: x*cos + rotate_half(x)*sin
                qk = qk.mul(cosN).addi(qk.matMul(rotateHalf).muli(sinN));
                NDList qkParts = qk.split(new long[] {heads}, 1);
                NDArray k = qkParts.get(1).transpose(1, 0, 2);                               // [kv, n, hd]
                NDArray v = qkvParts.get(1).reshape(n, kvHeads, headDim).transpose(1, 0, 2); // [kv, n, hd]
                // append to the cache in place, then read the live prefix as views: [kv, total, hd]
                long[] from = {0, past};
                long[] to = {kvHeads, total};
                long[] stride = {1, 1};
                JniUtils.indexSet((PtNDArray) seq.keys[l], (PtNDArray) k, from, to, stride);
                JniUtils.indexSet((PtNDArray) seq.values[l], (PtNDArray) v, from, to, stride);
                NDArray keys = JniUtils.index((PtNDArray) seq.keys[l], new long[] {0, 0}, to, stride, sm);
                NDArray values = JniUtils.index((PtNDArray) seq.values[l], new long[] {0, 0}, to, stride, sm);
                // grouped queries: head h uses kv head h / groups -> [kv, groups * n, hd]
                NDArray q = qkParts.get(0).transpose(1, 0, 2).reshape(kvHeads, (long) groups * n, headDim);
                NDArray scores = q.matMul(keys.transpose(0, 2, 1));                          // [kv, g*n, total]
                if (mask != null) {
                    scores = scores.reshape(kvHeads, groups, n, total).addi(mask);
                }
                NDArray probs = scores.softmax(-1).reshape(kvHeads, (long) groups * n, total);
                NDArray attn = probs.matMul(values)                                          // [kv, g*n, hd]
                        .reshape(heads, n, headDim).transpose(1, 0, 2).reshape(n, (long) heads * headDim);
                x = x.addi(attn.matMul(w.o[l]));

                // SwiGLU MLP: down(silu(gate) * up), post-attention norm folded into gate/up
                NDList gu = rmsNorm(x).matMul(w.gateUp[l]).split(new long[] {intermediate}, 1);
                NDArray gate = gu.get(0);
                NDArray act = gate.mul(JniUtils.sigmoid((PtNDArray) gate)).muli(gu.get(1));
                x = x.addi(act.matMul(w.down[l]));
            }
            NDArray last = rmsNorm(slice(x, n - 1, n, sm)).muli(w.finalNorm);           // [1, hidden]
            NDArray logits = w.lmHead.matMul(last.transpose());                          // [vocab, 1]
            logits.attach(step); // the left operand's manager (the model's) would otherwise own it
            float[] result = logits.toFloatArray();
            seq.advance(n);
            return result;
        }
    }

    /** {@code x / sqrt(mean(x^2) + eps)} over the last axis of a 2-D tensor (the weight is applied elsewhere). */
    private NDArray rmsNorm(NDArray x) {
        NDArray meanSquare = x.square().mean(LAST_AXIS_2D, true);
        return x.div(meanSquare.addi(eps).sqrt());
    }

    /** Rows {@code [from, to)} of a tensor as a view owned by {@code step}. */
    private static NDArray slice(NDArray a, long from, long to, PtNDManager step) {
        return JniUtils.index((PtNDArray) a, new long[] {from}, new long[] {to}, new long[] {1}, step);
    }

    /** {@code [n, past + n]}: 0 where query {@code i} may see key {@code j} ({@code j <= past + i}), else -inf. */
    private static NDArray causalMask(NDManager step, int past, int n) {
        int total = past + n;
        float[] m = new float[n * total];
        for (int i = 0; i < n; i++) {
            Arrays.fill(m, i * total + past + i + 1, (i + 1) * total, Float.NEGATIVE_INFINITY);
        }
        return step.create(m, new Shape(n, total));
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("model is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            tokenizer.close();
            manager.close();
        }
    }
}
