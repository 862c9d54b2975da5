package dev.localbedrock.engines.onnxbuild;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A random-weight CLIP text transformer ({@code CLIPTextModel}, or {@code CLIPTextModelWithProjection} when
 * {@link Config#projectionDim} is set) with the interface of diffusers' ONNX export of SDXL's text encoders.
 *
 * <p>Inputs: {@code input_ids} int32 {@code [batch, 77]}. Outputs, in this order: without a projection
 * {@code last_hidden_state} {@code [batch, 77, H]} and {@code pooler_output} {@code [batch, H]}; with one
 * {@code text_embeds} {@code [batch, P]} and {@code last_hidden_state}; then {@code hidden_states.0 .. hidden_states.L}
 * {@code [batch, 77, H]} (the embeddings, then each layer's output, before the final LayerNorm).
 *
 * <p>Computation as transformers': token + position embeddings; per layer pre-LayerNorm causal self-attention
 * (Q/K/V/out with biases) and an MLP {@code fc1 → act → fc2}, each added to the residual; final LayerNorm. The pooled
 * state is the final-LN state at {@code argmax(input_ids)} (CLIP's eos has the largest id); text_embeds is it times
 * {@code text_projection} (no bias).
 */
public final class ClipTextGraph {
    public static final String INPUT_IDS = "input_ids";
    public static final String LAST_HIDDEN_STATE = "last_hidden_state";
    public static final String POOLER_OUTPUT = "pooler_output";
    public static final String TEXT_EMBEDS = "text_embeds";
    /** Token positions: CLIP's {@code max_position_embeddings}. */
    public static final int POSITIONS = 77;
    private static final float LN_EPS = 1e-5f;

    /** The MLP's activation: ViT-L (SDXL's first encoder) uses quick_gelu, OpenCLIP bigG (the second) gelu. */
    public enum Activation {
        QUICK_GELU("quick_gelu"), GELU("gelu");

        private final String hfName;

        Activation(String hfName) {
            this.hfName = hfName;
        }

        /** transformers' {@code hidden_act}. */
        public String hfName() {
            return hfName;
        }
    }

    /**
     * @param vocab         {@code vocab_size}
     * @param hidden        {@code hidden_size}
     * @param layers        {@code num_hidden_layers}
     * @param heads         {@code num_attention_heads}
     * @param intermediate  {@code intermediate_size}
     * @param projectionDim width of {@code text_projection}, or 0 for none ({@code pooler_output} instead)
     * @param activation    {@code hidden_act}
     */
    public record Config(int vocab, int hidden, int layers, int heads, int intermediate, int projectionDim,
                         Activation activation) {
        public Config {
            if (vocab <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || intermediate <= 0 || projectionDim < 0) {
                throw new IllegalArgumentException("CLIP text dimensions must be positive: " + this);
            }
            if (hidden % heads != 0) {
                throw new IllegalArgumentException("hidden " + hidden + " does not split into " + heads + " heads");
            }
        }

        public boolean projected() {
            return projectionDim > 0;
        }
    }

    private ClipTextGraph() {
    }

    /** Writes {@code modelFile}; returns the parameter count. */
    public static long write(Path modelFile, Config c, long seed) throws IOException {
        return DiffusionNet.write(modelFile, c.projected() ? "text_encoder_2" : "text_encoder", seed,
                "random-weight CLIP text encoder", net -> build(net, c));
    }

    /** The parameter count of {@link #write}'s graph, without writing it. */
    public static long parameters(Config c) throws IOException {
        return DiffusionNet.count("clip", net -> build(net, c));
    }

    /** Output names in graph order. */
    public static String hiddenState(int i) {
        return "hidden_states." + i;
    }

    private static void build(DiffusionNet net, Config c) throws IOException {
        GraphWriter g = net.g;
        int h = c.hidden();
        g.input(INPUT_IDS, GraphWriter.INT32, "batch", POSITIONS);
        // the order of optimum's exports: CLIPTextModel puts last_hidden_state first, the projected model text_embeds
        if (c.projected()) {
            g.output(TEXT_EMBEDS, GraphWriter.FLOAT, "batch", c.projectionDim());
            g.output(LAST_HIDDEN_STATE, GraphWriter.FLOAT, "batch", POSITIONS, h);
        } else {
            g.output(LAST_HIDDEN_STATE, GraphWriter.FLOAT, "batch", POSITIONS, h);
            g.output(POOLER_OUTPUT, GraphWriter.FLOAT, "batch", h);
        }
        for (int i = 0; i <= c.layers(); i++) {
            g.output(hiddenState(i), GraphWriter.FLOAT, "batch", POSITIONS, h);
        }

        String ids64 = g.node("Cast").in(INPUT_IDS).attr("to", (long) GraphWriter.INT64).one();
        String tok = net.random("text_model.embeddings.token_embedding.weight", 0.02, c.vocab(), h);
        String pos = net.random("text_model.embeddings.position_embedding.weight", 0.01, POSITIONS, h);
        String x = g.node("Add").in(g.op("Gather", tok, ids64), pos).out(hiddenState(0)).one();

        float[] causal = new float[POSITIONS * POSITIONS];
        for (int q = 0; q < POSITIONS; q++) {
            for (int k = q + 1; k < POSITIONS; k++) {
                causal[q * POSITIONS + k] = -1e9f; // finite: a masked score underflows to 0 in the softmax
            }
        }
        String mask = g.floats("causal_mask", new long[] {1, 1, POSITIONS, POSITIONS}, causal);

        for (int l = 0; l < c.layers(); l++) {
            String p = "text_model.encoder.layers." + l + ".";
            g.scope("layers." + l + "/");
            String a = net.attention(net.layerNorm(x, p + "layer_norm1", h, LN_EPS), null, p + "self_attn.",
                    "q_proj", "k_proj", "v_proj", "out_proj", h, h, c.heads(), true, mask);
            x = g.op("Add", x, a);
            String m = net.linear(net.layerNorm(x, p + "layer_norm2", h, LN_EPS), p + "mlp.fc1", h,
                    c.intermediate(), true);
            m = c.activation() == Activation.GELU ? net.gelu(m) : net.quickGelu(m);
            m = net.linear(m, p + "mlp.fc2", c.intermediate(), h, true);
            x = g.node("Add").in(x, m).out(hiddenState(l + 1)).one();
            g.scope("");
        }
        String last = g.node("LayerNormalization").in(x,
                        net.constant("text_model.final_layer_norm.weight", 1f, h),
                        net.constant("text_model.final_layer_norm.bias", 0f, h))
                .attr("axis", -1L).attr("epsilon", LN_EPS).out(LAST_HIDDEN_STATE).one();

        // pooled = last[b, argmax(ids[b])]
        String eos = g.node("ArgMax").in(ids64).attr("axis", -1L).attr("keepdims", 1L).one();       // [B, 1]
        String pooledName = c.projected() ? g.fresh("pooled") : POOLER_OUTPUT;
        String pooled = g.node("GatherND").in(last, eos).attr("batch_dims", 1L).out(pooledName).one(); // [B, H]
        if (c.projected()) {
            String proj = net.random("text_projection.weight", 1.0 / Math.sqrt(h), h, c.projectionDim());
            g.node("MatMul").in(pooled, proj).out(TEXT_EMBEDS).build();
        }
    }
}
