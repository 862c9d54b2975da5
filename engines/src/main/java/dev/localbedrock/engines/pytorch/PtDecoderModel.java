package dev.localbedrock.engines.pytorch;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDManager;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.ForwardRows;
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
 *
 * <p><b>Parts.</b> This class is the facade and the sequence API (slots, forks, releases, the per-step checks);
 * {@link PtConfigChecks} holds the load-time configuration checks, {@link StepLayout} the host-side plan of one step
 * (pure Java) and {@link PtForwardPass} the forward maths, all called under this model's lock.
 */
public final class PtDecoderModel implements DecoderModel {
    /** {@code model_type} values this class runs. */
    public static final Set<String> MODEL_TYPES = Collections.unmodifiableSet(new LinkedHashSet<>(
            List.of("llama", "mistral", "qwen2", "gpt2")));

    private static final Logger log = LoggerFactory.getLogger(PtDecoderModel.class);
    /**
     * A group of rows whose slots form at most this many runs of consecutive slots attends run by run over views;
     * beyond it, the rows' live keys and values are copied together (see {@link PtKvPool}, {@link StepLayout}).
     */
    static final int MAX_VIEW_RUNS = StepLayout.MAX_VIEW_RUNS;

    private final HfModelConfig config;
    private final Device device;
    private final DataType dtype;
    private final NDManager manager;
    private final PtForwardPass pass;
    private final PtKvPool pool;
    private final HfTextTokenizer tokenizer;
    private final ModelInfo info;
    private final int capacity;
    private final int slidingWindow;
    private final int layers;
    private final int kvHeads;
    private final int vocab;
    private boolean closed;

    private PtDecoderModel(HfModelConfig config, Device device, DataType dtype, NDManager manager, DecoderWeights w,
                           RotaryTables rope, HfTextTokenizer tokenizer, int capacity, int slots,
                           PtConfigChecks.Settings settings) {
        this.config = config;
        this.device = device;
        this.dtype = dtype;
        this.manager = manager;
        this.tokenizer = tokenizer;
        this.capacity = capacity;
        this.slidingWindow = settings.slidingWindow();
        this.layers = config.numHiddenLayers();
        this.kvHeads = config.numKeyValueHeads();
        this.vocab = config.vocabSize();
        this.pool = new PtKvPool(manager, dtype, layers, kvHeads, config.headDim(), slots, capacity);
        this.pass = new PtForwardPass(config, device, dtype, manager, w, rope, pool, settings);
        Set<Integer> eos = new LinkedHashSet<>(config.eosTokenIds());
        this.info = new ModelInfo(config.modelType(), vocab, capacity, tokenizer.bosTokenId(),
                Collections.unmodifiableSet(eos), tokenizer.addsBos());
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
        int capacity = PtConfigChecks.capacity(config, opts);
        PtConfigChecks.Settings settings = PtConfigChecks.validate(config, capacity);
        Device dev = PtRuntime.device(device);
        PtRuntime.applyIntraOpThreads(opts.intraOpThreads());
        PtRuntime.requireUsable(dev);
        RotaryTables rope = settings.gpt2() ? null : RotaryTables.build(config, capacity);
        NDManager manager = PtRuntime.engine().newBaseManager(dev);
        HfTextTokenizer tokenizer = null;
        try (SafeTensors st = SafeTensors.open(modelDir)) {
            long start = System.nanoTime();
            DataType dtype = PtConfigChecks.computeType(st, dev,
                    settings.gpt2() ? "wte.weight" : "model.embed_tokens.weight");
            int slots = PtConfigChecks.slots(config, opts, capacity, dtype);
            DecoderWeights weights = settings.gpt2()
                    ? DecoderWeights.gpt2(st, config, manager, dev, dtype, settings.scaleAttention())
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
        return fork(source, reservedTokens, src.cachedLength());
    }

    @Override
    public synchronized SequenceState fork(SequenceState source, int reservedTokens, int prefixTokens) {
        ensureOpen();
        PtKvCache src = own(source, "source");
        src.requireOpen();
        if (prefixTokens < 0 || prefixTokens > src.cachedLength()) {
            throw new IllegalArgumentException("prefixTokens " + prefixTokens + " is outside [0, "
                    + src.cachedLength() + "], the source's length");
        }
        checkReservation(reservedTokens, prefixTokens);
        PtKvCache copy = pool.allocate(this, reservedTokens);
        pool.copyPrefix(src.slot, copy.slot, prefixTokens);
        copy.setLength(prefixTokens);
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
        int[] slots = new int[b];
        int[] pasts = new int[b];
        for (int r = 0; r < b; r++) {
            slots[r] = caches[r].slot;
            pasts[r] = caches[r].cachedLength();
        }
        StepLayout s = new StepLayout(slots, pasts, tokens, kvHeads, capacity, slidingWindow);
        float[][] out;
        try (NDManager stepManager = manager.newSubManager()) {
            out = pass.run(s, (PtNDManager) stepManager);
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