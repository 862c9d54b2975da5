package dev.localbedrock.engines.onnxbuild;

import dev.localbedrock.engines.hf.TensorInfo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Base of the per-architecture builders ({@link LlamaGraph}, {@link Gpt2Graph}) that write one decoder graph into a
 * {@link GraphWriter}; not the loaded-graph view the engine drives ({@code onnxruntime.DecoderGraph}).
 *
 * <p>Graph pieces shared by every architecture: the graph inputs of each variant, attention-mask derived tensors,
 * projections in f32, block-wise 8/4-bit or dynamic int8, the two attention forms, and the output head. Subclasses
 * add their layers.
 */
abstract class DecoderGraphBuilder {
    /** Most negative float: HF's additive mask value (softmax of an all-masked row stays finite). */
    static final float MASK_MIN = -Float.MAX_VALUE;
    /** {@code MatMulNBits}' {@code accuracy_level} for int8 activations (see {@link #matMulNBits}). */
    static final long ACCURACY_INT8 = 4;

    final GraphWriter g;
    final Weights w;
    final BuildOptions options;
    final int layers;
    final int heads;
    final int kvHeads;
    final int headDim;
    final int hidden;
    final int vocab;
    final int positions;
    final Consumer<String> progress;
    final List<String> inputNames = new ArrayList<>();
    final List<String> outputNames = new ArrayList<>();

    // tensors every layer uses
    String inputIds;
    String attentionMask;
    String positionIds;
    /** GQA: int32 [B] = valid length - 1 per row. */
    String seqlensK;
    /** GQA: int32 scalar = attention_mask.shape[1]. */
    String totalSequenceLength;
    /** int64 [B]: real tokens per row (past + new). */
    String maskSum;
    /** STANDARD: additive mask [B,1,S,T]. */
    String maskBias;
    /** GQA + int8-dynamic: bool [B,S,1], true at real (non-padding) new positions; see {@link #guardPadding}. */
    private String validPositions;

    DecoderGraphBuilder(GraphWriter g, Weights w, BuildOptions options, int layers, int heads, int kvHeads, int headDim,
                        int hidden, int vocab, int positions, Consumer<String> progress) {
        this.g = g;
        this.w = w;
        this.options = options;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.hidden = hidden;
        this.vocab = vocab;
        this.positions = positions;
        this.progress = progress;
    }

    boolean gqa() {
        return options.variant() == BuildOptions.Variant.GQA_SHARED_KV;
    }

    /** Per-column int8 weights run by {@code DynamicQuantizeMatMul}. */
    boolean int8Dynamic() {
        return options.quantization() == BuildOptions.Quantization.INT8_DYNAMIC;
    }

    /** Block-wise weights run by {@code MatMulNBits}. */
    boolean blockwise() {
        return options.quantization().blockwise();
    }

    // ---------------------------------------------------------------- inputs and outputs

    /** Declares the graph inputs of the variant (position ids only for STANDARD). */
    void declareInputs() {
        inputIds = input(GraphSpec.INPUT_IDS, GraphWriter.INT64, "batch_size", "sequence_length");
        attentionMask = input(GraphSpec.ATTENTION_MASK, GraphWriter.INT64, "batch_size", "total_sequence_length");
        if (!gqa()) {
            positionIds = input(GraphSpec.POSITION_IDS, GraphWriter.INT64, "batch_size", "sequence_length");
        }
        for (int l = 0; l < layers; l++) {
            input(GraphSpec.pastKey(l), GraphWriter.FLOAT, "batch_size", kvHeads, "past_sequence_length", headDim);
            input(GraphSpec.pastValue(l), GraphWriter.FLOAT, "batch_size", kvHeads, "past_sequence_length", headDim);
        }
    }

    private String input(String name, int type, Object... dims) {
        g.input(name, type, dims);
        inputNames.add(name);
        return name;
    }

    /** Declares the outputs (their producing nodes use these exact names). */
    void declareOutputs() {
        g.output(GraphSpec.LOGITS, GraphWriter.FLOAT, "batch_size", options.allLogits() ? "sequence_length" : 1L,
                vocab);
        outputNames.add(GraphSpec.LOGITS);
        String presentLen = gqa() ? "present_sequence_length" : "total_sequence_length";
        for (int l = 0; l < layers; l++) {
            g.output(GraphSpec.presentKey(l), GraphWriter.FLOAT, "batch_size", kvHeads, presentLen, headDim);
            g.output(GraphSpec.presentValue(l), GraphWriter.FLOAT, "batch_size", kvHeads, presentLen, headDim);
            outputNames.add(GraphSpec.presentKey(l));
            outputNames.add(GraphSpec.presentValue(l));
        }
    }

