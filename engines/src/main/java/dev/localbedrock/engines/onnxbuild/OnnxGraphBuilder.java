package dev.localbedrock.engines.onnxbuild;

import dev.localbedrock.engines.hf.DType;
import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.SafeTensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Builds an ONNX decoder graph with past/present key-values from a Hugging Face checkpoint ({@code config.json} plus
 * {@code model.safetensors} or a sharded {@code model.safetensors.index.json}; F32, F16 or BF16 weights, converted to
 * float32; tied or untied output head), in Java, for ONNX Runtime's CPU provider (1.23.2).
 *
 * <h2>Supported checkpoints</h2>
 * <ul>
 *   <li>{@code llama} (Llama 2, Llama 3/3.1/3.2, TinyLlama, any GQA ratio), {@code mistral} (sliding window, as
 *       GroupQueryAttention's {@code local_window_size = W-1} or a banded mask), {@code qwen2} (Q/K/V biases; a
 *       per-layer sliding window is rejected); biases on any projection are used when present;
 *       {@code hidden_act silu}.</li>
 *   <li>{@code rope_scaling}: none, {@code linear}, {@code llama3}, and {@code dynamic} only up to
 *       {@code max_position_embeddings} (where it is the unscaled rotation); {@code yarn}, {@code longrope} and
 *       others are rejected with a message.</li>
 *   <li>{@code gpt2}: learned positions, {@code gelu_new}/{@code gelu_pytorch_tanh} ({@code FastGelu}) or {@code gelu}
 *       ({@code BiasGelu}), {@code scale_attn_weights}, {@code scale_attn_by_inverse_layer_idx}.</li>
 * </ul>
 *
 * <h2>Files</h2>
 * {@code outDir/}{@value #MODEL_FILE}, {@code outDir/}{@value #DATA_FILE} when the weights are external
 * ({@link BuildOptions.ExternalData}; AUTO above {@value #AUTO_EXTERNAL_BYTES} bytes, always when a graph would pass
 * protobuf's 2 GiB limit), and {@code outDir/}{@value #SPEC_FILE} ({@link GraphSpec}). Weights are streamed from the
 * memory-mapped checkpoint into the data file tensor by tensor (heap: one layer's small vectors and a few-MB
 * transposition block). The model's {@code metadata_props} repeat the spec under {@code localbedrock.*} keys.
 *
 * <h2>Graph inputs and outputs</h2>
 * Names follow Optimum / onnxruntime-genai: <pre>
 *   input_ids                     int64 [batch_size, sequence_length]
 *   attention_mask                int64 [batch_size, total_sequence_length]
 *   position_ids                  int64 [batch_size, sequence_length]           (STANDARD only)
 *   past_key_values.N.key|value   float [batch_size, kv_heads, past_sequence_length, head_dim]
 *   → logits                      float [batch_size, 1, vocab]   (or [batch_size, sequence_length, vocab] with allLogits)
 *   → present.N.key|value         float [batch_size, kv_heads, present_sequence_length, head_dim]
 * </pre>
 * No other inputs: {@code GroupQueryAttention}'s {@code seqlens_k} (int32 {@code [B]} = {@code sum(attention_mask[b]) - 1})
 * and {@code total_sequence_length} (int32 scalar = {@code attention_mask.shape[1]}) are computed inside the graph
 * from {@code attention_mask}. By default {@code logits} holds one position per row: its last real new token.
 *
 * <h2>Driving a {@link BuildOptions.Variant#STANDARD} graph (Optimum contract)</h2>
 * {@code attention_mask} covers past + new ({@code T = P + S}) and may be any 0/1 pattern (left padding works);
 * {@code position_ids} are the absolute positions of the new tokens (e.g. {@code cumsum(mask) - 1}); past tensors
 * have length {@code P} ({@code 0} at the start: an empty {@code [B, kv, 0, hd]} tensor); presents come back with
 * length {@code T} (past concatenated with the new keys/values) and become the next step's past. The returned logits
 * row is position {@code S-1} of each row (with left padding, every row's last token).
 *
 * <h2>Driving a {@link BuildOptions.Variant#GQA_SHARED_KV} graph</h2>
 * Rows are <b>right-padded</b>: row {@code b}'s real tokens (past and new) are a prefix of length {@code len_b} of its
 * mask row ({@code attention_mask[b, j] = 1} for {@code j < len_b}, 0 after), and its new tokens take positions
 * {@code len_b - S .. len_b - 1} (so every row of a call must add exactly {@code S} real tokens), with one exception:
 * a <i>first prompt</i>, where {@code attention_mask.shape[1] == S}: then every row starts at position 0 and holds
 * {@code len_b <= S} real tokens followed by padding (their logits and KV entries are garbage and never read).
 * ONNX Runtime's {@code GroupQueryAttention} (1.21.1 and 1.23.2) adds one restriction: a call with {@code S > 1} that
 * is not a first prompt (a chunked prefill onto a non-empty cache) needs batch size 1. So a continuous-batching step is
 * either (a) a decode step: {@code S = 1}, rows at any positions, {@code attention_mask.shape[1] = max_b len_b} (a row
 * may also be a one-token first prompt: {@code len_b = 1}); (b) a batch of new prompts: all pasts empty, right-padded
 * to {@code S}, mask width {@code S}; or (c) one row's prompt chunk onto its cache. The returned logits row of row
 * {@code b} is its last real new token ({@code min(len_b, S) - 1}).
 *
 * <p>KV tensors, two ways: (1) <i>concatenating</i>, as STANDARD: past length {@code P}, mask width {@code T >= P}
 * (normally {@code P + S}), present length {@code max(T, P)}, past copied into present; (2) <i>shared buffers</i>: one
 * preallocated tensor per layer and kind, shape {@code [B, kv, C, hd]} with capacity {@code C <= maxPositions}, over
 * a direct native-order buffer, passed as input {@code past_key_values.N.key} <b>and</b> as pinned output
 * {@code present.N.key} ({@code OrtSession.run(inputs, requestedOutputs, pinnedOutputs)}, same {@code OnnxTensor}
 * object); {@code GroupQueryAttention} sees equal pointers and appends the new keys in place at
 * {@code len_b - S .. len_b - 1}; mask width {@code T <= C}. Batch row {@code b} of the buffers is row {@code b} of
 * the call: a slot allocator that keeps live sequences in rows {@code 0..B-1} can run any step on a view of the first
 * {@code B} rows (an {@code OnnxTensor} over a slice of the buffer).
 *
 * <h2>Per-layer operators</h2>
 * See {@link LlamaGraph} and {@link Gpt2Graph}. Projections are one {@code MatMul} (weights stored {@code [in, out]};
 * Q/K/V and gate/up fused), {@code MatMulNBits} with block-wise 8- or 4-bit weights, or {@code DynamicQuantizeMatMul}
 * with per-column int8 weights; the f32 output head reads the
 * {@code [vocab, hidden]} table as stored via {@code FusedMatMul(transB=1)}, shared with the embedding when tied.
 * The STANDARD variant replaces {@code GroupQueryAttention} with plain ops (Reshape, Split, 3 Transpose, RoPE as
 * {@code x·cos + (x·R)·sin} on q and k, 2 Concat, MatMul, Add mask, Softmax, MatMul, Transpose, Reshape) and folds
 * {@code 1/√head_dim} into the Q columns.
 *
 * <h2>int8 and int4 ({@link BuildOptions.Quantization#INT8}, {@link BuildOptions.Quantization#INT4})</h2>
 * Every projection and the output head run as {@code com.microsoft.MatMulNBits} ({@code bits} 8 or 4,
 * {@code block_size} {@value #QUANT_BLOCK}, {@code accuracy_level} 4): weights stored {@code [out, blocks, blob]}
 * with an f32 scale and a uint8 zero point per block of {@value #QUANT_BLOCK} inputs (asymmetric min/max, see
 * {@link BlockQuantizer}); a tied output head gets its own quantized copy. The kernel quantizes each activation row
 * to int8 per block of the same size, so no value of one row enters another row's result: a row's logits do not
 * depend on its batch neighbours, as in f32 (the engine tests check this, bit for bit). Embeddings, norms, biases,
 * rotary tables and the KV cache stay f32. 8-bit {@code MatMulNBits} on the CPU needs ONNX Runtime 1.22 or newer;
 * the build uses 1.23.2.
 *
 * <h2>int8-dynamic ({@link BuildOptions.Quantization#INT8_DYNAMIC})</h2>
 * Every projection and the output head run as {@code DynamicQuantizeMatMul}: weights int8 {@code [in, out]} with one
 * f32 scale per output column ({@code max|w| / 127}, symmetric), activations quantized to uint8 on the fly with one
 * scale for the whole {@code [B, S, in]} tensor. Because the activation scale is per tensor, a row's logits depend
 * (within the quantization step) on the other rows of its batch, so greedy tokens may differ with the batch
 * composition; in the GQA variant the attention output at padding positions is zeroed ({@code Where}) so padding
 * never enters the scale. ({@code DequantizeLinear} + {@code MatMul} dequantizes every weight at every step and
 * measured 10× slower than f32.)
 */
public final class OnnxGraphBuilder {
    /** Bump whenever the produced graph changes for the same inputs (it is part of the cache key). */
    public static final int BUILDER_VERSION = 2;
    /** Inputs per quantization block of the block-wise formats (as llama.cpp's Q8_0 and Q4_0). */
    public static final int QUANT_BLOCK = 32;
    public static final String MODEL_FILE = "model.onnx";
    public static final String DATA_FILE = "model.onnx.data";
    public static final String SPEC_FILE = "graph.json";
    /** {@link BuildOptions.ExternalData#AUTO} keeps weights inline up to this many bytes. */
    public static final long AUTO_EXTERNAL_BYTES = 64L << 20;
    /** {@code model_type} values the builder handles. */
    public static final Set<String> MODEL_TYPES = Collections.unmodifiableSet(new LinkedHashSet<>(
            List.of("llama", "mistral", "qwen2", "gpt2")));

    private OnnxGraphBuilder() {
    }

    /** {@link #build(Path, Path, BuildOptions, Consumer)} without progress reports. */
    public static BuiltGraph build(Path hfDir, Path outDir, BuildOptions options) throws IOException {
        return build(hfDir, outDir, options, s -> { });
    }

    /**
     * Builds the graph of the checkpoint in {@code hfDir} into {@code outDir} (created if needed; existing files of
     * the same names are replaced). Not atomic: use {@link OnnxGraphCache} for that.
     *
     * @param progress receives one line per stage (embeddings, each layer, head, files written)
     * @throws IllegalArgumentException for an unsupported model type or configuration, naming what is unsupported
     */
    public static BuiltGraph build(Path hfDir, Path outDir, BuildOptions options, Consumer<String> progress)
            throws IOException {
        BuildOptions opts = options == null ? BuildOptions.defaults() : options;
        long start = System.nanoTime();
        HfModelConfig config = HfModelConfig.load(hfDir);
        int positions = validate(config, opts);
        Files.createDirectories(outDir);
        Path modelFile = outDir.resolve(MODEL_FILE);
        Path dataFile = outDir.resolve(DATA_FILE);
        try (SafeTensors st = SafeTensors.open(hfDir)) {
            long estimate = estimateBytes(st, opts);
            boolean external = switch (opts.externalData()) {
                case ALWAYS -> true;
                case NEVER -> false;
                case AUTO -> estimate > AUTO_EXTERNAL_BYTES;
            };
            if (!external && estimate >= Integer.MAX_VALUE - (64L << 20)) {
                throw new IllegalArgumentException("the weights (" + estimate + " bytes) exceed protobuf's 2 GiB "
                        + "limit; build with external data");
            }
            Files.deleteIfExists(dataFile);
            progress.accept("building " + config.modelType() + " (" + config.numHiddenLayers() + " layers, hidden "
                    + config.hiddenSize() + ", vocab " + config.vocabSize() + ") as " + opts.cacheKey() + ", ~"
                    + (estimate >> 20) + " MiB of weights" + (external ? " in " + DATA_FILE : " inline"));
            Weights weights = new Weights(st);
            GraphSpec spec;
            try (GraphWriter g = new GraphWriter(config.modelType() + "-decoder", external ? dataFile : null)) {
                spec = config.modelType().equals("gpt2")
                        ? new Gpt2Graph(g, weights, config, opts, positions, progress).build()
                        : new LlamaGraph(g, weights, config, opts, positions, progress).build();
                g.writeModel(modelFile, "Decoder built by local-bedrock onnxbuild v" + BUILDER_VERSION + " from "
                        + hfDir.getFileName() + " (" + opts.cacheKey() + ")", spec.metadata());
            } finally {
                weights.close();
            }
            spec.write(outDir.resolve(SPEC_FILE));
            long modelBytes = Files.size(modelFile);
            long dataBytes = external ? Files.size(dataFile) : 0;
            progress.accept(String.format(java.util.Locale.ROOT, "wrote %s (%.1f MiB)%s in %.1f s", MODEL_FILE,
                    modelBytes / 1048576.0, external ? String.format(java.util.Locale.ROOT, " + %s (%.1f MiB)",
                            DATA_FILE, dataBytes / 1048576.0) : "", (System.nanoTime() - start) / 1e9));
            return new BuiltGraph(outDir, modelFile, external ? dataFile : null, spec);
        }
    }

    /**
     * Checks the checkpoint configuration can be built with these options; returns the number of positions the
     * graph will accept.
     *
     * @throws IllegalArgumentException naming the unsupported model type, field or option
     */
    public static int validate(HfModelConfig config, BuildOptions options) {
        if (!MODEL_TYPES.contains(config.modelType())) {
            throw new IllegalArgumentException("model_type '" + config.modelType() + "' is not supported by the ONNX "
                    + "graph builder (supported: " + String.join(", ", MODEL_TYPES) + ")");
        }
        int maxPos = config.maxPositionEmbeddings();
        int positions = options.maxPositions() > 0 ? options.maxPositions() : maxPos;
        if (positions <= 0) {
            throw new IllegalArgumentException("config.json has no max_position_embeddings; set maxPositions");
        }
        if (maxPos > 0 && positions > maxPos) {
            throw new IllegalArgumentException("maxPositions " + positions + " exceeds the model's "
                    + "max_position_embeddings " + maxPos);
        }
        if (config.modelType().equals("gpt2")) {
            Gpt2Graph.validate(config, options, positions);
        } else {
            LlamaGraph.validate(config, options, positions);
        }
        return positions;
    }

    /** Rough initializer bytes of the built graph (weights as f32 or quantized), to choose inline or external data. */
    static long estimateBytes(SafeTensors st, BuildOptions options) {
        long total = 0;
        for (String name : st.names()) {
            var t = st.info(name);
            DType d;
            try {
                d = t.dtype();
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (!d.convertibleToF32() || name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias")
                    || name.endsWith("rotary_emb.inv_freq")) {
                continue; // buffers, not weights: the graph does not use them
            }
            long n = t.elementCount();
            boolean matrix = t.shape().length == 2 && !name.contains("embed") && !name.contains("wte")
                    && !name.contains("wpe");
            int bits = options.quantization().bits();
            // block-wise: the codes plus a 4-byte scale and a zero point per block
            total += !matrix || bits == 0 ? 4 * n
                    : options.quantization().blockwise() ? n * bits / 8 + n / QUANT_BLOCK * 5 : n;
        }
        return total;
    }
}
