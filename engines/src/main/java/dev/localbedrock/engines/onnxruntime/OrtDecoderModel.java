package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.ForwardRows;
import dev.localbedrock.engines.KvCacheFullException;
import dev.localbedrock.engines.ModelInfo;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.TextTokenizer;
import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.tokenizer.HfTextTokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A causal decoder as an ONNX graph with past/present key-value tensors, run on ONNX Runtime (CPU, or CUDA when the
 * runtime has that provider). Two kinds of graph, two ways of driving them:
 * <ul>
 *   <li><b>Built graphs</b> ({@code OnnxGraphBuilder}, recognised by their {@code localbedrock.*} metadata,
 *       {@link BuiltGraphMetadata}) of the {@code gqa-shared-kv} variant run over a <b>shared KV arena</b>: the fast
 *       CPU path, below.</li>
 *   <li><b>Exported graphs</b> (Optimum/GenAI {@code past_key_values.N.key|value} or legacy GPT-2 {@code past_N}, int32
 *       or int64 ids, optional {@code position_ids}; conventions read from the session's metadata,
 *       {@link DecoderGraph}) and built graphs of the {@code standard} variant run on per-sequence buffers, further
 *       below.</li>
 * </ul>
 *
 * <h2>Built {@code gqa-shared-kv} graphs: the shared KV arena</h2>
 * The model preallocates a {@link KvArena}: per cache tensor (layer × key/value) one direct, native-order buffer
 * {@code [slots, kvHeads, capacity, headDim]}, {@code slots = kvCacheTokens / capacity} (by default
 * {@link EngineOptions#DEFAULT_KV_SEQUENCES}, within {@link EngineOptions#DEFAULT_KV_BYTES}). Every live sequence owns
 * one slot; {@link #newSequence(int)} takes one (or throws {@link KvCacheFullException}), {@link #freeKvTokens()} is
 * free slots × {@link #capacity()}, {@link #fork} copies the source's live prefix into a new slot. A session run over
 * the sequences in slots {@code [lo, lo + B)} passes one {@link OnnxTensor} per cache tensor, over that slice of the
 * arena, as both the {@code past_key_values.N.*} input and the pinned {@code present.N.*} output, so
 * {@code GroupQueryAttention} appends the new keys and values in place: <b>a decode step over rows at different
 * positions copies no KV at all</b>. The attention mask is right-padded (each row's tokens are a prefix of its mask
 * row; the graph derives {@code seqlens_k} and positions from it), and the logits ({@code [B, 1, vocab]}: each row's
 * last real token) are pinned into a reused direct buffer and copied once into the returned arrays.
 *
 * <p>{@link #forward} turns its rows into the call shapes the graph allows, each one session run:
 * <ol>
 *   <li>all one-token rows — decodes at any positions, and one-token prompts — in <b>one</b> run;</li>
 *   <li>all first prompts of several tokens (empty caches) in one run, right-padded to the longest;</li>
 *   <li>each prompt chunk onto an existing cache in a run of its own (ONNX Runtime 1.21.1's
 *       {@code GroupQueryAttention} takes several new tokens on a non-empty cache only at batch 1).</li>
 * </ol>
 * Row {@code b} of a run must be slot {@code lo + b}, so before the runs the decode rows are arranged into consecutive
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
 * <p>Numerics: a row's f32 logits do not depend on its neighbours (up to float summation order). With {@code int8}
 * graphs activations are quantized with one scale per run, so a row's logits (and so greedy ties) can depend on the
 * batch it runs in. On CUDA the arena is host memory, so ONNX Runtime copies it to the device and back every run:
 * correct, but the arena path is built for the CPU.
 *
 * <h2>Exported graphs: per-sequence buffers</h2>
 * Past/present graphs return a new {@code present} tensor every step (ONNX Runtime copies the past into it and appends
 * the new positions), so each sequence owns, per cache tensor, a direct buffer laid out as its batch-1 {@code past}
 * ({@link OrtSequence}). A sequence run alone passes that buffer as {@code past} without a copy and gets its
 * {@code present} pinned into a spare buffer from the model's free list; the two are then swapped, so the Java side
 * copies nothing. Capacity is accounted per model: each sequence reserves tokens ({@link #newSequence(int)}, at most
 * {@link #capacity()}; {@link #newSequence()} reserves the full capacity) from a pool of
 * {@link EngineOptions#resolveKvCacheTokens} tokens (by default {@link EngineOptions#DEFAULT_KV_SEQUENCES} full
 * sequences, within {@link EngineOptions#DEFAULT_KV_BYTES}); the pool is an admission budget, memory is allocated as
 * sequences grow, not at reservation.
 *
 * <p>{@link #forward} groups its rows and runs each group as one session run:
 * <ul>
 *   <li>Decode rows (one new token) form one group whatever their past lengths when the graph passes the left-padding
 *       probe at load: each row's past is right-aligned in a {@code [batch, heads, maxPast, headDim]} tensor and the
 *       attention mask zeroes the padding, positions stay per row. Otherwise (graph without an attention mask, or an
 *       attention op whose padding semantics differ, e.g. GroupQueryAttention's right-aligned caches) decode rows are
 *       grouped by equal past length, which needs no padding at all.</li>
 *   <li>Multi-token rows (prefill, prompt chunks) are grouped by equal new-token count and equal past length, so they
 *       are never padded. When the graph cannot take several new tokens on top of a non-empty past (the probe finds
 *       this for the GenAI Llama export, whose causal mask ignores the past), such rows are fed one token per run,
 *       batched with each other like decode rows.</li>
 * </ul>
 * The probe (a few runs of a handful of tokens at load) compares padded and chunked runs with unpadded single-token
 * runs, so a graph whose attention op mishandles left padding falls back to exact grouping instead of giving wrong
 * logits. Each row's logits equal what it gets alone up to float summation order.
 *
 * <p>Cost, honestly: a batched run gathers every row's whole cache into one past tensor and scatters the present back
 * (two memcpys of all rows' KV per step, on top of ONNX Runtime's own past→present copy), attention in a padded group
 * costs as much as the longest row for every row, and an exported graph computes logits for every new position (a
 * prefill of {@code n} tokens materialises {@code n × vocab} floats; runs are split so no tensor exceeds
 * {@value #RUN_TENSOR_BYTES} bytes). Built graphs of the {@code standard} variant return only each row's last logits.
 *
 * <p>Every {@link OnnxTensor} and {@link OrtSession.Result} of a step is closed before it returns; inputs, logits and
 * caches live in reused direct buffers, and logits are copied once, from the pinned output into the returned arrays.
 * Every public method is synchronised on the model, so closing a sequence from another thread waits for a running
 * step; one scheduler thread is meant to drive a model.
 */
public final class OrtDecoderModel implements DecoderModel {
    /** Largest logits or batched KV tensor one session run may use; bigger groups are split. */
    static final long RUN_TENSOR_BYTES = 512L << 20;

    private static final Logger log = LoggerFactory.getLogger(OrtDecoderModel.class);
    /** Probe logits agree when within this fraction of their largest magnitude (padding bugs differ by O(1)). */
    private static final double PROBE_TOLERANCE = 1e-3;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final DecoderGraph graph;
    /** The {@code localbedrock.*} metadata of a graph built by {@code OnnxGraphBuilder}, else {@code null}. */
    private final BuiltGraphMetadata built;
    /** The shared KV buffers of a built {@code gqa-shared-kv} graph, else {@code null} (per-sequence buffers). */
    private final KvArena arena;
    private final HfTextTokenizer tokenizer;
    private final ModelInfo info;
    private final Path graphFile;
    private final String device;
    private final int capacity;
    private final long poolTokens;
    private final int vocab;
    private final DirectBuffers buffers;
    private final int slotCount;
    private long reservedTokens;
    /** Session runs so far (probe included), for tests that check rows really share runs. */
    private long sessionRuns;
    /**
     * OnnxTensors created by a step and not yet closed: 0 between calls unless a step leaked one. One increment and
     * one decrement per tensor under the model's lock, so it costs nothing measurable; read by leak checks.
     */
    private long liveTensors;
    /** Open sequences of an exported graph (the arena counts its own). */
    private int liveExportedSequences;
    /** Time spent inside {@code OrtSession.run} on the shared KV arena, for measurements. */
    private long sessionNanos;
    /** Whether decode rows of different past lengths may share a run (left-padded past + mask). */
    private boolean leftPadding;
    /** Whether a run may append several tokens to a non-empty past. */
    private boolean multiTokenWithPast;
    private boolean closed;
    /** Run options of the capability probe (native errors of an expected failure not logged), else {@code null}. */
    private OrtSession.RunOptions runOptions;

    // per-step scratch, reused (grown on demand)
    private ByteBuffer idScratch;
    private ByteBuffer maskScratch;
    private ByteBuffer positionScratch;
    private ByteBuffer logitScratch;
    private final ByteBuffer[] pastScratch;
    private final ByteBuffer[] presentScratch;

    private OrtDecoderModel(OrtEnvironment env, OrtSession session, DecoderGraph graph, BuiltGraphMetadata built,
                            HfTextTokenizer tokenizer, ModelInfo info, Path graphFile, String device, int capacity,
                            long poolTokens) {
        this.env = env;
        this.session = session;
        this.graph = graph;
        this.built = built;
        this.tokenizer = tokenizer;
        this.info = info;
        this.graphFile = graphFile;
        this.device = device;
        this.capacity = capacity;
        this.poolTokens = poolTokens;
        this.vocab = graph.vocabSize();
        this.slotCount = graph.slots().size();
        if (built != null && built.sharedKv()) {
            int slots = (int) Math.max(1, Math.min(Integer.MAX_VALUE, poolTokens / capacity));
            this.arena = new KvArena(slotCount, slots, capacity, graph.kvHeads(), graph.headDim());
            this.buffers = new DirectBuffers(0);
        } else {
            this.arena = null;
            // keep up to two full sequences' worth of free cache buffers for reuse
            this.buffers = new DirectBuffers(2L * capacity * graph.bytesPerToken());
        }
        this.pastScratch = new ByteBuffer[slotCount];
        this.presentScratch = new ByteBuffer[slotCount];
    }

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
        return config.maxPositionEmbeddings() > 0 ? config.maxPositionEmbeddings()
                : DecoderGraph.genaiConfig(modelDir).path("model").path("context_length").asInt(0);
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
        EngineOptions opts = options == null ? EngineOptions.defaults() : options;
        JsonNode genai = DecoderGraph.genaiConfig(modelDir).path("model");
        int maxPos = contextLimit(modelDir, config);
        int capacity = opts.maxSequenceTokens() > 0 ? opts.maxSequenceTokens()
                : EngineOptions.defaultSequenceTokens(maxPos);
        if (maxPos > 0 && capacity > maxPos) {
            throw new IllegalArgumentException("maxSequenceTokens " + capacity + " exceeds the model's context length "
                    + maxPos);
        }
        OrtRuntime.djlOffline();
        OrtEnvironment env = OrtRuntime.env();
        OrtSession session = null;
        HfTextTokenizer tokenizer = null;
        OrtDecoderModel model = null;
        long start = System.nanoTime();
        try (OrtSession.SessionOptions so = OrtRuntime.sessionOptions(device, opts.intraOpThreads(), false)) {
            session = env.createSession(graphFile.toString(), so);
            DecoderGraph graph = DecoderGraph.inspect(session, config);
            BuiltGraphMetadata built = BuiltGraphMetadata.read(session);
            if (built != null && built.maxPositions() > 0 && capacity > built.maxPositions()) {
                throw new IllegalArgumentException("maxSequenceTokens " + capacity + " exceeds the "
                        + built.maxPositions() + " positions " + graphFile + " was built for");
            }
            if (built != null && built.sharedKv() && (graph.stacked() || graph.positionIds() != null
                    || graph.attentionMask() == null)) {
                throw new IllegalArgumentException(graphFile + " says it is a gqa-shared-kv graph but does not have "
                        + "its inputs (attention_mask, past_key_values.N.key|value, no position_ids)");
            }
            tokenizer = HfTextTokenizer.load(modelDir, config);
            ModelInfo info = modelInfo(config, genai, graph, tokenizer, capacity);
            long pool = Math.max(capacity, opts.resolveKvCacheTokens(capacity, graph.bytesPerToken()));
            model = new OrtDecoderModel(env, session, graph, built, tokenizer, info, graphFile, device, capacity, pool);
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (model.arena != null) {
                model.leftPadding = true;     // decode rows at any positions share a run (right-padded mask)
                model.multiTokenWithPast = true;
                log.info("loaded built graph {} ({} layers, {}, {}, vocab {}) on {} in {} ms, capacity {} "
                                + "tokens/sequence, shared KV arena of {} sequences ({} MiB)", graphFile, graph.layers(),
                        built.variant().id(), built.quantization().id(), graph.vocabSize(),
                        device == null ? "cpu" : device, ms, capacity, model.arena.slots, model.arena.bytes() >> 20);
            } else {
                model.probe();
                log.info("loaded {} ({} layers, {} cache, vocab {}{}) on {} in {} ms, capacity {} tokens/sequence, "
                                + "pool {} tokens, left-padded decode batching {}, multi-token chunks on a past {}",
                        graphFile, graph.layers(), graph.stacked() ? "stacked past_N" : "past_key_values",
                        graph.vocabSize(), built == null ? "" : ", built " + built.variant().id() + " "
                                + built.quantization().id(), device == null ? "cpu" : device, ms, capacity,
                        model.poolTokens, model.leftPadding ? "on" : "off",
                        model.multiTokenWithPast ? "yes" : "token by token");
            }
            return model;
        } catch (OrtException e) {
            closeQuietly(model, session, tokenizer);
            throw new IllegalArgumentException("ONNX Runtime cannot load " + graphFile + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            closeQuietly(model, session, tokenizer);
            throw e;
        }
    }

    private static void closeQuietly(OrtDecoderModel model, OrtSession session, HfTextTokenizer tokenizer) {
        if (model != null) {
            model.close();
            return;
        }
        if (tokenizer != null) {
            tokenizer.close();
        }
        if (session != null) {
            try {
                session.close();
            } catch (OrtException e) {
                log.warn("closing session: {}", e.getMessage());
            }
        }
    }

    /** Special tokens from {@code config.json} (and its companions), else from {@code genai_config.json}. */
    private static ModelInfo modelInfo(HfModelConfig config, JsonNode genai, DecoderGraph graph,
                                       HfTextTokenizer tokenizer, int capacity) {
        int bos = tokenizer.bosTokenId() >= 0 ? tokenizer.bosTokenId()
                : config.bosTokenId() >= 0 ? config.bosTokenId() : genai.path("bos_token_id").asInt(-1);
        Set<Integer> eos = new LinkedHashSet<>(config.eosTokenIds());
        if (eos.isEmpty()) {
            JsonNode e = genai.path("eos_token_id");
            if (e.isArray()) {
                e.forEach(id -> eos.add(id.asInt()));
            } else if (e.isNumber()) {
                eos.add(e.asInt());
            }
        }
        String arch = !config.modelType().isEmpty() ? config.modelType() : genai.path("type").asText("");
        return new ModelInfo(arch, graph.vocabSize(), capacity, bos, Collections.unmodifiableSet(eos),
                tokenizer.addsBos());
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

    /** Whether decode rows of different lengths share one session run (see the class comment). */
    public boolean batchesAcrossLengths() {
        return leftPadding;
    }

    /** Whether the graph appends several tokens to a non-empty past in one run. */
    public boolean chunksOnPast() {
        return multiTokenWithPast;
    }

    /** OnnxTensors of this model's steps still open now; 0 between calls (see {@link #liveTensors}). */
    public synchronized long liveTensorCount() {
        return liveTensors;
    }

    /** Sequences holding KV now (arena slots, or exported-graph sequences not yet closed); 0 when all were closed. */
    public synchronized int liveSequences() {
        return arena != null ? arena.live() : liveExportedSequences;
    }

    /** Session runs so far, the load-time probe included. */
    synchronized long sessionRuns() {
        return sessionRuns;
    }

    /**
     * Whether this model drives a built {@code gqa-shared-kv} graph over its shared KV arena (see the class comment),
     * rather than per-sequence cache buffers.
     */
    public boolean usesSharedKvArena() {
        return arena != null;
    }

    /** The weight format of a built graph ({@code none}, {@code int8}), or {@code null} for an exported graph. */
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

    /** Bytes of KV the shared arena has copied so far (sequences moved to keep a run's rows contiguous, forks). */
    public synchronized long kvBytesCopied() {
        return arena == null ? 0 : arena.copiedBytes;
    }

    /** Nanoseconds spent inside {@code OrtSession.run} on the shared KV arena. */
    synchronized long sessionNanos() {
        return sessionNanos;
    }

    /** Nanoseconds spent on {@link #kvBytesCopied()}. */
    synchronized long kvCopyNanos() {
        return arena == null ? 0 : arena.copyNanos;
    }

    // ---- sequences and the KV pool -------------------------------------------------------------------------------

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
        if (tokens > freeKvTokens()) {
            throw new KvCacheFullException("KV pool has " + freeKvTokens() + " of " + poolTokens
                    + " tokens free, " + tokens + " requested");
        }
        reservedTokens += tokens;
        liveExportedSequences++;
        return new OrtSequence(this, tokens, slotCount);
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
        return arena != null ? (long) arena.freeSlots() * capacity : poolTokens - reservedTokens;
    }

    /**
     * Total tokens of the KV pool ({@link EngineOptions#resolveKvCacheTokens}); with the shared KV arena, its slots ×
     * {@link #capacity()}.
     */
    public long poolTokens() {
        return arena != null ? (long) arena.slots * capacity : poolTokens;
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
        if (reservedTokens < src.length) {
            throw new IllegalArgumentException("reservedTokens " + reservedTokens + " is less than the "
                    + src.length + " tokens the source already holds");
        }
        OrtSequence copy = reserve(reservedTokens);
        if (arena != null) {
            arena.copyPrefix(src.slot, copy.slot, src.length);
            copy.length = src.length;
            return copy;
        }
        for (int i = 0; i < slotCount; i++) {
            if (src.kv[i] != null && src.length > 0) {
                long fpt = graph.floatsPerToken(graph.slots().get(i));
                copy.kv[i] = buffers.take(fpt * src.length * Float.BYTES, preferredBytes(copy, src.length, fpt));
                DirectBuffers.copyFloats(src.kv[i], 0, copy.kv[i], 0, fpt * src.length);
            }
        }
        copy.length = src.length;
        return copy;
    }

    /** Called by {@link OrtSequence#close()}: returns its reservation and buffers (or its arena slot). */
    synchronized void release(OrtSequence seq) {
        if (arena != null) {
            arena.release(seq);
            return;
        }
        reservedTokens -= seq.reserved;
        liveExportedSequences--;
        for (int i = 0; i < seq.kv.length; i++) {
            if (!closed) {
                buffers.give(seq.kv[i]);
            }
            seq.kv[i] = null;
        }
    }

    /** Buffer size to ask for when a sequence grows to {@code tokens}: room for half as many again, up to its cap. */
    private static long preferredBytes(OrtSequence seq, int tokens, long floatsPerToken) {
        long want = Math.max(tokens, Math.min(seq.reserved, Math.max(64, tokens + tokens / 2L)));
        return want * floatsPerToken * Float.BYTES;
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

    /** How rows are grouped into session runs; {@code past} is -1 when rows of any past length may share a run. */
    private record GroupKey(int newTokens, int past, boolean tokenByToken) {
    }

    @Override
    public synchronized float[][] forward(List<SequenceState> rows, List<int[]> tokens) {
        ensureOpen();
        OrtSequence[] seqs = validate(rows, tokens);
        if (arena != null) {
            return forwardArena(seqs, tokens);
        }
        float[][] out = new float[seqs.length][];
        Map<GroupKey, List<Integer>> groups = new LinkedHashMap<>();
        for (int r = 0; r < seqs.length; r++) {
            groups.computeIfAbsent(groupKey(seqs[r].length, tokens.get(r).length), k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<GroupKey, List<Integer>> g : groups.entrySet()) {
            runGroup(g.getKey(), g.getValue(), seqs, tokens, out);
        }
        return out;
    }

    private GroupKey groupKey(int past, int n) {
        if (n == 1) {
            return new GroupKey(1, leftPadding ? -1 : past, false);
        }
        if (past == 0 || multiTokenWithPast) {
            return new GroupKey(n, past, false);
        }
        return new GroupKey(n, leftPadding ? -1 : past, true);
    }

    private void runGroup(GroupKey key, List<Integer> rows, OrtSequence[] seqs, List<int[]> tokens, float[][] out) {
        int perRun = rowsPerRun(key, rows, seqs);
        for (int from = 0; from < rows.size(); from += perRun) {
            List<Integer> part = rows.subList(from, Math.min(rows.size(), from + perRun));
            OrtSequence[] rs = new OrtSequence[part.size()];
            int[][] ts = new int[part.size()][];
            for (int i = 0; i < rs.length; i++) {
                rs[i] = seqs[part.get(i)];
                ts[i] = tokens.get(part.get(i));
            }
            float[][] logits;
            if (key.tokenByToken()) {
                logits = null;
                int[][] column = new int[rs.length][1];
                for (int j = 0; j < key.newTokens(); j++) {
                    for (int i = 0; i < rs.length; i++) {
                        column[i][0] = ts[i][j];
                    }
                    logits = run(rs, column);
                }
            } else {
                logits = run(rs, ts);
            }
            for (int i = 0; i < rs.length; i++) {
                out[part.get(i)] = logits[i];
            }
        }
    }

    /** Rows per session run so that neither the logits nor a batched cache tensor exceeds {@link #RUN_TENSOR_BYTES}. */
    private int rowsPerRun(GroupKey key, List<Integer> rows, OrtSequence[] seqs) {
        int n = key.tokenByToken() ? 1 : key.newTokens();
        int maxPast = 0;
        for (int r : rows) {
            maxPast = Math.max(maxPast, seqs[r].length);
        }
        long total = maxPast + (long) key.newTokens();
        long perRow = (long) n * vocab * Float.BYTES;
        for (DecoderGraph.CacheSlot s : graph.slots()) {
            perRow = Math.max(perRow, graph.floatsPerToken(s) * total * Float.BYTES);
        }
        return (int) Math.max(1, Math.min(rows.size(), RUN_TENSOR_BYTES / perRow));
    }

    /** Checks every row before any cache is touched, so a rejected call leaves all sequences as they were. */
    private OrtSequence[] validate(List<SequenceState> rows, List<int[]> tokens) {
        OrtSequence[] seqs = new OrtSequence[rows.size()];
        for (int r = 0; r < seqs.length; r++) {
            seqs[r] = own(rows.get(r), "row " + r);
        }
        ForwardRows.check(java.util.Arrays.asList(seqs), tokens, vocab, q -> q.length, q -> q.reserved,
                "reservation");
        return seqs;
    }

    /**
     * One session run: appends {@code tokens[i]} (all of one length) to {@code rows[i]} and returns the logits of each
     * row's last new position. Rows of different lengths are left-padded (the caller decides whether the graph allows
     * it). Nothing is committed to a sequence unless the run succeeds.
     *
     * @throws IllegalStateException when ONNX Runtime fails
     */
    private float[][] run(OrtSequence[] rows, int[][] tokens) {
        int b = rows.length;
        int n = tokens[0].length;
        int maxPast = 0;
        for (OrtSequence q : rows) {
            maxPast = Math.max(maxPast, q.length);
        }
        int total = maxPast + n;
        int heads = graph.kvHeads();
        int hd = graph.headDim();
        boolean single = b == 1;
        ByteBuffer[] fresh = single ? new ByteBuffer[slotCount] : null;
        List<OnnxTensor> open = new ArrayList<>(2 * slotCount + 4);
        try {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            Map<String, OnnxTensor> outputs = new HashMap<>();

            // token ids [b, n], attention mask [b, total] (zero over each row's left padding), positions [b, n]
            idScratch = DirectBuffers.ensure(idScratch, (long) b * n * Long.BYTES);
            IndexWriter ids = new IndexWriter(graph.idType(), idScratch);
            for (int r = 0; r < b; r++) {
                for (int i = 0; i < n; i++) {
                    ids.put(r * n + i, tokens[r][i]);
                }
            }
            inputs.put(graph.inputIds(), open(ids.tensor(env, b, n), open));
            if (graph.attentionMask() != null) {
                maskScratch = DirectBuffers.ensure(maskScratch, (long) b * total * Long.BYTES);
                IndexWriter mask = new IndexWriter(graph.maskType(), maskScratch);
                for (int r = 0; r < b; r++) {
                    int pad = maxPast - rows[r].length;
                    for (int t = 0; t < total; t++) {
                        mask.put(r * total + t, t < pad ? 0 : 1);
                    }
                }
                inputs.put(graph.attentionMask(), open(mask.tensor(env, b, total), open));
            }
            if (graph.positionIds() != null) {
                positionScratch = DirectBuffers.ensure(positionScratch, (long) b * n * Long.BYTES);
                IndexWriter pos = new IndexWriter(graph.positionType(), positionScratch);
                for (int r = 0; r < b; r++) {
                    for (int i = 0; i < n; i++) {
                        pos.put(r * n + i, rows[r].length + i);
                    }
                }
                inputs.put(graph.positionIds(), open(pos.tensor(env, b, n), open));
            }

            // caches: past in, present pinned
            for (int s = 0; s < slotCount; s++) {
                DecoderGraph.CacheSlot slot = graph.slots().get(s);
                long fpt = graph.floatsPerToken(slot);
                FloatBuffer past;
                FloatBuffer present;
                if (single) {
                    OrtSequence q = rows[0];
                    past = DirectBuffers.floats(q.kv[s] == null ? DirectBuffers.EMPTY : q.kv[s], 0, fpt * maxPast);
                    fresh[s] = buffers.take(fpt * total * Float.BYTES, preferredBytes(q, total, fpt));
                    present = DirectBuffers.floats(fresh[s], 0, fpt * total);
                } else {
                    pastScratch[s] = DirectBuffers.ensure(pastScratch[s], fpt * b * maxPast * Float.BYTES);
                    gather(rows, s, slot.planes(), heads, hd, maxPast);
                    past = DirectBuffers.floats(pastScratch[s], 0, fpt * b * maxPast);
                    presentScratch[s] = DirectBuffers.ensure(presentScratch[s], fpt * b * total * Float.BYTES);
                    present = DirectBuffers.floats(presentScratch[s], 0, fpt * b * total);
                }
                inputs.put(slot.past(), open(OnnxTensor.createTensor(env, past,
                        cacheShape(slot, b, maxPast)), open));
                outputs.put(slot.present(), open(OnnxTensor.createTensor(env, present,
                        cacheShape(slot, b, total)), open));
            }
            int positions = graph.lastLogitOnly() ? 1 : n; // with left padding, a row's last position is its last token
            long logitFloats = (long) b * positions * vocab;
            logitScratch = DirectBuffers.ensure(logitScratch, logitFloats * Float.BYTES);
            FloatBuffer logits = DirectBuffers.floats(logitScratch, 0, logitFloats);
            outputs.put(graph.logits(), open(OnnxTensor.createTensor(env, logits,
                    new long[] {b, positions, vocab}), open));

            sessionRuns++;
            try (OrtSession.Result ignored = session.run(inputs, Collections.emptySet(), outputs, runOptions)) {
                // every output is pinned: the results are already in our buffers
            }

            float[][] result = new float[b][vocab];
            for (int r = 0; r < b; r++) {
                logits.get(Math.toIntExact(((long) r * positions + positions - 1) * vocab), result[r]);
            }
            // commit the new caches
            if (single) {
                OrtSequence q = rows[0];
                for (int s = 0; s < slotCount; s++) {
                    buffers.give(q.kv[s]);
                    q.kv[s] = fresh[s];
                    fresh[s] = null;
                }
            } else {
                for (int s = 0; s < slotCount; s++) {
                    scatter(rows, s, graph.slots().get(s).planes(), heads, hd, maxPast, total);
                }
            }
            for (OrtSequence q : rows) {
                q.length += n;
            }
            return result;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed running " + graphFile.getFileName() + " (batch " + b
                    + ", " + n + " new tokens, past up to " + maxPast + "): " + e.getMessage(), e);
        } finally {
            closeAll(open);
            if (fresh != null) {
                for (ByteBuffer f : fresh) {
                    buffers.give(f);
                }
            }
        }
    }

    /** Tracks a step's tensor for the {@code finally} that closes it (see {@link #closeAll}) and counts it live. */
    private OnnxTensor open(OnnxTensor tensor, List<OnnxTensor> open) {
        open.add(tensor);
        liveTensors++;
        return tensor;
    }

    private void closeAll(List<OnnxTensor> open) {
        for (OnnxTensor t : open) {
            t.close();
            liveTensors--;
        }
    }

    /** {@code [b, heads, len, hd]}, or {@code [2, b, heads, len, hd]} for stacked caches. */
    private long[] cacheShape(DecoderGraph.CacheSlot slot, int b, int len) {
        return slot.planes() == 2
                ? new long[] {2, b, graph.kvHeads(), len, graph.headDim()}
                : new long[] {b, graph.kvHeads(), len, graph.headDim()};
    }

    /** Copies each row's cache of slot {@code s} into the batch past tensor, right-aligned; zeroes the padding. */
    private void gather(OrtSequence[] rows, int s, int planes, int heads, int hd, int maxPast) {
        int b = rows.length;
        ByteBuffer dst = pastScratch[s];
        for (int r = 0; r < b; r++) {
            OrtSequence q = rows[r];
            int len = q.length;
            int pad = maxPast - len;
            for (int g = 0; g < planes; g++) {
                for (int h = 0; h < heads; h++) {
                    long base = (((long) g * b + r) * heads + h) * maxPast * hd;
                    if (pad > 0) {
                        DirectBuffers.zeroFloats(dst, base, (long) pad * hd);
                    }
                    if (len > 0) {
                        long src = ((long) g * heads + h) * len * hd;
                        DirectBuffers.copyFloats(q.kv[s], src, dst, base + (long) pad * hd, (long) len * hd);
                    }
                }
            }
        }
    }

    /** Copies each row's part of the batch present tensor of slot {@code s} back into the row's own storage. */
    private void scatter(OrtSequence[] rows, int s, int planes, int heads, int hd, int maxPast, int total) {
        int b = rows.length;
        ByteBuffer src = presentScratch[s];
        long fpt = (long) planes * heads * hd;
        for (int r = 0; r < b; r++) {
            OrtSequence q = rows[r];
            int pad = maxPast - q.length;
            int len = total - pad;
            long need = fpt * len * Float.BYTES;
            if (q.kv[s] == null || q.kv[s].capacity() < need) {
                ByteBuffer grown = buffers.take(need, preferredBytes(q, len, fpt));
                buffers.give(q.kv[s]);
                q.kv[s] = grown;
            }
            for (int g = 0; g < planes; g++) {
                for (int h = 0; h < heads; h++) {
                    long from = ((((long) g * b + r) * heads + h) * total + pad) * hd;
                    long to = ((long) g * heads + h) * len * hd;
                    DirectBuffers.copyFloats(src, from, q.kv[s], to, (long) len * hd);
                }
            }
        }
    }

    /** Writes int32 or int64 values into a scratch buffer and wraps the written prefix as a tensor. */
    private static final class IndexWriter {
        private final OnnxJavaType type;
        private final ByteBuffer buffer;

        IndexWriter(OnnxJavaType type, ByteBuffer buffer) {
            this.type = type;
            this.buffer = buffer;
        }

        void put(int index, long value) {
            if (type == OnnxJavaType.INT32) {
                buffer.putInt(index * Integer.BYTES, (int) value);
            } else {
                buffer.putLong(index * Long.BYTES, value);
            }
        }

        OnnxTensor tensor(OrtEnvironment env, int rows, int cols) throws OrtException {
            long count = (long) rows * cols;
            long[] shape = {rows, cols};
            return type == OnnxJavaType.INT32
                    ? OnnxTensor.createTensor(env, DirectBuffers.ints(buffer, count), shape)
                    : OnnxTensor.createTensor(env, DirectBuffers.longs(buffer, count), shape);
        }
    }

    // ---- shared KV arena (built gqa-shared-kv graphs) -------------------------------------------------------------

    /**
     * One step over the arena: all one-token rows (decodes, and one-token first prompts) in one run, all first prompts
     * of several tokens in one run (right-padded), each prompt chunk onto an existing cache in a run of its own. The
     * decode rows and the first prompts are first arranged into consecutive slots ({@link KvArena#arrange},
     * {@link KvArena#placeEmpty}).
     */
    private float[][] forwardArena(OrtSequence[] seqs, List<int[]> tokens) {
        int n = seqs.length;
        float[][] out = new float[n][];
        Map<OrtSequence, Integer> rowOf = new IdentityHashMap<>();
        List<OrtSequence> decode = new ArrayList<>();
        List<OrtSequence> first = new ArrayList<>();
        List<OrtSequence> chunks = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            OrtSequence q = seqs[r];
            rowOf.put(q, r);
            int len = tokens.get(r).length;
            if (len == 1) {
                decode.add(q);
            } else if (q.length == 0) {
                first.add(q);
            } else {
                chunks.add(q);
            }
        }
        int avoidLo = 0;
        int avoidHi = 0;
        OrtSequence[] decodeRun = null;
        if (!decode.isEmpty()) {
            avoidLo = arena.arrange(decode.toArray(new OrtSequence[0]));
            avoidHi = avoidLo + decode.size();
            decodeRun = new OrtSequence[decode.size()];
            for (int s = avoidLo; s < avoidHi; s++) {
                decodeRun[s - avoidLo] = arena.occupant(s);
            }
        }
        List<OrtSequence[]> firstRuns = first.isEmpty() ? List.of()
                : arena.placeEmpty(first.toArray(new OrtSequence[0]), avoidLo, avoidHi);
        if (decodeRun != null) {
            runArenaSplit(decodeRun, tokens, rowOf, false, out);
        }
        for (OrtSequence[] run : firstRuns) {
            runArenaSplit(run, tokens, rowOf, true, out);
        }
        for (OrtSequence q : chunks) {
            runArenaSplit(new OrtSequence[] {q}, tokens, rowOf, false, out);
        }
        return out;
    }

    /** Runs {@code rows} (consecutive slots, in slot order) in as few runs as {@link #RUN_TENSOR_BYTES} allows. */
    private void runArenaSplit(OrtSequence[] rows, List<int[]> tokens, Map<OrtSequence, Integer> rowOf,
                               boolean firstPrompt, float[][] out) {
        int s = 0;
        for (OrtSequence q : rows) {
            s = Math.max(s, tokens.get(rowOf.get(q)).length);
        }
        long perRow = (long) (built.allLogits() ? s : 1) * vocab * Float.BYTES;
        int perRun = (int) Math.max(1, Math.min(rows.length, RUN_TENSOR_BYTES / perRow));
        for (int from = 0; from < rows.length; from += perRun) {
            OrtSequence[] part = java.util.Arrays.copyOfRange(rows, from, Math.min(rows.length, from + perRun));
            int[][] ts = new int[part.length][];
            for (int i = 0; i < part.length; i++) {
                ts[i] = tokens.get(rowOf.get(part[i]));
            }
            float[][] logits = runArena(part, ts, firstPrompt);
            for (int i = 0; i < part.length; i++) {
                out[rowOf.get(part[i])] = logits[i];
            }
        }
    }

    /**
     * One session run over arena slots {@code [rows[0].slot, rows[0].slot + rows.length)}: right-padded ids, a prefix
     * mask per row, one {@code OnnxTensor} per cache tensor over the slots' slice passed as past and pinned as
     * present (updated in place), logits pinned into a direct buffer. Either every row adds the same number of tokens
     * onto its cache (a decode step, or one row's chunk), or ({@code firstPrompt}) every cache is empty and rows hold
     * up to {@code S} tokens, right-padded. Lengths are committed only when the run succeeds; a failed run may have
     * written past the rows' lengths, which no later step reads.
     */
    private float[][] runArena(OrtSequence[] rows, int[][] tokens, boolean firstPrompt) {
        int b = rows.length;
        int lo = rows[0].slot;
        int s = 0;
        int width = 0;
        for (int r = 0; r < b; r++) {
            if (rows[r].slot != lo + r) {
                throw new IllegalStateException("arena rows are not in consecutive slots: " + List.of(rows));
            }
            s = Math.max(s, tokens[r].length);
            width = Math.max(width, rows[r].length + tokens[r].length);
        }
        if (firstPrompt) {
            width = s;
        }
        int positions = built.allLogits() ? s : 1;
        List<OnnxTensor> open = new ArrayList<>(slotCount + 3);
        try {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            Map<String, OnnxTensor> outputs = new HashMap<>();
            idScratch = DirectBuffers.ensure(idScratch, (long) b * s * Long.BYTES);
            IndexWriter ids = new IndexWriter(graph.idType(), idScratch);
            maskScratch = DirectBuffers.ensure(maskScratch, (long) b * width * Long.BYTES);
            IndexWriter mask = new IndexWriter(graph.maskType(), maskScratch);
            for (int r = 0; r < b; r++) {
                int[] t = tokens[r];
                for (int i = 0; i < s; i++) {
                    ids.put(r * s + i, i < t.length ? t[i] : 0);
                }
                int real = rows[r].length + t.length;
                for (int j = 0; j < width; j++) {
                    mask.put(r * width + j, j < real ? 1 : 0);
                }
            }
            inputs.put(graph.inputIds(), open(ids.tensor(env, b, s), open));
            inputs.put(graph.attentionMask(), open(mask.tensor(env, b, width), open));
            long[] kvShape = {b, graph.kvHeads(), arena.capacity, graph.headDim()};
            for (int i = 0; i < slotCount; i++) {
                DecoderGraph.CacheSlot slot = graph.slots().get(i);
                OnnxTensor kv = open(OnnxTensor.createTensor(env, arena.view(i, lo, b), kvShape), open);
                inputs.put(slot.past(), kv);
                outputs.put(slot.present(), kv);
            }
            long logitFloats = (long) b * positions * vocab;
            logitScratch = DirectBuffers.ensure(logitScratch, logitFloats * Float.BYTES);
            FloatBuffer logits = DirectBuffers.floats(logitScratch, 0, logitFloats);
            outputs.put(graph.logits(), open(OnnxTensor.createTensor(env, logits,
                    new long[] {b, positions, vocab}), open));

            sessionRuns++;
            long t0 = System.nanoTime();
            try (OrtSession.Result ignored = session.run(inputs, Collections.emptySet(), outputs)) {
                // every output is pinned: the results are already in our buffers
            }
            sessionNanos += System.nanoTime() - t0;

            float[][] result = new float[b][vocab];
            for (int r = 0; r < b; r++) {
                int p = built.allLogits() ? tokens[r].length - 1 : 0;
                logits.get(Math.toIntExact(((long) r * positions + p) * vocab), result[r]);
            }
            for (int r = 0; r < b; r++) {
                rows[r].length += tokens[r].length;
            }
            return result;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed running " + graphFile.getFileName() + " (batch " + b
                    + ", " + s + " new tokens, mask width " + width + ", slots " + lo + ".." + (lo + b - 1) + "): "
                    + e.getMessage(), e);
        } finally {
            closeAll(open);
        }
    }

    // ---- capability probe -----------------------------------------------------------------------------------------

    /**
     * Finds out, with a few runs of a handful of tokens, whether the graph appends several tokens to a non-empty past
     * correctly and whether decode rows may be left-padded, by comparing against single-token runs of the same
     * tokens. Leaves no sequence or reservation behind.
     */
    private void probe() {
        if (capacity < 3) {
            return;
        }
        int[] t = new int[5];
        for (int i = 0; i < t.length; i++) {
            t[i] = (int) ((1L + 7919L * (i + 1)) % vocab);
        }
        try (OrtSession.RunOptions quiet = new OrtSession.RunOptions()) {
            quiet.setLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            runOptions = quiet;
            multiTokenWithPast = probeChunkOnPast(t);
            leftPadding = graph.attentionMask() != null && probeLeftPadding(t);
        } catch (OrtException e) {
            throw new IllegalStateException("cannot create ONNX Runtime run options: " + e.getMessage(), e);
        } finally {
            runOptions = null;
        }
    }

    private boolean probeChunkOnPast(int[] t) {
        try (OrtSequence a = reserve(3); OrtSequence b = reserve(3)) {
            run(new OrtSequence[] {a}, new int[][] {{t[0]}});
            float[] chunk;
            try {
                chunk = run(new OrtSequence[] {a}, new int[][] {{t[1], t[2]}})[0];
            } catch (IllegalStateException e) {
                log.debug("{}: several new tokens on a past fail, feeding them one at a time: {}",
                        graphFile.getFileName(), e.getMessage());
                return false;
            }
            for (int id : new int[] {t[0], t[1]}) {
                run(new OrtSequence[] {b}, new int[][] {{id}});
            }
            float[] ref = run(new OrtSequence[] {b}, new int[][] {{t[2]}})[0];
            return agrees(ref, chunk, "a multi-token chunk on a past");
        }
    }

    private boolean probeLeftPadding(int[] t) {
        try (OrtSequence c = reserve(3); OrtSequence d = reserve(3); OrtSequence cAlone = reserve(3);
             OrtSequence dAlone = reserve(3)) {
            for (OrtSequence q : new OrtSequence[] {c, cAlone}) {
                run(new OrtSequence[] {q}, new int[][] {{t[0]}});
                run(new OrtSequence[] {q}, new int[][] {{t[1]}});
            }
            for (OrtSequence q : new OrtSequence[] {d, dAlone}) {
                run(new OrtSequence[] {q}, new int[][] {{t[2]}});
            }
            float[] refC = run(new OrtSequence[] {cAlone}, new int[][] {{t[3]}})[0];
            float[] refD = run(new OrtSequence[] {dAlone}, new int[][] {{t[4]}})[0];
            float[][] batched;
            try {
                batched = run(new OrtSequence[] {c, d}, new int[][] {{t[3]}, {t[4]}});
            } catch (IllegalStateException e) {
                log.debug("{}: left-padded batch fails, grouping decode rows by length: {}",
                        graphFile.getFileName(), e.getMessage());
                return false;
            }
            return agrees(refC, batched[0], "left padding") && agrees(refD, batched[1], "left padding");
        }
    }

    private boolean agrees(float[] expected, float[] actual, String what) {
        double scale = 1;
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            double d = Math.abs((double) expected[i] - actual[i]);
            if (!(d <= diff)) { // also catches NaN
                diff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
            }
        }
        boolean ok = diff <= PROBE_TOLERANCE * scale;
        if (!ok) {
            log.info("{}: {} changes the logits (max |diff| {}), not using it", graphFile.getFileName(), what, diff);
        }
        return ok;
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
        try {
            session.close();
        } catch (OrtException e) {
            log.warn("closing ONNX Runtime session of {}: {}", graphFile, e.getMessage());
        }
        tokenizer.close();
        buffers.clear();
        if (arena != null) {
            arena.free();
        }
        idScratch = maskScratch = positionScratch = logitScratch = null;
        java.util.Arrays.fill(pastScratch, null);
        java.util.Arrays.fill(presentScratch, null);
    }

    @Override
    public String toString() {
        return "OrtDecoderModel[" + graphFile + ", " + (device == null ? "cpu" : device) + ", vocab " + vocab
                + ", capacity " + capacity + "]";
    }
}