    // ---------------------------------------------------------------- mask-derived tensors

    /** {@code maskSum}, and for GQA {@code seqlens_k} and {@code total_sequence_length}. */
    void maskInfo() {
        g.scope("mask/");
        maskSum = g.node("ReduceSum").in(attentionMask, g.constInt64("axes_1", 1)).attr("keepdims", 0L).one();
        if (gqa()) {
            String minus1 = g.op("Sub", maskSum, g.scalarInt64("one", 1));
            seqlensK = g.node("Cast").in(minus1).attr("to", (long) GraphWriter.INT32).one();
            String t = g.op("Gather", g.op("Shape", attentionMask), g.scalarInt64("idx1", 1));
            totalSequenceLength = g.node("Cast").in(t).attr("to", (long) GraphWriter.INT32).one();
        }
        g.scope("");
    }

    /**
     * GQA variant, int8-dynamic only: replaces the attention output at padding positions of a right-padded first prompt
     * by 0. GroupQueryAttention leaves those rows undefined (their softmax reads scratch memory it never wrote, which
     * may hold NaN); harmless in f32, where rows never mix, but {@code DynamicQuantizeMatMul} quantizes the whole
     * activation tensor with one scale, so one NaN row would spoil every row of the batch.
     */
    String guardPadding(String attn) {
        if (!gqa() || !int8Dynamic()) {
            return attn;
        }
        if (validPositions == null) {
            g.scope("valid/");
            String s = seqLen();
            String realNew = g.node("Unsqueeze").in(g.op("Min", maskSum, s), g.constInt64("axes", 1)).one(); // [B,1]
            String idx = g.op("Range", g.scalarInt64("zero", 0), s, g.scalarInt64("one", 1));                 // [S]
            validPositions = g.node("Unsqueeze").in(g.op("Less", idx, realNew), g.constInt64("axes", 2)).one();
            g.scope("");
        }
        return g.op("Where", validPositions, attn, g.scalarFloat("zero_f", 0f));
    }

    /** Sequence length S as an int64 scalar. */
    String seqLen() {
        return g.op("Gather", g.op("Shape", inputIds), g.scalarInt64("idx1", 1));
    }

    /**
     * GQA variant: positions of the new tokens, int64 {@code [B,S]}: {@code max(len_b - S, 0) + i}. Equals GQA's own
     * rotary positions: {@code i} for a first prompt (right-padded), {@code len_b - S + i} otherwise.
     */
    String derivedPositions() {
        g.scope("positions/");
        String s = seqLen();
        String start = g.op("Max", g.op("Sub", maskSum, s), g.scalarInt64("zero", 0));
        String range = g.op("Range", g.scalarInt64("zero", 0), s, g.scalarInt64("one", 1));
        String pos = g.op("Add", g.node("Unsqueeze").in(start, g.constInt64("axes", 1)).one(), range);
        g.scope("");
        return pos;
    }

    /**
     * STANDARD variant: additive mask {@code [B,1,S,T]}: 0 where query {@code i} (absolute position {@code P+i}) may
     * see key {@code j} ({@code j <= P+i}, {@code attention_mask[b,j] = 1}, and within the sliding window if any),
     * else {@link #MASK_MIN}.
     */
    void standardMask(int slidingWindow) {
        g.scope("mask/");
        String s = seqLen();
        String t = g.op("Gather", g.op("Shape", attentionMask), g.scalarInt64("idx1", 1));
        String p = g.op("Sub", t, s);
        String one = g.scalarInt64("one", 1);
        String qpos = g.node("Unsqueeze").in(g.op("Range", p, t, one), g.constInt64("axes", 1)).one(); // [S,1]
        String kpos = g.op("Range", g.scalarInt64("zero", 0), t, one);                                   // [T]
        String allowed = g.op("LessOrEqual", kpos, qpos);                                                // [S,T]
        if (slidingWindow > 0) {
            String lower = g.op("Sub", qpos, g.scalarInt64("window", slidingWindow));
            allowed = g.op("And", allowed, g.op("Greater", kpos, lower));
        }
        String pad = g.node("Cast").in(g.node("Unsqueeze").in(attentionMask, g.constInt64("axes", 1, 2)).one())
                .attr("to", (long) GraphWriter.BOOL).one();                                                // [B,1,1,T]
        allowed = g.op("And", allowed, pad);                                                              // [B,1,S,T]
        maskBias = g.op("Where", allowed, g.scalarFloat("zero_f", 0f), g.scalarFloat("mask_min", MASK_MIN));
        g.scope("");
    }

