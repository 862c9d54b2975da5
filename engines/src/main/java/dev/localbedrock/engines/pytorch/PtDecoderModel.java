package dev.localbedrock.engines.pytorch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.ForwardRows;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.ModelInfo;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.TextTokenizer;
import dev.localbedrock.engines.hf.DType;
import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.SafeTensors;
import dev.localbedrock.engines.tokenizer.HfTextTokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A causal decoder run eagerly on libtorch through DJL: the Llama family ({@code llama}, {@code mistral},
 * {@code qwen2}) and {@code gpt2}, on one batched code path.
 *
 * <p><b>One step.</b> {@link #forward} runs all its rows — prefills of different lengths, decodes at different
 * positions, prompt chunks, any mix — through one pass over the layers. Rows are sorted by (new-token count, KV slot)
 * and their new tokens packed into one {@code [tokens, hidden]} activation, so every projection and MLP is one GEMM
 * over all tokens of the step, with no padding. Positions come from one embedding lookup per step (rotary cos/sin rows,
 * or GPT-2's learned position table), so each token is rotated at its own position. New keys and values of all rows
 * are written into the {@link PtKvPool} with one {@code index_put_} per layer and tensor. Attention then runs per
 * <em>group</em> of rows adding the same number of tokens {@code n} (all decode rows form one group; a prompt chunk
 * beside them another): one batched computation {@code [rows, kvHeads, (heads / kvHeads) · n, t]} against the rows'
 * slots read as a view ({@link PtKvPool}), {@code t} being the group's longest row, plus an additive mask
 * {@code [rows, 1, 1, n, t]} ({@code -inf} outside each query's causal — and, for Mistral, sliding — window), built
 * once per step, when rows differ in length or add several tokens. Rows whose slots are not consecutive are split into
 * groups per run of consecutive slots (up to {@link #MAX_VIEW_RUNS} runs; beyond that their live keys and values are
 * copied together, see {@link PtKvPool}). A group's queries are a slice of the packed activations
 * and the groups' outputs, concatenated, are again in packed order: nothing is padded, and a decode group never pays
 * for a long prompt beside it. Each row therefore gets what it gets alone (masked keys contribute exact
 * zeros; only float summation order differs).
 *
 * <p><b>Per layer</b> (Llama): RMSNorm, fused Q/K/V (+ Qwen2 biases), RoPE on q and k together (rotate-half via a
 * constant {@code [hd, hd]} matrix: one matmul instead of slicing), one {@code index_put_} each for new keys and
 * values, scores, mask, softmax, context, output projection, residual, RMSNorm, fused gate/up, SiLU·up, down, residual.
 * GPT-2: LayerNorm, {@code c_attn}, attention as above, {@code c_proj}, residual, LayerNorm, {@code c_fc}, tanh-GELU
 * ({@code x · σ(2√(2/π)(x + 0.044715x³))}, the same function as {@code gelu_new}), {@code c_proj}, residual. Then the
 * final norm and the output head for each row's last new position only. See {@link DecoderWeights} for the load-time
 * folding.
 *
 * <p><b>Precision and devices.</b> On the CPU everything computes in float32 (F16/BF16 checkpoints are upcast at load).
 * On CUDA ({@code cuda}, {@code cuda:N}) weights and the KV cache keep the checkpoint's F16/BF16 type; norms and
 * softmax compute in float32 as {@code transformers} does.
 *
 * <p><b>KV reservations.</b> Each live sequence holds one pool slot of {@link #capacity()} tokens, whatever it
 * reserves ({@link #newSequence(int)} bounds the sequence, not the memory); {@link #freeKvTokens()} is the free slots
 * times {@link #capacity()}, and {@link #fork} copies the source's live keys and values into a new slot.
 *
 * <p><b>Memory.</b> Weights, tables and the KV pool belong to the model's manager; each step runs in a sub-manager
 * closed before {@link #forward} returns, so a step leaves no native allocation behind. Every public method is
 * synchronised on the model, so closing a sequence from another thread waits for a running step.
 */
public final class PtDecoderModel implements DecoderModel {
    /** {@code model_type} values this class runs. */
    public static final Set<String> MODEL_TYPES = Collections.unmodifiableSet(new LinkedHashSet<>(
            List.of("llama", "mistral", "qwen2", "gpt2")));

    private static final Logger log = LoggerFactory.getLogger(PtDecoderModel.class);
    private static final Set<String> TANH_GELU = Set.of("gelu_new", "gelu_pytorch_tanh", "gelu_fast");
    private static final int[] LAST_AXIS_2D = {1};
    /**
     * A group of rows whose slots form at most this many runs of consecutive slots attends run by run over views;
     * beyond it, the rows' live keys and values are copied together (see {@link PtKvPool}).
     */
    static final int MAX_VIEW_RUNS = 4;

    private final HfModelConfig config;
    private final Device device;
    private final DataType dtype;
    private final NDManager manager;
    private final DecoderWeights w;
    private final boolean gpt2;
    private final boolean exactGelu;
    /** {@code [capacity, headDim]} rotary cos/sin tables; null for GPT-2. */
    private final NDArray cos;
    private final NDArray sin;
    /** {@code [headDim, headDim]}: {@code x · R = rotate_half(x) = cat(-x2, x1)}; null for GPT-2. */
    private final NDArray rotateHalf;
    /** Scalar RMSNorm epsilon (float32), kept as a tensor so adding it does not create one per call. */
    private final NDArray eps;
    private final double layerNormEps;
    /** Scalars of the tanh-GELU as {@code x · σ(x · (a + b x²))}. */
    private final NDArray geluA;
    private final NDArray geluB;
    private final PtKvPool pool;
    private final HfTextTokenizer tokenizer;
    private final ModelInfo info;
    private final int capacity;
    private final int slidingWindow;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    /** Query heads per key/value head. */
    private final int queryGroups;
    private final int hidden;
    private final int intermediate;
    private final int vocab;
    private boolean closed;

    private PtDecoderModel(HfModelConfig config, Device device, DataType dtype, NDManager manager, DecoderWeights w,
                           RotaryTables rope, HfTextTokenizer tokenizer, int capacity, int slots, Settings settings) {
        this.config = config;
        this.device = device;
        this.dtype = dtype;
        this.manager = manager;
        this.w = w;
        this.gpt2 = settings.gpt2;
        this.exactGelu = settings.exactGelu;
        this.tokenizer = tokenizer;
        this.capacity = capacity;
        this.slidingWindow = settings.slidingWindow;
        this.layers = config.numHiddenLayers();
        this.heads = config.numAttentionHeads();
        this.kvHeads = config.numKeyValueHeads();
        this.headDim = config.headDim();
        this.queryGroups = heads / kvHeads;
        this.hidden = config.hiddenSize();
        this.intermediate = config.intermediateSize();
        this.vocab = config.vocabSize();
        this.layerNormEps = settings.eps;
        if (rope != null) {
            this.cos = typed(manager.create(rope.cos, new Shape(rope.positions, rope.dim)));
            this.sin = typed(manager.create(rope.sin, new Shape(rope.positions, rope.dim)));
            this.rotateHalf = typed(manager.create(rotateHalfMatrix(headDim), new Shape(headDim, headDim)));
        } else {
            this.cos = null;
            this.sin = null;
            this.rotateHalf = null;
        }
        this.eps = manager.create((float) settings.eps);
        double a = 2 * Math.sqrt(2 / Math.PI);
        this.geluA = typed(manager.create((float) a));
        this.geluB = typed(manager.create((float) (a * 0.044715)));
        this.pool = new PtKvPool(manager, dtype, layers, kvHeads, headDim, slots, capacity);
        Set<Integer> eos = new LinkedHashSet<>(config.eosTokenIds());
        this.info = new ModelInfo(config.modelType(), vocab, capacity, tokenizer.bosTokenId(),
                Collections.unmodifiableSet(eos), tokenizer.addsBos());
    }

    /** What {@link #validate} derives from the config beyond the capacity. */
    private record Settings(boolean gpt2, boolean exactGelu, boolean scaleAttention, int slidingWindow, double eps) {
    }

    /**
     * Loads {@code modelDir} ({@code config.json}, safetensors weights, {@code tokenizer.json}) onto {@code device}
     * ({@code cpu}, {@code cuda}, {@code cuda:N}).
     *
     * @throws IllegalArgumentException for an unsupported configuration, a missing tensor or a shape mismatch (the
     *                                  message names the tensor)
     */
    public static PtDecoderModel load(Path modelDir, String device, EngineOptions options) throws IOException {
        return load(modelDir, HfModelConfig.load(modelDir), device, options);
    }

    /** {@link #load(Path, String, EngineOptions)} with an already parsed configuration. */
    public static PtDecoderModel load(Path modelDir, HfModelConfig config, String device, EngineOptions options)
            throws IOException {
        EngineOptions opts = options == null ? EngineOptions.defaults() : options;
        int capacity = capacity(config, opts);
        Settings settings = validate(config, capacity);
        Device dev = PtRuntime.device(device);
        PtRuntime.applyIntraOpThreads(opts.intraOpThreads());
        PtRuntime.requireUsable(dev);
        RotaryTables rope = settings.gpt2 ? null : RotaryTables.build(config, capacity);
        NDManager manager = PtRuntime.engine().newBaseManager(dev);
        HfTextTokenizer tokenizer = null;
        try (SafeTensors st = SafeTensors.open(modelDir)) {
            long start = System.nanoTime();
            DataType dtype = computeType(st, dev, settings.gpt2 ? "wte.weight" : "model.embed_tokens.weight");
            int slots = slots(config, opts, capacity, dtype);
            DecoderWeights weights = settings.gpt2
                    ? DecoderWeights.gpt2(st, config, manager, dev, dtype, settings.scaleAttention)
                    : DecoderWeights.llama(st, config, manager, dev, dtype);
            tokenizer = HfTextTokenizer.load(modelDir, config);
            PtDecoderModel model = new PtDecoderModel(config, dev, dtype, manager, weights, rope, tokenizer, capacity,
                    slots, settings);
            log.info("loaded {} ({} {} layers, hidden {}, vocab {}) on {} as {} in {} ms; KV pool {} sequences x {} "
                            + "tokens ({} MiB)", modelDir, config.modelType(), config.numHiddenLayers(),
                    config.hiddenSize(), config.vocabSize(), dev, dtype, (System.nanoTime() - start) / 1_000_000,
                    slots, capacity, model.pool.bytes >> 20);
            return model;
        } catch (IOException | RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            manager.close();
            throw e;
        }
    }

    /** float32 on the CPU; on a GPU the checkpoint's F16/BF16 (float32 otherwise). */
    private static DataType computeType(SafeTensors st, Device device, String probe) {
        if (!device.isGpu()) {
            return DataType.FLOAT32;
        }
        String name = st.contains(probe) ? probe : st.contains("transformer." + probe) ? "transformer." + probe : null;
        DType t = name == null ? DType.F32 : st.info(name).dtype();
        return t == DType.F16 ? DataType.FLOAT16 : t == DType.BF16 ? DataType.BFLOAT16 : DataType.FLOAT32;
    }

    /** The per-sequence capacity: the option, else {@link EngineOptions#defaultSequenceTokens}, checked. */
    private static int capacity(HfModelConfig c, EngineOptions options) {
        if (!MODEL_TYPES.contains(c.modelType())) {
            throw new IllegalArgumentException("model_type '" + c.modelType() + "' is not supported by the pytorch "
                    + "engine (supported: " + String.join(", ", MODEL_TYPES) + ")");
        }
        int maxPos = c.maxPositionEmbeddings();
        int capacity = options.maxSequenceTokens() > 0 ? options.maxSequenceTokens()
                : EngineOptions.defaultSequenceTokens(maxPos);
        long limit = c.modelType().equals("gpt2") ? maxPos : RotaryTables.maxPositions(c);
        if (maxPos > 0 && capacity > limit) {
            String scaled = limit == maxPos ? "" : " x rope_scaling factor " + c.ropeScaling().factor() + " = " + limit;
            throw new IllegalArgumentException("maxSequenceTokens " + capacity
                    + " exceeds the model's max_position_embeddings " + maxPos + scaled);
        }
        if (c.modelType().equals("gpt2") && maxPos <= 0) {
            throw new IllegalArgumentException("config.json has no n_positions; GPT-2's learned positions need it");
        }
        return capacity;
    }

    /** Sequences the pool holds: {@code kvCacheTokens / capacity}, at least one. */
    private static int slots(HfModelConfig c, EngineOptions options, int capacity, DataType dtype) {
        long perToken = PtKvPool.bytesPerToken(c.numHiddenLayers(), c.numKeyValueHeads(), c.headDim(), dtype);
        long tokens = options.resolveKvCacheTokens(capacity, perToken);
        if (tokens < capacity) {
            throw new IllegalArgumentException("kvCacheTokens " + tokens + " cannot hold one sequence of "
                    + "maxSequenceTokens " + capacity + "; raise kvCacheTokens or lower maxSequenceTokens");
        }
        return (int) Math.min(Integer.MAX_VALUE, tokens / capacity);
    }

    /** Checks the configuration describes a graph this class runs. */
    private static Settings validate(HfModelConfig c, int capacity) {
        String type = c.modelType();
        if (c.hiddenSize() <= 0 || c.numHiddenLayers() <= 0 || c.numAttentionHeads() <= 0
                || c.numKeyValueHeads() <= 0 || c.headDim() <= 0 || c.intermediateSize() <= 0 || c.vocabSize() <= 0) {
            throw new IllegalArgumentException("config.json lacks a positive hidden_size, num_hidden_layers, "
                    + "num_attention_heads, num_key_value_heads, head_dim, intermediate_size or vocab_size");
        }
        if (c.numAttentionHeads() % c.numKeyValueHeads() != 0) {
            throw new IllegalArgumentException("num_attention_heads " + c.numAttentionHeads()
                    + " is not a multiple of num_key_value_heads " + c.numKeyValueHeads());
        }
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
        if (c.hiddenAct() != null && !c.hiddenAct().equals("silu")) {
            throw new IllegalArgumentException("hidden_act '" + c.hiddenAct() + "' is not supported (only silu)");
        }
        RotaryTables.inverseFrequencies(c); // rejects unsupported rope_scaling types and odd head sizes up front
        int window = 0;
        if (type.equals("mistral") && c.slidingWindow() > 0) {
            window = c.slidingWindow(); // respected by the attention mask
        } else if (type.equals("qwen2") && c.raw().path("use_sliding_window").asBoolean(false)
                && c.slidingWindow() > 0 && capacity > c.slidingWindow()) {
            throw new IllegalArgumentException("maxSequenceTokens " + capacity + " exceeds sliding_window "
                    + c.slidingWindow() + " and Qwen2's per-layer sliding-window attention (use_sliding_window, "
                    + "max_window_layers) is not implemented; use at most " + c.slidingWindow() + " tokens");
        }
        return new Settings(false, false, true, window, c.rmsNormEps());
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

    private NDArray typed(NDArray a) {
        return dtype == DataType.FLOAT32 ? a : a.toType(dtype, false);
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

    /** The type weights, activations and the KV cache are computed in. */
    public DataType computeType() {
        return dtype;
    }

    /** KV positions each sequence holds at most (prompt plus generated tokens): the size of one pool slot. */
    public int capacity() {
        return capacity;
    }

    /** Sequences the KV pool holds at once. */
    public int kvSlots() {
        return pool.slots;
    }

    /** Bytes the preallocated KV pool occupies. */
    public long kvCacheBytes() {
        return pool.bytes;
    }

    /** The Mistral sliding window respected by attention, or 0. */
    public int slidingWindow() {
        return slidingWindow;
    }

    /**
     * Native tensors the model's manager tree holds right now: weights and the KV pool (constant after load) plus
     * anything a step leaked (each step's tensors live in a sub-manager closed before {@link #forward} returns). For
     * leak checks; walks the tree, so not for the hot path.
     */
    public synchronized int liveTensorCount() {
        return manager.getManagedArrays().size();
    }

    /** Sequences holding a KV pool slot now (0 when every sequence was closed). */
    public synchronized int liveSequences() {
        return pool.live();
    }

    /** A sequence reserving a whole slot ({@link #capacity()} tokens). */
    @Override
    public synchronized SequenceState newSequence() {
        return newSequence(capacity);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Takes one pool slot whatever {@code reservedTokens} is (slots are {@link #capacity()} tokens); the sequence
     * may then hold at most {@code reservedTokens} tokens.
     *
     * @throws IllegalArgumentException unless {@code 1 <= reservedTokens <= capacity()}
     */
    @Override
    public synchronized SequenceState newSequence(int reservedTokens) {
        ensureOpen();
        checkReservation(reservedTokens, 0);
        return pool.allocate(this, reservedTokens);
    }

    /** {@code free slots × capacity()}: each new sequence takes one whole slot. */
    @Override
    public synchronized long freeKvTokens() {
        return closed ? 0 : (long) pool.freeSlots() * capacity;
    }

    @Override
    public synchronized SequenceState fork(SequenceState source, int reservedTokens) {
        ensureOpen();
        PtKvCache src = own(source, "source");
        src.requireOpen();
        checkReservation(reservedTokens, src.cachedLength());
        PtKvCache copy = pool.allocate(this, reservedTokens);
        pool.copyPrefix(src.slot, copy.slot, src.cachedLength());
        copy.setLength(src.cachedLength());
        return copy;
    }

    private void checkReservation(int reservedTokens, int atLeast) {
        if (reservedTokens < Math.max(1, atLeast) || reservedTokens > capacity) {
            throw new IllegalArgumentException("reservedTokens " + reservedTokens + " must be between "
                    + Math.max(1, atLeast) + " and the sequence capacity " + capacity);
        }
    }

    /** Called by {@link PtKvCache#close()}. */
    synchronized void release(PtKvCache seq) {
        if (seq.isClosed()) {
            return;
        }
        if (closed) {
            seq.markClosed(); // the pool went with the model
            return;
        }
        pool.release(seq);
    }

    @Override
    public synchronized float[][] forward(List<SequenceState> rows, List<int[]> tokens) {
        ensureOpen();
        PtKvCache[] caches = validate(rows, tokens);
        int b = caches.length;
        if (b == 0) {
            return new float[0][];
        }
        Step s = new Step(caches, tokens);
        float[][] out;
        try (NDManager stepManager = manager.newSubManager()) {
            out = run(s, (PtNDManager) stepManager);
        }
        for (int r = 0; r < b; r++) {
            caches[r].setLength(caches[r].cachedLength() + tokens.get(r).length);
        }
        return out;
    }

    private PtKvCache own(SequenceState s, String what) {
        if (!(s instanceof PtKvCache c) || c.owner != this) {
            throw new IllegalArgumentException(what + ": sequence was not created by this model");
        }
        return c;
    }

    /** Checks every row before any cache is touched, so a rejected call leaves all sequences as they were. */
    private PtKvCache[] validate(List<SequenceState> rows, List<int[]> tokens) {
        PtKvCache[] caches = new PtKvCache[rows.size()];
        for (int r = 0; r < caches.length; r++) {
            PtKvCache c = own(rows.get(r), "row " + r);
            if (c.isClosed()) {
                throw new IllegalStateException("row " + r + ": sequence is closed");
            }
            caches[r] = c;
        }
        ForwardRows.check(java.util.Arrays.asList(caches), tokens, vocab, PtKvCache::cachedLength, c -> c.limit,
                "capacity");
        return caches;
    }

    /**
     * The host-side plan of one step. Rows are sorted by (new-token count, slot) and their tokens packed in that order;
     * rows with the same count form one attention group, whose queries are therefore a plain slice of the packed
     * activations and whose outputs, concatenated group after group, are again in packed order: no padding and no
     * gather of queries or outputs, and a decode group never pays for a long prefill beside it.
     */
    private final class Step {
        final int b;
        /** {@code order[k]}: the caller's row index of the k-th row in packed order. */
        final int[] order;
        final int tokens;
        final long[] ids;
        final long[] positions;
        /** {@code [tokens, kvHeads]}: flat pool row of each new key. */
        final long[] writeIndex;
        /** {@code [b]}: packed index of each row's last token. */
        final long[] last;
        final Group[] groups;

        Step(PtKvCache[] caches, List<int[]> rowTokens) {
            b = caches.length;
            Integer[] sorted = new Integer[b];
            for (int i = 0; i < b; i++) {
                sorted[i] = i;
            }
            Arrays.sort(sorted, (x, y) -> {
                int byCount = Integer.compare(rowTokens.get(x).length, rowTokens.get(y).length);
                return byCount != 0 ? byCount : Integer.compare(caches[x].slot, caches[y].slot);
            });
            order = new int[b];
            int total = 0;
            for (int k = 0; k < b; k++) {
                order[k] = sorted[k];
                total += rowTokens.get(order[k]).length;
            }
            tokens = total;
            ids = new long[tokens];
            positions = new long[tokens];
            writeIndex = new long[tokens * kvHeads];
            last = new long[b];
            List<Group> list = new java.util.ArrayList<>();
            int p = 0;
            int groupStart = 0;
            for (int k = 0; k < b; k++) {
                PtKvCache c = caches[order[k]];
                int[] rowIds = rowTokens.get(order[k]);
                int past = c.cachedLength();
                long base = (long) c.slot * kvHeads;
                for (int i = 0; i < rowIds.length; i++, p++) {
                    ids[p] = rowIds[i];
                    positions[p] = past + i;
                    for (int h = 0; h < kvHeads; h++) {
                        writeIndex[p * kvHeads + h] = ((base + h) * capacity) + past + i;
                    }
                }
                last[k] = p - 1;
                boolean groupEnds = k == b - 1 || rowTokens.get(order[k + 1]).length != rowIds.length;
                if (groupEnds) {
                    addGroups(caches, rowTokens, groupStart, k + 1, list);
                    groupStart = k + 1;
                }
            }
            groups = list.toArray(new Group[0]);
        }

        /**
         * Rows {@code [from, to)} (same token count, ascending slots) as one group, or as one group per run of
         * consecutive slots when there are at most {@link PtDecoderModel#MAX_VIEW_RUNS} runs: a few more operations
         * per layer instead of copying the rows' keys and values.
         */
        private void addGroups(PtKvCache[] caches, List<int[]> rowTokens, int from, int to, List<Group> out) {
            List<Integer> runStarts = new java.util.ArrayList<>();
            for (int k = from; k < to; k++) {
                if (k == from || caches[order[k]].slot != caches[order[k - 1]].slot + 1) {
                    runStarts.add(k);
                }
            }
            if (runStarts.size() > MAX_VIEW_RUNS) {
                out.add(new Group(caches, rowTokens, from, to, tokenStart(rowTokens, from)));
                return;
            }
            for (int i = 0; i < runStarts.size(); i++) {
                int end = i + 1 < runStarts.size() ? runStarts.get(i + 1) : to;
                out.add(new Group(caches, rowTokens, runStarts.get(i), end, tokenStart(rowTokens, runStarts.get(i))));
            }
        }

        private int tokenStart(List<int[]> rowTokens, int row) {
            return (int) (last[row] - rowTokens.get(order[row]).length + 1);
        }

        /** Rows {@code [from, to)} of the packed order, all adding {@code n} tokens, starting at packed token start. */
        final class Group {
            final int start;
            final int rows;
            final int n;
            /** Longest row of the group after this step. */
            final int t;
            /** Rows occupy consecutive slots starting at {@link #firstSlot}. */
            final boolean contiguous;
            final int firstSlot;
            /** {@code [rows]}: slot of each row (ascending). */
            final long[] slotIndex;
            /** {@code [rows, n, t]} additive mask, or null when every key is visible to every query. */
            final float[] mask;

            Group(PtKvCache[] caches, List<int[]> rowTokens, int from, int to, int start) {
                this.start = start;
                this.rows = to - from;
                this.n = rowTokens.get(order[from]).length;
                int[] pasts = new int[rows];
                slotIndex = new long[rows];
                int longest = 0;
                boolean consecutive = true;
                for (int r = 0; r < rows; r++) {
                    PtKvCache c = caches[order[from + r]];
                    pasts[r] = c.cachedLength();
                    slotIndex[r] = c.slot;
                    longest = Math.max(longest, pasts[r] + n);
                    consecutive &= c.slot == caches[order[from]].slot + r;
                }
                t = longest;
                contiguous = consecutive;
                firstSlot = caches[order[from]].slot;
                boolean needMask = n > 1 || (slidingWindow > 0 && t > slidingWindow);
                for (int past : pasts) {
                    needMask |= past + n != t;
                }
                mask = needMask ? buildMask(pasts) : null;
            }

            /** 0 where query i of row r may see key j (causal, and within the sliding window), else -inf. */
            private float[] buildMask(int[] pasts) {
                float[] m = new float[rows * n * t];
                Arrays.fill(m, Float.NEGATIVE_INFINITY);
                for (int r = 0; r < rows; r++) {
                    for (int i = 0; i < n; i++) {
                        int pos = pasts[r] + i;
                        int from = slidingWindow > 0 ? Math.max(0, pos - slidingWindow + 1) : 0;
                        int row = (r * n + i) * t;
                        Arrays.fill(m, row + from, row + pos + 1, 0f);
                    }
                }
                return m;
            }
        }
    }

    /** A group's per-step tensors. */
    private record GroupTensors(Step.Group g, NDArray mask) {
    }

    private float[][] run(Step s, PtNDManager sm) {
        NDArray x = JniUtils.embedding((PtNDArray) sm.create(s.ids), (PtNDArray) w.embedTokens, false);
        PtNDArray positions = (PtNDArray) sm.create(s.positions);
        NDArray cosN = null;
        NDArray sinN = null;
        if (gpt2) {
            x.addi(JniUtils.embedding(positions, (PtNDArray) w.positionEmbeddings, false));
        } else {
            cosN = JniUtils.embedding(positions, (PtNDArray) cos, false).reshape(s.tokens, 1, headDim);
            sinN = JniUtils.embedding(positions, (PtNDArray) sin, false).reshape(s.tokens, 1, headDim);
        }
        NDIndex write = new NDIndex("{}", sm.create(s.writeIndex, new Shape(s.tokens, kvHeads)));
        GroupTensors[] attnGroups = new GroupTensors[s.groups.length];
        for (int i = 0; i < attnGroups.length; i++) {
            Step.Group g = s.groups[i];
            NDArray mask = g.mask == null ? null : typed(sm.create(g.mask, new Shape(g.rows, 1, 1, g.n, g.t)));
            attnGroups[i] = new GroupTensors(g, mask);
        }

        for (int l = 0; l < layers; l++) {
            DecoderWeights.Layer lw = w.layers[l];
            NDArray q;
            NDArray k;
            NDArray v;
            if (gpt2) {
                NDArray h = JniUtils.layerNorm((PtNDArray) x, new Shape(hidden), (PtNDArray) lw.norm1(),
                        (PtNDArray) lw.norm1b(), layerNormEps);
                NDList parts = linear(h, lw.qkv(), lw.qkvBias()).split(new long[] {hidden, 2L * hidden}, 1);
                q = parts.get(0).reshape(s.tokens, heads, headDim);
                k = parts.get(1).reshape(s.tokens, kvHeads, headDim);
                v = parts.get(2).reshape(s.tokens, kvHeads, headDim);
            } else {
                // qkv = rmsnorm(x) · Wqkv (+ b): norm weight and 1/sqrt(hd) folded in
                NDList parts = linear(rmsNorm(x), lw.qkv(), lw.qkvBias())
                        .split(new long[] {(long) (heads + kvHeads) * headDim}, 1);
                NDArray qk = parts.get(0).reshape(s.tokens, heads + kvHeads, headDim);
                // RoPE on q and k together at each token's own position: x*cos + rotate_half(x)*sin
                qk = qk.mul(cosN).addi(JniUtils.matmul((PtNDArray) qk, (PtNDArray) rotateHalf).muli(sinN));
                NDList qkParts = qk.split(new long[] {heads}, 1);
                q = qkParts.get(0);
                k = qkParts.get(1);
                v = parts.get(1).reshape(s.tokens, kvHeads, headDim);
            }
            // append this step's keys and values to every row's slot: one in-place index_put_ each
            JniUtils.indexAdvPut((PtNDArray) pool.keysFlat[l], write, (PtNDArray) k);
            JniUtils.indexAdvPut((PtNDArray) pool.valuesFlat[l], write, (PtNDArray) v);
            NDArray attn;
            if (attnGroups.length == 1) {
                attn = attention(attnGroups[0], sm, l, q);
            } else {
                NDList outs = new NDList(attnGroups.length);
                for (GroupTensors g : attnGroups) {
                    outs.add(attention(g, sm, l, JniUtils.index((PtNDArray) q, new long[] {g.g().start},
                            new long[] {g.g().start + (long) g.g().rows * g.g().n}, new long[] {1}, sm)));
                }
                attn = JniUtils.cat(outs.toArray(new PtNDArray[0]), 0);
            }
            x.addi(linear(attn, lw.o(), lw.oBias()));

            if (gpt2) {
                NDArray h = JniUtils.layerNorm((PtNDArray) x, new Shape(hidden), (PtNDArray) lw.norm2(),
                        (PtNDArray) lw.norm2b(), layerNormEps);
                NDArray up = linear(h, lw.up(), lw.upBias());
                x.addi(linear(gelu(up), lw.down(), lw.downBias()));
            } else {
                // SwiGLU: down(silu(gate) * up), post-attention norm folded into gate/up
                NDList gu = linear(rmsNorm(x), lw.up(), lw.upBias()).split(new long[] {intermediate}, 1);
                NDArray gate = gu.get(0);
                NDArray act = gate.mul(JniUtils.sigmoid((PtNDArray) gate)).muli(gu.get(1));
                x.addi(linear(act, lw.down(), lw.downBias()));
            }
        }
        // each row's last new position only: [b, hidden]
        NDArray lastX = s.tokens == s.b ? x : JniUtils.embedding((PtNDArray) sm.create(s.last), (PtNDArray) x, false);
        NDArray normed = gpt2
                ? JniUtils.layerNorm((PtNDArray) lastX, new Shape(hidden), (PtNDArray) w.finalNorm,
                (PtNDArray) w.finalNormBias, layerNormEps)
                : rmsNorm(lastX).muli(w.finalNorm);
        // logits = E · xᵀ: [vocab, b] (the weight as left operand is the faster GEMM)
        NDArray logits = JniUtils.matmul((PtNDArray) w.lmHead, (PtNDArray) normed.transpose());
        logits.attach(sm); // the left operand's manager (the model's) would otherwise own it
        if (logits.getDataType() != DataType.FLOAT32) {
            logits = logits.toType(DataType.FLOAT32, false);
        }
        if (device.isGpu()) {
            logits = logits.toDevice(Device.cpu(), false);
        }
        return readLogits(s, logits);
    }

    /** Copies {@code [vocab, b]} logits out once and de-interleaves them into the caller's row order. */
    private float[][] readLogits(Step s, NDArray logits) {
        ByteBuffer bytes = logits.toByteBuffer(true); // aliases the native tensor: read before the step closes
        FloatBuffer fb = bytes.order(ByteOrder.nativeOrder()).asFloatBuffer();
        float[][] out = new float[s.b][];
        if (s.b == 1) {
            out[s.order[0]] = new float[vocab];
            fb.get(out[s.order[0]]);
            return out;
        }
        float[] all = new float[vocab * s.b];
        fb.get(all);
        for (int k = 0; k < s.b; k++) {
            float[] row = new float[vocab];
            for (int i = 0, j = k; i < vocab; i++, j += s.b) {
                row[i] = all[j];
            }
            out[s.order[k]] = row;
        }
        return out;
    }

    /**
     * Attends one group's queries ({@code [rows · n, heads, hd]}, a strided view is fine) to its rows' slots,
     * positions {@code [0, t)}; returns {@code [rows · n, heads · hd]}.
     */
    private NDArray attention(GroupTensors gt, PtNDManager sm, int l, NDArray q) {
        Step.Group g = gt.g();
        PtNDArray keys = rowsOf(pool.keys[l], g, sm);     // [rows, kv, t, hd]
        PtNDArray values = rowsOf(pool.values[l], g, sm); // [rows, kv, t, hd]
        // [rows, n, heads, hd] -> [rows, heads, n, hd] -> grouped (head h uses kv head h / g): [rows, kv, g*n, hd]
        NDArray q4 = q.reshape(g.rows, g.n, heads, headDim).transpose(0, 2, 1, 3)
                .reshape(g.rows, kvHeads, (long) queryGroups * g.n, headDim);
        NDArray scores = JniUtils.matmul((PtNDArray) q4, JniUtils.transpose(keys, 2, 3)); // [rows, kv, g*n, t]
        if (gt.mask() != null) {
            scores = scores.reshape(g.rows, kvHeads, queryGroups, g.n, g.t).addi(gt.mask());
        }
        NDArray probs = softmax(scores).reshape(g.rows, kvHeads, (long) queryGroups * g.n, g.t);
        return JniUtils.matmul((PtNDArray) probs, values) // [rows, kv, g*n, hd] = [rows, heads, n, hd]
                .reshape(g.rows, heads, g.n, headDim).transpose(0, 2, 1, 3)
                .reshape((long) g.rows * g.n, (long) heads * headDim);
    }

    /**
     * The group's slots, positions {@code [0, t)}: a view when the slots are consecutive, else a copy concatenated
     * from one view per run of consecutive slots (a memcpy-speed {@code cat}; libtorch's advanced indexing on the
     * strided pool measured several times slower).
     */
    private PtNDArray rowsOf(NDArray cache, Step.Group g, PtNDManager sm) {
        long[] step = {1, 1, 1};
        if (g.contiguous) {
            return JniUtils.index((PtNDArray) cache, new long[] {g.firstSlot, 0, 0},
                    new long[] {g.firstSlot + g.rows, kvHeads, g.t}, step, sm);
        }
        List<PtNDArray> runs = new java.util.ArrayList<>();
        int r = 0;
        while (r < g.rows) {
            int end = r + 1;
            while (end < g.rows && g.slotIndex[end] == g.slotIndex[end - 1] + 1) {
                end++;
            }
            runs.add(JniUtils.index((PtNDArray) cache, new long[] {g.slotIndex[r], 0, 0},
                    new long[] {g.slotIndex[end - 1] + 1, kvHeads, g.t}, step, sm));
            r = end;
        }
        return JniUtils.cat(runs.toArray(new PtNDArray[0]), 0);
    }

    private NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return JniUtils.linear((PtNDArray) x, (PtNDArray) weight, (PtNDArray) bias);
    }

    /** Softmax over the last axis, computed in float32 (cast back for F16/BF16). */
    private NDArray softmax(NDArray scores) {
        if (dtype == DataType.FLOAT32) {
            return scores.softmax(-1);
        }
        return JniUtils.softmax((PtNDArray) scores, -1, DataType.FLOAT32).toType(dtype, false);
    }

    /** {@code x / sqrt(mean(x^2) + eps)} over the last axis of a 2-D tensor in float32 (the weight is folded away). */
    private NDArray rmsNorm(NDArray x) {
        if (dtype != DataType.FLOAT32) {
            return rmsNorm(x.toType(DataType.FLOAT32, false)).toType(dtype, false);
        }
        NDArray meanSquare = x.square().mean(LAST_AXIS_2D, true);
        return x.div(meanSquare.addi(eps).sqrt());
    }

    /** GPT-2's activation: tanh-GELU as {@code x · σ(x · (a + b x²))}, or the exact erf GELU for {@code gelu}. */
    private NDArray gelu(NDArray x) {
        if (exactGelu) {
            return JniUtils.gelu((PtNDArray) x);
        }
        NDArray u = x.square().muli(geluB).addi(geluA).muli(x);
        return JniUtils.sigmoid((PtNDArray) u).muli(x);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("model is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            tokenizer.close();
            manager.close();
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "PtDecoderModel[%s, %d layers, %s, %s, %d x %d KV]", config.modelType(),
                layers, device, dtype, pool.slots, capacity);
    }
}
