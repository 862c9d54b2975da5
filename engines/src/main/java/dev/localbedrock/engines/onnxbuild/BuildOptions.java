package dev.localbedrock.engines.onnxbuild;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What {@link OnnxGraphBuilder} builds from a checkpoint.
 *
 * @param variant      the graph's attention design and driving contract (see {@link Variant})
 * @param quantization weight format of the projection matrices (see {@link Quantization})
 * @param allLogits    {@code true}: {@code logits} is {@code [batch, sequence, vocab]} (every new position, as Optimum
 *                     exports are); {@code false} (default): {@code [batch, 1, vocab]}, only each row's last real new
 *                     token, which is all a generator needs and saves {@code (S-1)·vocab·hidden} multiply-adds and
 *                     {@code (S-1)·vocab} floats per row in a prefill
 * @param maxPositions rows of the rotary (or learned position) tables, i.e. the longest sequence the graph accepts;
 *                     0 means the checkpoint's {@code max_position_embeddings}. A smaller value shrinks the graph
 *                     (Llama 3's 131072-row tables are 64 MB) and caps the KV capacity an engine may use.
 * @param externalData where initializers go (see {@link ExternalData})
 */
public record BuildOptions(Variant variant, Quantization quantization, boolean allLogits, int maxPositions,
                           ExternalData externalData) {

    public BuildOptions {
        if (variant == null || quantization == null || externalData == null) {
            throw new IllegalArgumentException("variant, quantization and externalData must be given");
        }
        if (maxPositions < 0) {
            throw new IllegalArgumentException("maxPositions must be >= 0 (0 = the checkpoint's), got " + maxPositions);
        }
    }

    /** {@link Variant#GQA_SHARED_KV}, f32, last-token logits, the checkpoint's context, {@link ExternalData#AUTO}. */
    public static BuildOptions defaults() {
        return new BuildOptions(Variant.GQA_SHARED_KV, Quantization.NONE, false, 0, ExternalData.AUTO);
    }

    public BuildOptions withVariant(Variant v) {
        return new BuildOptions(v, quantization, allLogits, maxPositions, externalData);
    }

    public BuildOptions withQuantization(Quantization q) {
        return new BuildOptions(variant, q, allLogits, maxPositions, externalData);
    }

    public BuildOptions withAllLogits(boolean all) {
        return new BuildOptions(variant, quantization, all, maxPositions, externalData);
    }

    public BuildOptions withMaxPositions(int positions) {
        return new BuildOptions(variant, quantization, allLogits, positions, externalData);
    }

    public BuildOptions withExternalData(ExternalData e) {
        return new BuildOptions(variant, quantization, allLogits, maxPositions, e);
    }

    /**
     * A stable, human-readable description of every option that changes the built files, e.g.
     * {@code gqa-shared-kv,int4,last,pos=0,data=auto}; part of the cache key.
     */
    public String cacheKey() {
        return variant.id() + "," + quantization.id() + "," + (allLogits ? "all" : "last") + ",pos=" + maxPositions
                + ",data=" + externalData.name().toLowerCase(Locale.ROOT);
    }

    /** The attention design of the built graph. */
    public enum Variant {
        /**
         * Plain ONNX attention (MatMul, Softmax, Concat), Optimum semantics: {@code input_ids}, {@code attention_mask}
         * (any 0/1 pattern, so left padding works), {@code position_ids}, {@code past_key_values.N.key|value}
         * {@code [B, kv_heads, P, hd]} → {@code logits}, {@code present.N.key|value} {@code [B, kv_heads, P+S, hd]}
         * (past concatenated with the new keys: a copy of the whole cache per step).
         */
        STANDARD("standard"),
        /**
         * ONNX Runtime contrib ops ({@code GroupQueryAttention} with rotary inside, {@code SkipSimplifiedLayerNormalization}),
         * right-padded ("valid prefix") semantics. The KV tensors can be driven two ways: concatenating (past of
         * length P in, present of length {@code attention_mask.shape[1]} out, like {@link #STANDARD}) or with one
         * preallocated buffer per layer passed as the past input and pinned as the present output, which ONNX Runtime
         * then updates in place. See {@link OnnxGraphBuilder} for the exact contract.
         */
        GQA_SHARED_KV("gqa-shared-kv");

        private final String id;

        Variant(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        /** Parses {@code standard} or {@code gqa-shared-kv} (also {@code gqa}), case-insensitive. */
        public static Variant parse(String s) {
            String n = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
            if (n.equals("gqa")) {
                return GQA_SHARED_KV;
            }
            for (Variant v : values()) {
                if (v.id.equals(n)) {
                    return v;
                }
            }
            throw new IllegalArgumentException("unknown graph variant '" + s + "' (accepted: "
                    + Arrays.stream(values()).map(Variant::id).collect(Collectors.joining(", ")) + ")");
        }
    }

    /**
     * Weight format of the projection matrices (attention, MLP and output head); norms, biases, embeddings stay f32.
     * The block-wise formats ({@link #INT8}, {@link #INT4}) run as {@code com.microsoft.MatMulNBits}, which quantizes
     * each activation row on its own, so a row's logits never depend on the other rows of its batch; the older
     * {@link #INT8_DYNAMIC} quantizes the whole activation tensor with one scale and does not have that property.
     */
    public enum Quantization {
        /** float32 weights. */
        NONE("none", 0),
        /**
         * Block-wise 8-bit weights: every run of {@value OnnxGraphBuilder#QUANT_BLOCK} input weights of an output
         * column has its own f32 scale and uint8 zero point (asymmetric, min/max of the block), run by
         * {@code com.microsoft.MatMulNBits} with {@code bits = 8}, {@code accuracy_level = 4} (each activation row
         * quantized to int8 per block of the same size, int32 accumulation). About 29 % of the f32 weight bytes.
         */
        INT8("int8", 8),
        /** As {@link #INT8} with 4-bit weights (two per byte): about 16 % of the f32 weight bytes. */
        INT4("int4", 4),
        /**
         * Weight-only int8 with one symmetric scale per output column, run by
         * {@code com.microsoft.DynamicQuantizeMatMul} (activations quantized to uint8 with one scale for the whole {@code [B, S, in]} tensor, int8 GEMM in MLAS).
         * Kept because its u8·s8 GEMM is the fastest 8-bit path at large batches; a row's logits depend on its batch
         * neighbours within the quantization step. What {@code int8} meant before builder version 2.
         */
        INT8_DYNAMIC("int8-dynamic", 8);

        private final String id;
        private final int bits;

        Quantization(String id, int bits) {
            this.id = id;
            this.bits = bits;
        }

        public String id() {
            return id;
        }

        /** Bits per stored weight: 0 for f32. */
        public int bits() {
            return bits;
        }

        /** Whether the format is block-wise {@code MatMulNBits} ({@link #INT8}, {@link #INT4}). */
        public boolean blockwise() {
            return this == INT8 || this == INT4;
        }

        /**
         * Parses {@code none} (also {@code f32}, {@code fp32}), {@code int8}, {@code int4} or {@code int8-dynamic}
         * (also {@code int8_dynamic}), case-insensitive.
         */
        public static Quantization parse(String s) {
            String n = s == null ? "" : s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
            if (n.equals("f32") || n.equals("fp32") || n.equals("float32") || n.isEmpty()) {
                return NONE;
            }
            for (Quantization q : values()) {
                if (q.id.equals(n)) {
                    return q;
                }
            }
            throw new IllegalArgumentException("unknown quantization '" + s + "' (accepted: "
                    + Arrays.stream(values()).map(Quantization::id).collect(Collectors.joining(", ")) + ")");
        }
    }

    /** Where initializers are stored. */
    public enum ExternalData {
        /** In a side file {@code model.onnx.data} when the weights exceed {@value OnnxGraphBuilder#AUTO_EXTERNAL_BYTES} bytes. */
        AUTO,
        /** Always in {@code model.onnx.data} (tensors under 1 KiB stay inline). */
        ALWAYS,
        /** Always inside {@code model.onnx}; fails for graphs over protobuf's 2 GiB limit. */
        NEVER
    }
}