    // ---------------------------------------------------------------- projections

    /**
     * A projection's initializers: f32 {@code [K,N]} (or {@code [N,K]} with transB), int8 + per-column scales
     * ({@code scale}), or a block-wise {@code nbits} matrix.
     */
    record Proj(String weight, String scale, String bias, boolean transB, Weights.NBitsMatrix nbits) {
        Proj(String weight, String scale, String bias, boolean transB) {
            this(weight, scale, bias, transB, null);
        }
    }

    /**
     * {@code MatMulNBits} with {@code accuracy_level} 4: the kernel quantizes the activations to int8 per row and per
     * block of {@code block_size} inputs (so rows stay independent) and accumulates in int32, MLAS's {@code CompInt8}
     * path, which ONNX Runtime 1.23 has for 4 and 8 bits on x86 (MatMulNBitsTest's errors are of that size, not of
     * f32 rounding).
     */
    static GraphWriter.NodeBuilder matMulNBits(GraphWriter g, String x, Weights.NBitsMatrix q, String bias) {
        return g.node("MatMulNBits").domain(GraphWriter.MS)
                .in(x, q.weight(), q.scales(), q.zeroPoints(), "", bias == null ? "" : bias)
                .attr("K", q.k()).attr("N", q.n()).attr("bits", (long) q.bits())
                .attr("block_size", (long) q.blockSize()).attr("accuracy_level", ACCURACY_INT8);
    }

    private GraphWriter.NodeBuilder nbits(String x, Proj p) {
        return matMulNBits(g, x, p.nbits(), p.bias());
    }

    /** {@code x · W (+ b)}. */
    String apply(String x, Proj p) {
        if (p.nbits() != null) {
            return nbits(x, p).one();
        }
        if (p.scale() != null) {
            return g.node("DynamicQuantizeMatMul").domain(GraphWriter.MS)
                    .in(x, p.weight(), p.scale(), "", p.bias() == null ? "" : p.bias()).one();
        }
        String y = p.transB()
                ? g.node("FusedMatMul").domain(GraphWriter.MS).in(x, p.weight()).attr("transB", 1L).one()
                : g.op("MatMul", x, p.weight());
        return p.bias() == null ? y : g.op("Add", y, p.bias());
    }

    /** {@link #apply} without its bias, returned separately (to fuse it into a following norm). */
    Proj withoutBias(Proj p) {
        return new Proj(p.weight(), p.scale(), null, p.transB(), p.nbits());
    }

    /**
     * A projection from Hugging Face {@code Linear} weights ({@code [out_i, in]}, fused along outputs); {@code bias}
     * may be {@code null}; {@code colScale} multiplies output columns (weights and bias).
     */
    Proj linear(String name, List<TensorInfo> parts, float[] bias, float[] colScale) throws IOException {
        String b = bias == null ? null : g.floats(name + ".bias", new long[] {bias.length}, scaled(bias, colScale));
        if (blockwise()) {
            return new Proj(null, null, b, false, w.nbits(g, name + ".weight_q" + bits(), parts, colScale, bits(),
                    OnnxGraphBuilder.QUANT_BLOCK));
        }
        if (int8Dynamic()) {
            Weights.Int8Matrix q = w.transposedInt8(g, name + ".weight_q", parts, colScale);
            return new Proj(q.weight(), q.scale(), b, false);
        }
        return new Proj(w.transposed(g, name + ".weight", parts, colScale), null, b, false);
    }

