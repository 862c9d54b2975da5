package dev.localbedrock.engines.onnxbuild;

import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.TensorInfo;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * GPT-2 ({@code model_type gpt2}): learned positions, pre-LayerNorm blocks, fused {@code c_attn} (Q/K/V with bias),
 * tanh-GELU MLP, output head tied to {@code wte}. Weight names with or without the {@code transformer.} prefix.
 *
 * <p>Per layer ({@link BuildOptions.Variant#GQA_SHARED_KV}): {@code MatMul}+{@code Add} (c_attn),
 * {@code GroupQueryAttention} (kv heads = heads, no rotary), {@code MatMul} (c_proj), {@code SkipLayerNormalization}
 * (residual + ln_2, c_proj bias folded in), {@code MatMul} (c_fc), {@code FastGelu} (c_fc bias folded in),
 * {@code MatMul} (mlp.c_proj) and the next {@code SkipLayerNormalization}. Positions are derived from
 * {@code attention_mask} in the GQA variant and read from {@code position_ids} in the standard one.
 */
final class Gpt2Graph extends DecoderGraphBuilder {
    private final HfModelConfig c;
    private final String prefix;
    private final float eps;
    private final String act;

    Gpt2Graph(GraphWriter g, Weights w, HfModelConfig c, BuildOptions options, int positions,
              Consumer<String> progress) {
        super(g, w, options, c.numHiddenLayers(), c.numAttentionHeads(), c.numAttentionHeads(), c.headDim(),
                c.hiddenSize(), c.vocabSize(), positions, progress);
        this.c = c;
        this.prefix = w.contains("transformer.wte.weight") ? "transformer." : "";
        this.eps = (float) c.rmsNormEps();
        this.act = activation(c);
    }

    private static String activation(HfModelConfig c) {
        return c.raw().path("activation_function").asText("gelu_new");
    }

    static void validate(HfModelConfig c, BuildOptions options, int positions) {
        if (c.hiddenSize() <= 0 || c.numHiddenLayers() <= 0 || c.numAttentionHeads() <= 0 || c.vocabSize() <= 0) {
            throw new IllegalArgumentException("config.json lacks a positive n_embd, n_layer, n_head or vocab_size");
        }
        if (c.hiddenSize() % c.numAttentionHeads() != 0) {
            throw new IllegalArgumentException("n_embd " + c.hiddenSize() + " is not a multiple of n_head "
                    + c.numAttentionHeads());
        }
        String a = activation(c);
        if (!a.equals("gelu_new") && !a.equals("gelu_pytorch_tanh") && !a.equals("gelu_fast") && !a.equals("gelu")) {
            throw new IllegalArgumentException("activation_function '" + a + "' is not supported (gelu_new, "
                    + "gelu_pytorch_tanh, gelu_fast, gelu)");
        }
        if (options.variant() == BuildOptions.Variant.GQA_SHARED_KV && c.headDim() % 8 != 0) {
            throw new IllegalArgumentException("head size " + c.headDim() + " is not a multiple of 8, which "
                    + "GroupQueryAttention requires; build the 'standard' variant");
        }
    }

    GraphSpec build() throws IOException {
        long start = System.nanoTime();
        declareInputs();
        declareOutputs();
        maskInfo();
        int d = hidden;
        int inner = c.intermediateSize();
        TensorInfo wteInfo = w.info(prefix + "wte.weight", vocab, d);
        String wte = w.rows(g, prefix + "wte.weight", List.of(wteInfo), null);
        TensorInfo wpeInfo = w.info(prefix + "wpe.weight", w.shape(prefix + "wpe.weight")[0], d);
        if (wpeInfo.shape()[0] < positions) {
            throw new IllegalArgumentException("wpe has " + wpeInfo.shape()[0] + " positions, fewer than " + positions);
        }
        String wpe = w.rows(g, prefix + "wpe.weight", List.of(wpeInfo), null);
        if (!gqa()) { // (reorder_and_upcast_attn needs nothing: the graph is float32 throughout)
            standardMask(0);
        }
        String pos = gqa() ? derivedPositions() : positionIds;
        String x = g.op("Add", g.op("Gather", wte, inputIds), g.op("Gather", wpe, pos));
        progress.accept("embeddings written");

        boolean scaleWeights = c.raw().path("scale_attn_weights").asBoolean(true);
        boolean byLayer = c.raw().path("scale_attn_by_inverse_layer_idx").asBoolean(false);
        String[] ln1 = ln(prefix + "h.0.ln_1");
        String h = g.node("LayerNormalization").in(x, ln1[0], ln1[1]).attr("axis", -1L).attr("epsilon", eps).one();
        for (int l = 0; l < layers; l++) {
            String p = prefix + "h." + l + ".";
            g.scope("layers." + l + "/");
            float scale = (float) ((scaleWeights ? 1.0 / Math.sqrt(headDim) : 1.0) / (byLayer ? l + 1 : 1));
            float[] colScale = null;
            if (!gqa()) {
                colScale = new float[3 * d];
                java.util.Arrays.fill(colScale, 1f);
                java.util.Arrays.fill(colScale, 0, d, scale);
            }
            Proj qkv = conv1d(p + "attn.c_attn", w.info(p + "attn.c_attn.weight", d, 3L * d),
                    w.vector(p + "attn.c_attn.bias", 3L * d), colScale);
            String qkvOut = apply(h, qkv);
            String attn = gqa() ? guardPadding(gqaAttention(l, qkvOut, null, null, scale, 0))
                    : standardAttention(l, qkvOut, null, null, null);
            Proj proj = conv1d(p + "attn.c_proj", w.info(p + "attn.c_proj.weight", d, d),
                    w.vector(p + "attn.c_proj.bias", d), null);
            String[] ln2 = ln(p + "ln_2");
            String[] n2 = skipLn(apply(attn, withoutBias(proj)), x, ln2, proj.bias());
            h = n2[0];
            x = n2[1];
            Proj fc = conv1d(p + "mlp.c_fc", w.info(p + "mlp.c_fc.weight", d, inner),
                    w.vector(p + "mlp.c_fc.bias", inner), null);
            String fcOut = apply(h, withoutBias(fc));
            String a = act.equals("gelu")
                    ? g.node("BiasGelu").domain(GraphWriter.MS).in(fcOut, fc.bias()).one()
                    : g.node("FastGelu").domain(GraphWriter.MS).in(fcOut, fc.bias()).one();
            Proj down = conv1d(p + "mlp.c_proj", w.info(p + "mlp.c_proj.weight", inner, d),
                    w.vector(p + "mlp.c_proj.bias", d), null);
            String[] next = l + 1 < layers ? ln(prefix + "h." + (l + 1) + ".ln_1") : ln(prefix + "ln_f");
            String[] n1 = skipLn(apply(a, withoutBias(down)), x, next, down.bias());
            h = n1[0];
            x = n1[1];
            g.scope("");
            progress.accept("layer " + (l + 1) + "/" + layers + " written (" + elapsed(start) + ")");
        }
        boolean untied = !c.tieWordEmbeddings() && w.contains("lm_head.weight");
        TensorInfo headInfo = untied ? w.info("lm_head.weight", vocab, d) : wteInfo;
        logits(lastPositions(h), head(headInfo, untied ? null : wte));
        progress.accept("output head written (" + elapsed(start) + ")");
        return spec("gpt2");
    }

    private String[] ln(String name) throws IOException {
        return new String[] {g.floats(name + ".weight", new long[] {hidden}, w.vector(name + ".weight", hidden)),
                g.floats(name + ".bias", new long[] {hidden}, w.vector(name + ".bias", hidden))};
    }

    /** {@code SkipLayerNormalization(input, skip, gamma, beta, bias)} → {normalized, input+skip+bias}. */
    private String[] skipLn(String input, String skip, String[] gammaBeta, String bias) {
        String out = g.fresh("layers/ln_out");
        String sum = g.fresh("layers/residual");
        g.node("SkipLayerNormalization").domain(GraphWriter.MS)
                .in(input, skip, gammaBeta[0], gammaBeta[1], bias == null ? "" : bias)
                .out(out, "", "", sum).attr("epsilon", eps).build();
        return new String[] {out, sum};
    }
}
