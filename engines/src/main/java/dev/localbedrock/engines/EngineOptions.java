package dev.localbedrock.engines;

import dev.localbedrock.engines.onnxbuild.BuildOptions;
import dev.localbedrock.engines.onnxbuild.OnnxGraphCache;

import java.nio.file.Path;

/**
 * Tuning knobs common to every engine, plus how the ONNX Runtime engine gets a graph for a plain Hugging Face
 * checkpoint.
 *
 * @param maxSequenceTokens KV capacity of one sequence (prompt plus generated tokens); 0 or less means
 *                          {@link #defaultSequenceTokens defaultSequenceTokens(the model's own limit)}, i.e.
 *                          {@code min(max_position_embeddings, 2048)}; a value above the model's limit is an error
 * @param intraOpThreads    threads one operation may use; 0 or less means {@code OMP_NUM_THREADS} when set, else the
 *                          engine's default (one per core). For PyTorch this is process-wide.
 * @param kvCacheTokens     KV tokens the model preallocates for all its sequences together; 0 or less means
 *                          {@link #DEFAULT_KV_SEQUENCES} × {@code maxSequenceTokens}, reduced (to no fewer than one
 *                          sequence) so the cache stays within {@link #DEFAULT_KV_BYTES}. How an engine divides the
 *                          pool among sequences is its own: the PyTorch engine and the ONNX Runtime engine on a built
 *                          graph give every live sequence a slot of {@code maxSequenceTokens}, so the pool holds
 *                          {@code kvCacheTokens / maxSequenceTokens} sequences at once.
 * @param quantize          ONNX Runtime engine only: weight format of the graph built from the checkpoint's
 *                          safetensors, {@code none} (float32; also {@code f32}), {@code int8} or {@code int4}
 *                          (block-wise, {@code MatMulNBits}) or {@code int8-dynamic} (per-channel int8,
 *                          {@code DynamicQuantizeMatMul}); see {@link BuildOptions.Quantization}. {@code null} (or
 *                          blank) means not specified. Other engines ignore it.
 * @param onnxVariant       ONNX Runtime engine only: attention design of the built graph, {@code gqa-shared-kv}
 *                          (the default when a graph is built: shared in-place KV buffers, the fast path) or
 *                          {@code standard} (plain ONNX ops); {@code null} (or blank) means not specified.
 * @param onnxCacheDir      ONNX Runtime engine only: where built graphs are cached ({@code null}: the system property
 *                          {@value #ONNX_CACHE_PROPERTY}, else the environment variable {@value #ONNX_CACHE_ENV}, else
 *                          {@code <model dir>/.onnx-cache} when that directory is writable, else
 *                          {@code ~/.cache/local-bedrock/onnx}).
 *
 * <p><b>Which graph the ONNX Runtime engine runs.</b> A model directory with an exported graph ({@code onnx/model.onnx},
 * {@code genai_config.json}, …) runs that graph, unless {@code quantize} or {@code onnxVariant} is specified: then, as
 * for a directory with no graph at all, a graph is built from {@code config.json} and the safetensors (once per
 * checkpoint and options, see {@link OnnxGraphCache}) and run. So {@code quantize: none} on a directory that ships an
 * export selects the graph built here over the export.
 */