    /** A projection from {@code [in, out]} weights (GPT-2 {@code Conv1D}). */
    Proj conv1d(String name, TensorInfo weight, float[] bias, float[] colScale) throws IOException {
        String b = bias == null ? null : g.floats(name + ".bias", new long[] {bias.length}, scaled(bias, colScale));
        if (blockwise()) {
            return new Proj(null, null, b, false, w.nbitsColumns(g, name + ".weight_q" + bits(), weight, colScale,
                    bits(), OnnxGraphBuilder.QUANT_BLOCK));
        }
        if (int8Dynamic()) {
            Weights.Int8Matrix q = w.rowsInt8(g, name + ".weight_q", List.of(weight), colScale);
            return new Proj(q.weight(), q.scale(), b, false);
        }
        return new Proj(w.rows(g, name + ".weight", List.of(weight), colScale), null, b, false);
    }

    /**
     * The output head over {@code [vocab, hidden]} weights: block-wise as stored (a quantized copy even when tied),
     * int8 transposed, or f32 used as stored through {@code FusedMatMul(transB)} ({@code existing} names an initializer
     * already holding them, e.g. the tied embedding table; else they are written now). Measured on the 110M shape: as
     * fast as a transposed copy with {@code MatMul}, and a tied table is stored once.
     */
    Proj head(TensorInfo weight, String existing) throws IOException {
        if (blockwise()) {
            return new Proj(null, null, null, false, w.nbits(g, "lm_head.weight_q" + bits(), List.of(weight), null,
                    bits(), OnnxGraphBuilder.QUANT_BLOCK));
        }
        if (int8Dynamic()) {
            Weights.Int8Matrix q = w.transposedInt8(g, "lm_head.weight_q", List.of(weight), null);
            return new Proj(q.weight(), q.scale(), null, false);
        }
        if (existing != null) {
            return new Proj(existing, null, null, true);
        }
        return new Proj(w.rows(g, "lm_head.weight", List.of(weight), null), null, null, true);
    }

    private int bits() {
        return options.quantization().bits();
    }

    private static float[] scaled(float[] v, float[] scale) {
        if (scale == null) {
            return v;
        }
        float[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= scale[i];
        }
        return out;
    }

    // ---------------------------------------------------------------- attention

    /**
     * GroupQueryAttention over packed QKV {@code [B,S,(H+2KV)·hd]}; writes {@code present.l.*}; returns
     * {@code [B,S,H·hd]}. {@code cos}/{@code sin} (caches {@code [maxPos, hd/2]}) enable GQA's own rotary.
     */
    String gqaAttention(int layer, String qkv, String cos, String sin, float scale, int localWindow) {
        GraphWriter.NodeBuilder n = g.node("GroupQueryAttention").domain(GraphWriter.MS)
                .in(qkv, "", "", GraphSpec.pastKey(layer), GraphSpec.pastValue(layer), seqlensK, totalSequenceLength,
                        cos == null ? "" : cos, sin == null ? "" : sin)
                .out(g.fresh("layers." + layer + "/attn_out"), GraphSpec.presentKey(layer),
                        GraphSpec.presentValue(layer))
                .attr("num_heads", (long) heads).attr("kv_num_heads", (long) kvHeads);
        if (cos != null) {
            n.attr("do_rotary", 1L).attr("rotary_interleaved", 0L);
        }
        if (scale != 0f) {
            n.attr("scale", scale);
        }
        if (localWindow > 0) {
            n.attr("local_window_size", (long) localWindow);
        }
        return n.build()[0];
    }

