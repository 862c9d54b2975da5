package dev.localbedrock.engines.onnxbuild;

import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.TensorInfo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Llama-architecture decoders: {@code llama} (Llama 2/3, TinyLlama, GQA), {@code mistral} (sliding window),
 * {@code qwen2} (Q/K/V biases). RMSNorm, rotate-half RoPE, grouped-query attention, SwiGLU MLP; optional biases on
 * any projection ({@code attention_bias}, {@code mlp_bias}, Qwen2's Q/K/V) are picked up when the checkpoint holds
 * them.
 *
 * <p>Per layer ({@link BuildOptions.Variant#GQA_SHARED_KV}): {@code MatMul} (fused Q/K/V) [+ {@code Add} bias],
 * {@code GroupQueryAttention} (rotary inside, KV in place), {@code MatMul} (o_proj),
 * {@code SkipSimplifiedLayerNormalization} (residual add + post-attention RMSNorm, o_proj bias folded in),
 * {@code MatMul} (fused gate/up), {@code Split}, {@code Sigmoid}, {@code Mul}, {@code Mul} (SiLU·up; ONNX Runtime fuses
 * the first two into {@code QuickGelu}), {@code MatMul} (down), and the next layer's
 * {@code SkipSimplifiedLayerNormalization} (residual + next input norm, down bias folded in): 10 nodes.
 */
final class LlamaGraph extends DecoderGraphBuilder {
    static final Set<String> MODEL_TYPES = Set.of("llama", "mistral", "qwen2");

    private final HfModelConfig c;
    private final int intermediate;
    private final float eps;
    private final int slidingWindow;

    LlamaGraph(GraphWriter g, Weights w, HfModelConfig c, BuildOptions options, int positions,
               Consumer<String> progress) {
        super(g, w, options, c.numHiddenLayers(), c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(),
                c.hiddenSize(), c.vocabSize(), positions, progress);
        this.c = c;
        this.intermediate = c.intermediateSize();
        this.eps = (float) c.rmsNormEps();
        this.slidingWindow = slidingWindow(c, positions);
    }

    /** The attention window in tokens (keys {@code q-W < k <= q}), or 0 when none applies within {@code positions}. */
    static int slidingWindow(HfModelConfig c, int positions) {
        int sw = c.slidingWindow();
        if (sw <= 0 || sw >= positions) {
            return 0;
        }
        return switch (c.modelType()) {
            case "mistral" -> sw;
            case "qwen2" -> c.raw().path("use_sliding_window").asBoolean(false) ? sw : 0;
            default -> 0;
        };
    }

    /** Rejects configurations the graph cannot express, naming the field. */
    static void validate(HfModelConfig c, BuildOptions options, int positions) {
        c.requireSiluActivation();
        c.requireDecoderShape();
        if (c.headDim() % 2 != 0) {
            throw new IllegalArgumentException("rotary embeddings need an even head_dim, got " + c.headDim());
        }
        if (options.variant() == BuildOptions.Variant.GQA_SHARED_KV && c.headDim() % 16 != 0) {
            throw new IllegalArgumentException("head_dim " + c.headDim() + " is not a multiple of 16, which "
                    + "GroupQueryAttention's built-in rotary requires; build the 'standard' variant");
        }
        if (c.modelType().equals("qwen2") && c.raw().path("use_sliding_window").asBoolean(false)
                && slidingWindow(c, positions) > 0 && c.raw().path("max_window_layers").asInt(0) < c.numHiddenLayers()) {
            throw new IllegalArgumentException("qwen2 with use_sliding_window on some layers (max_window_layers "
                    + c.raw().path("max_window_layers").asInt(0) + ") is not supported; build with maxPositions <= "
                    + c.slidingWindow());
        }
        Rotary.check(c, positions);
    }

    GraphSpec build() throws IOException {
        long start = System.nanoTime();
        declareInputs();
        declareOutputs();
        maskInfo();

        // embeddings and position tables
        TensorInfo embedInfo = w.info("model.embed_tokens.weight", vocab, hidden);
        String embed = w.rows(g, "model.embed_tokens.weight", List.of(embedInfo), null);
        float[] invFreq = Rotary.inverseFrequencies(c);
        String cos;
        String sin;
        String rot = null;
        if (gqa()) {
            float[][] t = Rotary.tables(invFreq, positions, true);
            cos = g.floats("cos_cache", new long[] {positions, headDim / 2}, t[0]);
            sin = g.floats("sin_cache", new long[] {positions, headDim / 2}, t[1]);
        } else {
            float[][] t = Rotary.tables(invFreq, positions, false);
            String cosTable = g.floats("cos_table", new long[] {positions, headDim}, t[0]);
            String sinTable = g.floats("sin_table", new long[] {positions, headDim}, t[1]);
            g.scope("rope/");
            String axes = g.constInt64("axes", 1);
            cos = g.node("Unsqueeze").in(g.op("Gather", cosTable, positionIds), axes).one();
            sin = g.node("Unsqueeze").in(g.op("Gather", sinTable, positionIds), axes).one();
            rot = g.floats("rotate_half", new long[] {headDim, headDim}, rotateHalfMatrix(headDim));
            g.scope("");
            standardMask(slidingWindow);
        }
        progress.accept("embeddings and rotary tables written");

        String x = g.op("Gather", embed, inputIds);
        String h = g.node("SimplifiedLayerNormalization").in(x, norm("model.layers.0.input_layernorm.weight"))
                .attr("axis", -1L).attr("epsilon", eps).attr("stash_type", 1L).one();
        String pendingBias = null;
        long qDim = (long) heads * headDim;
        long kvDim = (long) kvHeads * headDim;
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            g.scope("layers." + l + "/");
            // attention
            List<TensorInfo> qkvParts = List.of(w.info(p + "self_attn.q_proj.weight", qDim, hidden),
                    w.info(p + "self_attn.k_proj.weight", kvDim, hidden),
                    w.info(p + "self_attn.v_proj.weight", kvDim, hidden));
            float[] qkvBias = optionalConcat(p + "self_attn.q_proj.bias", qDim, p + "self_attn.k_proj.bias", kvDim,
                    p + "self_attn.v_proj.bias", kvDim);
            float[] qScale = gqa() ? null : queryScale(qDim, kvDim);
            Proj qkv = linear(p + "self_attn.qkv_proj", qkvParts, qkvBias, qScale);
            String qkvOut = apply(h, qkv);
            String attn = gqa()
                    ? guardPadding(gqaAttention(l, qkvOut, cos, sin, 0f, slidingWindow > 0 ? slidingWindow - 1 : 0))
                    : standardAttention(l, qkvOut, cos, sin, rot);
            Proj o = linear(p + "self_attn.o_proj", List.of(w.info(p + "self_attn.o_proj.weight", hidden, qDim)),
                    optional(p + "self_attn.o_proj.bias", hidden), null);
            String oOut = apply(attn, withoutBias(o));
            String[] n2 = skipNorm(oOut, x, norm(p + "post_attention_layernorm.weight"), o.bias());
            h = n2[0];
            x = n2[1];
            // MLP
            float[] guBias = optionalConcat(p + "mlp.gate_proj.bias", intermediate, p + "mlp.up_proj.bias",
                    intermediate);
            Proj gu = linear(p + "mlp.gate_up_proj", List.of(w.info(p + "mlp.gate_proj.weight", intermediate, hidden),
                    w.info(p + "mlp.up_proj.weight", intermediate, hidden)), guBias, null);
            String[] halves = g.node("Split").in(apply(h, gu), g.constInt64("split_gu", intermediate, intermediate))
                    .attr("axis", -1L).outputs(2).build();
            String act = g.op("Mul", g.op("Mul", halves[0], g.op("Sigmoid", halves[0])), halves[1]);
            Proj down = linear(p + "mlp.down_proj", List.of(w.info(p + "mlp.down_proj.weight", hidden, intermediate)),
                    optional(p + "mlp.down_proj.bias", hidden), null);
            String dOut = apply(act, withoutBias(down));
            String nextNorm = l + 1 < layers ? "model.layers." + (l + 1) + ".input_layernorm.weight" : "model.norm.weight";
            String[] n1 = skipNorm(dOut, x, norm(nextNorm), down.bias());
            h = n1[0];
            x = n1[1];
            g.scope("");
            progress.accept("layer " + (l + 1) + "/" + layers + " written (" + elapsed(start) + ")");
        }
        boolean tied = c.tieWordEmbeddings() || !w.contains("lm_head.weight");
        TensorInfo headInfo = tied ? embedInfo : w.info("lm_head.weight", vocab, hidden);
        logits(lastPositions(h), head(headInfo, tied ? embed : null));
        progress.accept("output head written (" + elapsed(start) + ")");
        return spec(c.modelType());
    }

    /** 1/√hd on the Q columns of the fused QKV (STANDARD attention has no scale of its own). */
    private float[] queryScale(long qDim, long kvDim) {
        float[] s = new float[(int) (qDim + 2 * kvDim)];
        java.util.Arrays.fill(s, 1f);
        java.util.Arrays.fill(s, 0, (int) qDim, (float) (1.0 / Math.sqrt(headDim)));
        return s;
    }

    /** {@code SkipSimplifiedLayerNormalization(input, skip, gamma[, bias])} → {normalized, input+skip+bias}. */
    private String[] skipNorm(String input, String skip, String gamma, String bias) {
        GraphWriter.NodeBuilder n = g.node("SkipSimplifiedLayerNormalization").domain(GraphWriter.MS)
                .in(input, skip, gamma);
        if (bias != null) {
            n.in(bias);
        }
        String out = g.fresh("layers/norm_out");
        String sum = g.fresh("layers/residual");
        n.out(out, "", "", sum).attr("epsilon", eps).build();
        return new String[] {out, sum};
    }

    private String norm(String name) throws IOException {
        return g.floats(name, new long[] {hidden}, w.vector(name, hidden));
    }

    private float[] optional(String name, long len) {
        return w.contains(name) ? w.vector(name, len) : null;
    }

    /** Concatenation of optional bias vectors (name, length pairs); null when none exists, zeros for missing ones. */
    private float[] optionalConcat(Object... nameLen) {
        boolean any = false;
        for (int i = 0; i < nameLen.length; i += 2) {
            any |= w.contains((String) nameLen[i]);
        }
        if (!any) {
            return null;
        }
        List<float[]> parts = new ArrayList<>();
        for (int i = 0; i < nameLen.length; i += 2) {
            long len = ((Number) nameLen[i + 1]).longValue();
            float[] v = optional((String) nameLen[i], len);
            parts.add(v == null ? new float[(int) len] : v);
        }
        return w.concat(parts.toArray(new float[0][]));
    }
}
