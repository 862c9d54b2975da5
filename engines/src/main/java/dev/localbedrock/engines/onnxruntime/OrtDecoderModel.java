package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.ForwardRows;
import dev.localbedrock.engines.KvCacheFullException;
import dev.localbedrock.engines.ModelInfo;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.TextTokenizer;
import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.tokenizer.HfTextTokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A causal decoder as an ONNX graph with past/present key-value tensors, run on ONNX Runtime (CPU, or CUDA when the
 * runtime has that provider). Two kinds of graph, two ways of driving them:
 * <ul>
 *   <li><b>Built graphs</b> ({@code OnnxGraphBuilder}, recognised by their {@code localbedrock.*} metadata,
 *       {@link BuiltGraphMetadata}) of the {@code gqa-shared-kv} variant run over a <b>shared KV arena</b>: the fast
 *       CPU path, {@link ArenaRunner}.</li>
 *   <li><b>Exported graphs</b> (Optimum/GenAI {@code past_key_values.N.key|value} or legacy GPT-2 {@code past_N}, int32
 *       or int64 ids, optional {@code position_ids}; conventions read from the session's metadata,
 *       {@link DecoderGraph}) and built graphs of the {@code standard} variant run on per-sequence buffers
 *       ({@link ExportedKvPool}), grouped into batched runs by {@link ExportedGraphRunner} as far as the
 *       {@link CapabilityProbe} run at load allows.</li>
 * </ul>
 * This class is the facade: the sequence API and its accounting, the lock; {@link OrtDecoderLoader} opens the
 * session and decides which path a graph takes. Each part says how its forward
 * pass is shaped; what they share (the session, reused input and logit buffers, the run and live-tensor counters) is
 * {@link DecoderSession}.
 *
 * <h2>Built {@code gqa-shared-kv} graphs: the shared KV arena</h2>
 * The model preallocates a {@link KvArena}: per cache tensor (layer × key/value) one direct, native-order buffer
 * {@code [slots, kvHeads, capacity, headDim]}, {@code slots = kvCacheTokens / capacity} (by default
 * {@link EngineOptions#DEFAULT_KV_SEQUENCES}, within {@link EngineOptions#DEFAULT_KV_BYTES}). Every live sequence owns
 * one slot; {@link #newSequence(int)} takes one (or throws {@link KvCacheFullException}), {@link #freeKvTokens()} is
 * free slots × {@link #capacity()}, {@link #fork} copies the source's live prefix into a new slot. A run's rows must
 * sit in consecutive slots (see {@link ArenaRunner}), so before the runs the decode rows are arranged into consecutive
 * slots ({@link KvArena#arrange}: the block position that moves the fewest cached tokens; nothing moves when they are
 * already consecutive, the steady state) and the first prompts, whose caches are empty and move for free, into free
 * slots beside them ({@link KvArena#placeEmpty}). New sequences take the lowest free slot and a closed sequence just
 * frees its slot, so a copy happens only when a sequence leaves from the middle of the decode block (or sits out a
 * step while its neighbours decode): then one sequence at the edge of the block is moved into the hole, once, as the
 * PyTorch engine's {@code PtKvPool} does. A move copies that sequence's live prefix, {@code 2 · layers · kvHeads ·
 * length · headDim} floats: for the 110M Llama shape (12 layers, 12 KV heads of 64) measured at 8.4 MiB in 0.6–0.9 ms
 * for 120 tokens and 70 MiB in ≈ 10 ms for 1000 tokens (7–14 GB/s on the 2-core CI machine), against a decode step of
 * ≈ 57 ms at batch 32 there; {@link #kvBytesCopied()} counts it. The alternative, running the block with the hole as
 * a dummy row, avoids the copy but costs a row of compute every step until the hole fills, and cannot be used when the
 * hole's sequence is full, so it is not done.
 *
 * <p>Speed (110M Llama shape, 2 intra-op threads, context 92–124, median decode step through this SPI, same run):
 * f32 59 / 190 / 448 / 556 tokens/s at batch 1 / 4 / 16 / 32, int8 162 / 469 / 961 / 1141, the PyTorch engine
 * 46 / 106 / 296 / 407 ({@code OrtEngineBench} in the tests). Outside {@code OrtSession.run} a step costs ≈ 0.3 ms.
 *
 * <p>Numerics: a row's logits do not depend on its neighbours in f32 and in the block-wise {@code int8} / {@code int4}
 * graphs ({@code MatMulNBits} quantizes each activation row on its own; the tests find them bit-identical alone and
 * batched). With {@code int8-dynamic} graphs activations are quantized with one scale per run, so a row's logits (and
 * so greedy ties) can depend on the batch it runs in. On CUDA the arena is host memory, so ONNX Runtime copies it to
 * the device and back every run: correct, but the arena path is built for the CPU.
 *
 * <h2>Exported graphs: per-sequence buffers</h2>
 * Each sequence owns, per cache tensor, a direct buffer laid out as its batch-1 {@code past} ({@link OrtSequence}).
 * Capacity is accounted per model: each sequence reserves tokens ({@link #newSequence(int)}, at most
 * {@link #capacity()}; {@link #newSequence()} reserves the full capacity) from a pool of
 * {@link EngineOptions#resolveKvCacheTokens} tokens (by default {@link EngineOptions#DEFAULT_KV_SEQUENCES} full
 * sequences, within {@link EngineOptions#DEFAULT_KV_BYTES}); the pool is an admission budget, memory is allocated as
 * sequences grow, not at reservation.
 *
 * <p>Every {@link ai.onnxruntime.OnnxTensor} and {@link OrtSession.Result} of a step is closed before it returns;
 * inputs, logits and caches live in reused direct buffers, and logits are copied once, from the pinned output into the
 * returned arrays. Every public method that touches state is synchronised on the model, and the parts hold no lock of
 * their own (they are only called from here), so closing a sequence from another thread waits for a running step;
 * one scheduler thread is meant to drive a model.
 *
 * <p>Size: about 430 lines, a fifth of them this comment (the engine's one description of both paths and their
 * measured costs, which {@link KvArena} points to); the rest is the locked sequence API and its accessors, which share
 * the fields this facade owns, while loading and the forward passes live in their own classes.
 */
public final class OrtDecoderModel implements DecoderModel {
    /** Largest logits or batched KV tensor one session run may use; bigger groups are split. */
    static final long RUN_TENSOR_BYTES = 512L << 20;

    /** The session and what every run shares (scratch buffers, run and live-tensor counters). */
    private final DecoderSession steps;
    /** The {@code localbedrock.*} metadata of a graph built by {@code OnnxGraphBuilder}, else {@code null}. */
    private final BuiltGraphMetadata built;
    /** The shared KV buffers of a built {@code gqa-shared-kv} graph, else {@code null} (per-sequence buffers). */
    private final KvArena arena;
    /** Runs steps over {@link #arena}, else {@code null}. */
    private final ArenaRunner arenaRunner;
    /** The token budget and cache buffers of per-sequence graphs, else {@code null} (the arena). */
    private final ExportedKvPool pool;
    /** Runs steps over {@link #pool}'s sequences, else {@code null}. */
    private final ExportedGraphRunner exported;
    private final HfTextTokenizer tokenizer;
    private final ModelInfo info;
    private final Path graphFile;
    private final String device;
    private final int capacity;
    private boolean closed;

    /** Called by {@link OrtDecoderLoader} once the session is open and the graph understood; owns what it is given. */
    OrtDecoderModel(OrtEnvironment env, OrtSession session, DecoderGraph graph, BuiltGraphMetadata built,
                    HfTextTokenizer tokenizer, ModelInfo info, Path graphFile, String device, int capacity,
                    long poolTokens) {
        this.steps = new DecoderSession(env, session, graph, graphFile);
        this.built = built;
        this.tokenizer = tokenizer;
        this.info = info;
        this.graphFile = graphFile;
        this.device = device;
        this.capacity = capacity;
        if (built != null && built.sharedKv()) {
            int slots = (int) Math.max(1, Math.min(Integer.MAX_VALUE, poolTokens / capacity));
            this.arena = new KvArena(graph.slots().size(), slots, capacity, graph.kvHeads(), graph.headDim());
            this.arenaRunner = new ArenaRunner(steps, arena, built);
            this.pool = null;
            this.exported = null;
        } else {
            this.arena = null;
            this.arenaRunner = null;
            this.pool = new ExportedKvPool(graph, capacity, poolTokens);
            this.exported = new ExportedGraphRunner(steps, pool);
        }
    }

    // ---- loading -------------------------------------------------------------------------------------------------

    /**
     * Loads the decoder graph of {@code modelDir} (see {@link DecoderGraph#locate}) with its {@code config.json} and
     * {@code tokenizer.json}.
     *
     * @param modelDir the model directory (Hugging Face files, the graph in it or in {@code onnx/})
     * @param config   its parsed {@code config.json}
     * @param device   {@code cpu}, {@code cuda} or {@code cuda:N}
     * @param options  sequence capacity and intra-op threads; {@code null} means {@link EngineOptions#defaults()}
     * @throws IllegalArgumentException for a graph this engine cannot drive, a bad setting or an unavailable device
     * @throws IOException              when a file is missing or unreadable
     */
    public static OrtDecoderModel load(Path modelDir, HfModelConfig config, String device, EngineOptions options)
            throws IOException {
        return load(modelDir, DecoderGraph.locate(modelDir), config, device, options);
    }

    /**
     * The model's own position limit: {@code config.json}'s {@code max_position_embeddings} (GPT-2:
     * {@code n_positions}), else an export's {@code genai_config.json} {@code context_length}; 0 when neither says.
     */
    public static int contextLimit(Path modelDir, HfModelConfig config) throws IOException {
        return OrtDecoderLoader.contextLimit(modelDir, config);
    }

    /**
     * Whether {@code modelDir} ships a decoder graph for {@link #load(Path, HfModelConfig, String, EngineOptions)}: a
     * {@code genai_config.json} or any {@code *.onnx} file in the directory or its {@code onnx/} (when the choice is
     * ambiguous, loading says so rather than silently building another graph).
     */
    public static boolean hasGraph(Path modelDir) {
        try {
            return DecoderGraph.present(modelDir);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Loads {@code graphFile} (an exported graph, or one built by {@code OnnxGraphBuilder}, recognised by its
     * {@code localbedrock.*} metadata) with the {@code config.json} and {@code tokenizer.json} of {@code modelDir}.
     *
     * @param modelDir  the model directory (Hugging Face files)
     * @param graphFile the decoder graph to run
     * @param config    its parsed {@code config.json}
     * @param device    {@code cpu}, {@code cuda} or {@code cuda:N}
     * @param options   sequence capacity, KV pool and intra-op threads; {@code null} means
     *                  {@link EngineOptions#defaults()}
     * @throws IllegalArgumentException for a graph this engine cannot drive, a bad setting or an unavailable device
     * @throws IOException              when a file is missing or unreadable
     */
    public static OrtDecoderModel load(Path modelDir, Path graphFile, HfModelConfig config, String device,
                                       EngineOptions options) throws IOException {
        return OrtDecoderLoader.load(modelDir, graphFile, config, device, options);
    }

    /**
     * Runs the load-time {@link CapabilityProbe} that decides how {@link ExportedGraphRunner} may batch; nothing to
     * find out over the shared KV arena, whose graphs are built to batch across lengths.
     */
    void probeCapabilities() {
        if (exported != null) {
            CapabilityProbe.run(this, capacity, pool, exported, steps);
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

    /** KV positions each sequence may hold at most. */
    public int capacity() {
        return capacity;
    }

    /** The ONNX file this model runs. */
    public Path graphFile() {
        return graphFile;
    }

    /**
     * Whether decode rows of different lengths share one session run (see the class comment): always over the shared
     * KV arena, else as the load-time probe found.
     */
    public boolean batchesAcrossLengths() {
        return arena != null || exported.leftPadding;
    }

    /** Whether the graph appends several tokens to a non-empty past in one run. */
    public boolean chunksOnPast() {
        return arena != null || exported.multiTokenWithPast;
    }

    /** OnnxTensors of this model's steps still open now; 0 between calls (see {@link DecoderSession#liveTensors}). */
    public synchronized long liveTensorCount() {
        return steps.liveTensors;
    }

    /** Sequences holding KV now (arena slots, or exported-graph sequences not yet closed); 0 when all were closed. */
    public synchronized int liveSequences() {
        return arena != null ? arena.live() : pool.liveSequences();
    }

    /** Session runs so far, the load-time probe included. */
    synchronized long sessionRuns() {
        return steps.runs;
    }

    /**
     * Whether this model drives a built {@code gqa-shared-kv} graph over its shared KV arena (see the class comment),
     * rather than per-sequence cache buffers.
     */
    public boolean usesSharedKvArena() {
        return arena != null;
    }

    /**
     * The weight format of a built graph ({@code none}, {@code int8}, {@code int4}, {@code int8-dynamic}), or
     * {@code null} for an exported graph.
     */
    public String builtQuantization() {
        return built == null ? null : built.quantization().id();
    }

    /** The variant of a built graph ({@code gqa-shared-kv}, {@code standard}), or {@code null} for an exported one. */
    public String builtVariant() {
        return built == null ? null : built.variant().id();
    }

    /** Sequences the shared KV arena holds at once, or 0 without one. */
    public int arenaSlots() {
        return arena == null ? 0 : arena.slots;
    }

    /** Bytes the shared KV arena holds, or 0 without one. */
    long arenaBytes() {
        return arena == null ? 0 : arena.bytes();
    }

    /** Bytes of KV the shared arena has copied so far (sequences moved to keep a run's rows contiguous, forks). */
    public synchronized long kvBytesCopied() {
        return arena == null ? 0 : arena.copiedBytes;
    }

    /** Nanoseconds spent inside {@code OrtSession.run} on the shared KV arena. */
    synchronized long sessionNanos() {
        return arenaRunner == null ? 0 : arenaRunner.sessionNanos;
    }

    /** Nanoseconds spent on {@link #kvBytesCopied()}. */
    synchronized long kvCopyNanos() {
        return arena == null ? 0 : arena.copyNanos;
    }

    // ---- sequences -----------------------------------------------------------------------------------------------

    /** A sequence reserving the full per-sequence capacity. */
    @Override
    public synchronized SequenceState newSequence() {
        return newSequence(capacity);
    }

    /**
     * {@inheritDoc}
     *
     * <p>With the shared KV arena a sequence takes one whole slot of {@link #capacity()} tokens whatever it reserves
     * (the reservation bounds the sequence, not the memory), as on the PyTorch engine.
     */
    @Override
    public synchronized SequenceState newSequence(int reservedTokens) {
        ensureOpen();
        return reserve(reservedTokens);
    }

    private OrtSequence reserve(int tokens) {
        if (tokens <= 0 || tokens > capacity) {
            throw new IllegalArgumentException("reservedTokens " + tokens + " is outside [1, " + capacity
                    + "], the sequence capacity");
        }
        if (arena != null) {
            OrtSequence q = new OrtSequence(this, tokens, 0);
            arena.assign(q);
            return q;
        }
        return pool.reserve(this, tokens);
    }

    /**
     * {@inheritDoc}
     *
     * <p>With the shared KV arena: free slots × {@link #capacity()}.
     */
    @Override
    public synchronized long freeKvTokens() {
        if (closed) {
            return 0;
        }
        return arena != null ? (long) arena.freeSlots() * capacity : pool.freeTokens();
    }

    /**
     * Total tokens of the KV pool ({@link EngineOptions#resolveKvCacheTokens}); with the shared KV arena, its slots ×
     * {@link #capacity()}.
     */
    public long poolTokens() {
        return arena != null ? (long) arena.slots * capacity : pool.tokens;
    }

    /**
     * {@inheritDoc}
     *
     * <p>With the shared KV arena the fork takes a slot and the source's live prefix is copied into it.
     */
    @Override
    public synchronized SequenceState fork(SequenceState source, int reservedTokens) {
        ensureOpen();
        OrtSequence src = own(source, "source");
        return fork(src, reservedTokens, src.length);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Over the shared KV arena only: per-sequence buffers are copied whole, so there a prefix shorter than the
     * source is refused.
     */
    @Override
    public synchronized SequenceState fork(SequenceState source, int reservedTokens, int prefixTokens) {
        ensureOpen();
        return fork(own(source, "source"), reservedTokens, prefixTokens);
    }

    private OrtSequence fork(OrtSequence src, int reservedTokens, int prefixTokens) {
        if (prefixTokens < 0 || prefixTokens > src.length) {
            throw new IllegalArgumentException("prefixTokens " + prefixTokens + " is outside [0, " + src.length
                    + "], the source's length");
        }
        if (arena == null && prefixTokens != src.length) {
            throw new UnsupportedOperationException("per-sequence KV buffers are forked whole");
        }
        if (reservedTokens < prefixTokens) {
            throw new IllegalArgumentException("reservedTokens " + reservedTokens + " is less than the "
                    + prefixTokens + " tokens the fork starts with");
        }
        OrtSequence copy = reserve(reservedTokens);
        if (arena != null) {
            arena.copyPrefix(src.slot, copy.slot, prefixTokens);
        } else {
            pool.copyCaches(src, copy);
        }
        copy.length = prefixTokens;
        return copy;
    }

    /** Called by {@link OrtSequence#close()}: returns its reservation and buffers (or its arena slot). */
    synchronized void release(OrtSequence seq) {
        if (arena != null) {
            arena.release(seq);
            return;
        }
        pool.release(seq, closed);
    }

    private OrtSequence own(SequenceState s, String what) {
        if (!(s instanceof OrtSequence q) || q.owner != this) {
            throw new IllegalArgumentException(what + ": sequence was not created by this model");
        }
        if (q.isClosed()) {
            throw new IllegalStateException(what + ": sequence is closed");
        }
        return q;
    }

    // ---- forward -------------------------------------------------------------------------------------------------

    @Override
    public synchronized float[][] forward(List<SequenceState> rows, List<int[]> tokens) {
        ensureOpen();
        OrtSequence[] seqs = validate(rows, tokens);
        return arena != null ? arenaRunner.forward(seqs, tokens) : exported.forward(seqs, tokens);
    }

    /** Checks every row before any cache is touched, so a rejected call leaves all sequences as they were. */
    private OrtSequence[] validate(List<SequenceState> rows, List<int[]> tokens) {
        OrtSequence[] seqs = new OrtSequence[rows.size()];
        for (int r = 0; r < seqs.length; r++) {
            seqs[r] = own(rows.get(r), "row " + r);
        }
        ForwardRows.check(java.util.Arrays.asList(seqs), tokens, steps.vocab, q -> q.length, q -> q.reserved,
                "reservation");
        return seqs;
    }

    // ---- lifecycle -----------------------------------------------------------------------------------------------

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("model is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        steps.close();
        tokenizer.close();
        if (arena != null) {
            arena.free();
        } else {
            pool.clear();
            exported.clearScratch();
        }
    }

    @Override
    public String toString() {
        return "OrtDecoderModel[" + graphFile + ", " + (device == null ? "cpu" : device) + ", vocab " + steps.vocab
                + ", capacity " + capacity + "]";
    }
}