    /**
     * Plain-op attention over packed QKV (the Q columns already scaled): split heads, optional rotate-half RoPE
     * ({@code cos}/{@code sin} {@code [B,1,S,hd]}, {@code rot} the {@code [hd,hd]} rotate-half matrix), concatenate
     * with the past into {@code present.l.*}, grouped softmax attention with {@link #maskBias}.
     */
    String standardAttention(int layer, String qkv, String cos, String sin, String rot) {
        int groups = heads / kvHeads;
        String qkv4 = g.op("Reshape", qkv, g.constInt64("shape_qkv", 0, 0, heads + 2L * kvHeads, headDim));
        String[] parts = g.node("Split").in(qkv4, g.constInt64("split_qkv", heads, kvHeads, kvHeads))
                .attr("axis", 2L).outputs(3).build();
        long[] bnsh = {0, 2, 1, 3};
        String q = g.node("Transpose").in(parts[0]).attr("perm", bnsh).one();
        String k = g.node("Transpose").in(parts[1]).attr("perm", bnsh).one();
        String v = g.node("Transpose").in(parts[2]).attr("perm", bnsh).one();
        if (cos != null) {
            q = rope(q, cos, sin, rot);
            k = rope(k, cos, sin, rot);
        }
        String presentK = g.node("Concat").in(GraphSpec.pastKey(layer), k).attr("axis", 2L)
                .out(GraphSpec.presentKey(layer)).one();
        String presentV = g.node("Concat").in(GraphSpec.pastValue(layer), v).attr("axis", 2L)
                .out(GraphSpec.presentValue(layer)).one();
        String qg = groups == 1 ? q : g.op("Reshape", q, g.constInt64("shape_qg", 0, kvHeads, -1, headDim));
        String kt = g.node("Transpose").in(presentK).attr("perm", new long[] {0, 1, 3, 2}).one();
        String scores = g.op("MatMul", qg, kt);
        if (groups != 1) {
            scores = g.op("Reshape", scores, g.constInt64("shape_heads", 0, heads, -1, 0));
        }
        String probs = g.node("Softmax").in(g.op("Add", scores, maskBias)).attr("axis", -1L).one();
        if (groups != 1) {
            probs = g.op("Reshape", probs, g.constInt64("shape_groups", 0, kvHeads, -1, 0));
        }
        String ctx = g.op("MatMul", probs, presentV);
        if (groups != 1) {
            ctx = g.op("Reshape", ctx, g.constInt64("shape_bnsh", 0, heads, -1, headDim));
        }
        ctx = g.node("Transpose").in(ctx).attr("perm", bnsh).one();
        return g.op("Reshape", ctx, g.constInt64("shape_bsd", 0, 0, (long) heads * headDim));
    }

    private String rope(String x, String cos, String sin, String rot) {
        return g.op("Add", g.op("Mul", x, cos), g.op("Mul", g.op("MatMul", x, rot), sin));
    }

    /** {@code [hd, hd]} with {@code x · R = rotate_half(x) = cat(-x2, x1)}. */
    static float[] rotateHalfMatrix(int hd) {
        int half = hd / 2;
        float[] r = new float[hd * hd];
        for (int j = 0; j < half; j++) {
            r[(j + half) * hd + j] = -1f;
            r[j * hd + j + half] = 1f;
        }
        return r;
    }

    // ---------------------------------------------------------------- output

    /**
     * Picks the rows whose logits are returned: all, or each row's last real new token ({@code [B,1,D]}): index
     * {@code min(len_b, S) - 1} with right padding (GQA), {@code S - 1} with left padding (STANDARD).
     */
    String lastPositions(String hiddenStates) {
        if (options.allLogits()) {
            return hiddenStates;
        }
        g.scope("last/");
        String out;
        if (gqa()) {
            String idx = g.op("Sub", g.op("Min", maskSum, seqLen()), g.scalarInt64("one", 1));
            String idx3 = g.op("Reshape", idx, g.constInt64("shape", -1, 1, 1));
            out = g.node("GatherND").in(hiddenStates, idx3).attr("batch_dims", 1L).one();
        } else {
            out = g.node("Slice").in(hiddenStates, g.constInt64("starts", -1), g.constInt64("ends", Long.MAX_VALUE),
                    g.constInt64("axes", 1)).one();
        }
        g.scope("");
        return out;
    }

    /** {@code logits = x · head}, named {@value GraphSpec#LOGITS}. */
    void logits(String x, Proj head) {
        g.scope("lm_head/");
        if (head.nbits() != null) {
            nbits(x, head).out(GraphSpec.LOGITS).build();
        } else if (head.scale() != null) {
            g.node("DynamicQuantizeMatMul").domain(GraphWriter.MS).in(x, head.weight(), head.scale())
                    .out(GraphSpec.LOGITS).build();
        } else if (head.transB()) {
            g.node("FusedMatMul").domain(GraphWriter.MS).in(x, head.weight()).attr("transB", 1L)
                    .out(GraphSpec.LOGITS).build();
        } else {
            g.node("MatMul").in(x, head.weight()).out(GraphSpec.LOGITS).build();
        }
        g.scope("");
    }

    static String elapsed(long startNanos) {
        return String.format(java.util.Locale.ROOT, "%.1f s", (System.nanoTime() - startNanos) / 1e9);
    }

    GraphSpec spec(String modelType) {
        return new GraphSpec(modelType, options.variant(), options.quantization(), layers, heads, kvHeads, headDim,
                hidden, vocab, positions, options.allLogits(), inputNames, outputNames);
    }
}