public record EngineOptions(int maxSequenceTokens, int intraOpThreads, int kvCacheTokens, String quantize,
                            String onnxVariant, Path onnxCacheDir) {

    /** The context a sequence gets when none is asked for and the model's own limit is larger (or unknown). */
    public static final int DEFAULT_MAX_SEQUENCE_TOKENS = 2048;
    /** Sequences the default KV pool holds when memory allows. */
    public static final int DEFAULT_KV_SEQUENCES = 8;
    /** Upper bound of the default KV pool in bytes (4 GiB); an explicit {@code kvCacheTokens} is not bounded. */
    public static final long DEFAULT_KV_BYTES = 4L << 30;
    /** System property naming the built-graph cache directory. */
    public static final String ONNX_CACHE_PROPERTY = OnnxGraphCache.CACHE_PROPERTY;
    /** Environment variable naming the built-graph cache directory (when the property is not set). */
    public static final String ONNX_CACHE_ENV = OnnxGraphCache.CACHE_ENV;

    /**
     * Normalises blank strings to {@code null} and checks {@code quantize} and {@code onnxVariant} early, so a bad
     * configuration value fails where it is read, naming the accepted values.
     *
     * @throws IllegalArgumentException for an unknown quantization or variant
     */
    public EngineOptions {
        quantize = quantize == null || quantize.isBlank() ? null : quantize.trim();
        onnxVariant = onnxVariant == null || onnxVariant.isBlank() ? null : onnxVariant.trim();
        if (quantize != null) {
            BuildOptions.Quantization.parse(quantize);
        }
        if (onnxVariant != null) {
            BuildOptions.Variant.parse(onnxVariant);
        }
    }

    /**
     * The per-sequence context used when {@code maxSequenceTokens} is not given: the model's own limit, at most
     * {@value #DEFAULT_MAX_SEQUENCE_TOKENS} (a GPT-2 with 512 learned positions gets 512, a Llama 2 with 4096 gets
     * 2048). One rule for every engine, so a default can never exceed what the model can do.
     *
     * @param modelLimit the model's positions ({@code max_position_embeddings}); 0 or less when unknown
     */
    public static int defaultSequenceTokens(int modelLimit) {
        return modelLimit > 0 ? Math.min(modelLimit, DEFAULT_MAX_SEQUENCE_TOKENS) : DEFAULT_MAX_SEQUENCE_TOKENS;
    }

    /** Options with the default KV pool size; the constructor existing callers use. */
    public EngineOptions(int maxSequenceTokens, int intraOpThreads) {
        this(maxSequenceTokens, intraOpThreads, 0);
    }

    /** Options with no ONNX graph-building preferences. */
    public EngineOptions(int maxSequenceTokens, int intraOpThreads, int kvCacheTokens) {
        this(maxSequenceTokens, intraOpThreads, kvCacheTokens, null, null, null);
    }

    /** Engine defaults for every knob. */
    public static EngineOptions defaults() {
        return new EngineOptions(0, 0, 0);
    }

    /** A copy with another sequence capacity. */
    public EngineOptions withMaxSequenceTokens(int tokens) {
        return new EngineOptions(tokens, intraOpThreads, kvCacheTokens, quantize, onnxVariant, onnxCacheDir);
    }

    /** A copy with another thread count. */
    public EngineOptions withIntraOpThreads(int threads) {
        return new EngineOptions(maxSequenceTokens, threads, kvCacheTokens, quantize, onnxVariant, onnxCacheDir);
    }

    /** A copy with another KV pool size (tokens across all sequences; 0 for the default). */
    public EngineOptions withKvCacheTokens(int tokens) {
        return new EngineOptions(maxSequenceTokens, intraOpThreads, tokens, quantize, onnxVariant, onnxCacheDir);
    }

    /**
     * A copy with another built-graph weight format: {@code none}/{@code f32} or {@code int8}; {@code null} for not
     * specified.
     *
     * @throws IllegalArgumentException for an unknown value
     */
    public EngineOptions withQuantize(String quantization) {
        return new EngineOptions(maxSequenceTokens, intraOpThreads, kvCacheTokens, quantization, onnxVariant,
                onnxCacheDir);
    }

    /**
     * A copy with another built-graph variant: {@code gqa-shared-kv} or {@code standard}; {@code null} for not
     * specified.
     *
     * @throws IllegalArgumentException for an unknown value
     */
    public EngineOptions withOnnxVariant(String variant) {
        return new EngineOptions(maxSequenceTokens, intraOpThreads, kvCacheTokens, quantize, variant, onnxCacheDir);
    }

    /** A copy with another built-graph cache directory ({@code null} for the default). */
    public EngineOptions withOnnxCacheDir(Path dir) {
        return new EngineOptions(maxSequenceTokens, intraOpThreads, kvCacheTokens, quantize, onnxVariant, dir);
    }

    /** Whether the options ask for a graph built from the checkpoint even where the directory ships one. */
    public boolean buildsOnnxGraph() {
        return quantize != null || onnxVariant != null;
    }

    /**
     * What to build when the ONNX Runtime engine builds a graph: {@link BuildOptions#defaults()} (GQA with shared KV
     * buffers, float32, last-token logits) with {@link #quantize} and {@link #onnxVariant} applied when given.
     */
    public BuildOptions onnxBuildOptions() {
        BuildOptions b = BuildOptions.defaults();
        if (quantize != null) {
            b = b.withQuantization(BuildOptions.Quantization.parse(quantize));
        }
        if (onnxVariant != null) {
            b = b.withVariant(BuildOptions.Variant.parse(onnxVariant));
        }
        return b;
    }

    /**
     * The pool size an engine should allocate when each sequence needs {@code sequenceTokens} and one KV token costs
     * {@code bytesPerToken}: {@link #kvCacheTokens()} when positive, else the documented default.
     */
    public long resolveKvCacheTokens(int sequenceTokens, long bytesPerToken) {
        if (kvCacheTokens > 0) {
            return kvCacheTokens;
        }
        long sequences = DEFAULT_KV_SEQUENCES;
        long perSequence = Math.max(1, (long) sequenceTokens * Math.max(1, bytesPerToken));
        sequences = Math.max(1, Math.min(sequences, DEFAULT_KV_BYTES / perSequence));
        return sequences * sequenceTokens;
    }
}
