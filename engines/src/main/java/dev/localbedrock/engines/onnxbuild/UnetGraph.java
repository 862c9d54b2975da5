package dev.localbedrock.engines.onnxbuild;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * A random-weight diffusers {@code UNet2DConditionModel}, parametrised, with the interface of diffusers' ONNX export
 * of SDXL's UNet.
 *
 * <p>Inputs: {@code sample} float {@code [batch, in, h, w]}; {@code timestep} float {@code [steps]} (one value per
 * row, or one for all rows: it is broadcast to the batch as the torch model's {@code expand} does);
 * {@code encoder_hidden_states} float {@code [batch, 77, cross_attention_dim]}; with SDXL's added conditioning also
 * {@code text_embeds} float {@code [batch, pooled]} and {@code time_ids} float {@code [batch, 6]}. Output:
 * {@code out_sample} float {@code [batch, out, h, w]}; h and w must be multiples of 2^(blocks-1).
 *
 * <p>Structure, as diffusers': {@code conv_in}; the sinusoidal timestep embedding ({@code flip_sin_to_cos=True},
 * {@code freq_shift=0}) through {@code time_embedding} (linear, SiLU, linear), plus SDXL's {@code add_embedding} of
 * {@code concat(text_embeds, sinusoid(time_ids) flattened)}; down blocks of ResNet blocks (GroupNorm, SiLU, 3×3 conv,
 * time projection, GroupNorm, SiLU, 3×3 conv, 1×1 shortcut when widths differ), optionally each followed by a
 * {@code Transformer2DModel} (GroupNorm, linear proj_in, per layer LayerNorm self-attention, LayerNorm cross-attention
 * on {@code encoder_hidden_states}, LayerNorm GEGLU feed-forward, linear proj_out, residual), and a stride-2 conv
 * downsample except after the last; a mid block (resnet, transformer, resnet); up blocks of one more resnet each, fed
 * the down path's skips concatenated on channels, with nearest ×2 upsample and conv except after the last;
 * GroupNorm, SiLU, {@code conv_out}.
 */
public final class UnetGraph {
    public static final String SAMPLE = "sample";
    public static final String TIMESTEP = "timestep";
    public static final String ENCODER_HIDDEN_STATES = "encoder_hidden_states";
    public static final String TEXT_EMBEDS = "text_embeds";
    public static final String TIME_IDS = "time_ids";
    public static final String OUT_SAMPLE = "out_sample";
    /** SDXL's micro-conditioning: original size, crop offset, target size (h, w each). */
    public static final int TIME_IDS_WIDTH = 6;
    private static final float RESNET_EPS = 1e-5f;
    private static final float TRANSFORMER_GN_EPS = 1e-6f;
    private static final float LN_EPS = 1e-5f;
    private static final double MAX_PERIOD = 10000;

    /**
     * @param inChannels             {@code in_channels}
     * @param outChannels            {@code out_channels}
     * @param sampleSize             {@code sample_size} (latent pixels of the default image)
     * @param blockOutChannels       {@code block_out_channels}, one per down block (up blocks mirror them)
     * @param crossAttention         per down block, whether it has transformer blocks (CrossAttnDownBlock2D); up block
     *                               {@code i} mirrors down block {@code n-1-i}; the mid block always has one
     * @param layersPerBlock         {@code layers_per_block} (ResNet blocks per down block; up blocks have one more)
     * @param transformerLayers      {@code transformer_layers_per_block} (BasicTransformerBlocks per transformer)
     * @param heads                  attention heads of every transformer (diffusers' {@code attention_head_dim} as
     *                               SD 1.5 uses it)
     * @param normGroups             {@code norm_num_groups}
     * @param crossAttentionDim      {@code cross_attention_dim} (width of {@code encoder_hidden_states})
     * @param additionTimeEmbedDim   {@code addition_time_embed_dim}, or 0 for no added conditioning (SD 1.5's
     *                               interface: no text_embeds or time_ids)
     * @param pooledDim              width of {@code text_embeds} (0 when {@code additionTimeEmbedDim} is 0)
     */
    public record Config(int inChannels, int outChannels, int sampleSize, List<Integer> blockOutChannels,
                         List<Boolean> crossAttention, int layersPerBlock, int transformerLayers, int heads,
                         int normGroups, int crossAttentionDim, int additionTimeEmbedDim, int pooledDim) {
        public Config {
            blockOutChannels = List.copyOf(blockOutChannels);
            crossAttention = List.copyOf(crossAttention);
            if (blockOutChannels.isEmpty() || blockOutChannels.size() != crossAttention.size()) {
                throw new IllegalArgumentException("block_out_channels and crossAttention must have the same, "
                        + "non-zero length: " + blockOutChannels + ", " + crossAttention);
            }
            for (int c : blockOutChannels) {
                if (c <= 0 || c % normGroups != 0 || c % heads != 0) {
                    throw new IllegalArgumentException("block width " + c + " must be a positive multiple of "
                            + "norm_num_groups " + normGroups + " and of heads " + heads);
                }
            }
            if (blockOutChannels.get(0) % 2 != 0 || additionTimeEmbedDim % 2 != 0) {
                throw new IllegalArgumentException("sinusoidal embedding widths must be even");
            }
            if (inChannels <= 0 || outChannels <= 0 || sampleSize <= 0 || layersPerBlock <= 0
                    || transformerLayers <= 0 || crossAttentionDim <= 0 || additionTimeEmbedDim < 0
                    || (additionTimeEmbedDim > 0) != (pooledDim > 0)) {
                throw new IllegalArgumentException("invalid UNet dimensions: " + this);
            }
        }

        /** {@code time_embed_dim}: 4 × the first block's width. */
        public int timeEmbedDim() {
            return 4 * blockOutChannels.get(0);
        }

        /** {@code projection_class_embeddings_input_dim}: pooled text plus six sinusoids; 0 without. */
        public int projectionClassEmbeddingsInputDim() {
            return additionTimeEmbedDim == 0 ? 0 : pooledDim + TIME_IDS_WIDTH * additionTimeEmbedDim;
        }

        public boolean addedConditioning() {
            return additionTimeEmbedDim > 0;
        }

        /** The factor h and w of the sample must be multiples of. */
        public int downscale() {
            return 1 << (blockOutChannels.size() - 1);
        }
    }

    private final DiffusionNet net;
    private final GraphWriter g;
    private final Config c;
    private String emb;
    private String context;

    private UnetGraph(DiffusionNet net, Config c) {
        this.net = net;
        this.g = net.g;
        this.c = c;
    }

    /** Writes {@code modelFile} (with {@code model.onnx_data} beside it when large); returns the parameter count. */
    public static long write(Path modelFile, Config c, long seed) throws IOException {
        return DiffusionNet.write(modelFile, "unet", seed, "random-weight UNet2DConditionModel",
                net -> new UnetGraph(net, c).build());
    }

    /** The parameter count of {@link #write}'s graph, without writing it. */
    public static long parameters(Config c) throws IOException {
        return DiffusionNet.count("unet", net -> new UnetGraph(net, c).build());
    }

    /**
     * diffusers' {@code get_timestep_embedding} frequencies for {@code dim} with {@code freq_shift=0}:
     * {@code exp(-ln(10000)·i/(dim/2))}, {@code i < dim/2}.
     */
    static float[] frequencies(int dim) {
        int half = dim / 2;
        float[] f = new float[half];
        for (int i = 0; i < half; i++) {
            f[i] = (float) Math.exp(-Math.log(MAX_PERIOD) * i / half);
        }
        return f;
    }

    /** {@code [N]} → {@code [N, dim]}: {@code concat(cos(t·f), sin(t·f))} (flip_sin_to_cos). */
    static String sinusoid(DiffusionNet net, String t, int dim) throws IOException {
        GraphWriter g = net.g;
        String f = g.floats(net.constName("freqs_" + dim), new long[] {dim / 2}, frequencies(dim));
        String args = g.op("Mul", g.node("Unsqueeze").in(t, g.constInt64("axes1", 1)).one(), f);
        return g.node("Concat").in(g.op("Cos", args), g.op("Sin", args)).attr("axis", -1L).one();
    }

    private void build() throws IOException {
        List<Integer> ch = c.blockOutChannels();
        int n = ch.size();
        g.input(SAMPLE, GraphWriter.FLOAT, "batch", c.inChannels(), "height", "width");
        g.input(TIMESTEP, GraphWriter.FLOAT, "steps");
        g.input(ENCODER_HIDDEN_STATES, GraphWriter.FLOAT, "batch", "sequence", c.crossAttentionDim());
        if (c.addedConditioning()) {
            g.input(TEXT_EMBEDS, GraphWriter.FLOAT, "batch", c.pooledDim());
            g.input(TIME_IDS, GraphWriter.FLOAT, "batch", TIME_IDS_WIDTH);
        }
        g.output(OUT_SAMPLE, GraphWriter.FLOAT, "batch", c.outChannels(), "height", "width");
        context = ENCODER_HIDDEN_STATES;

        // time embedding
        g.scope("time/");
        int ted = c.timeEmbedDim();
        String batch = g.node("Shape").in(SAMPLE).attr("start", 0L).attr("end", 1L).one();
        String t = g.op("Expand", TIMESTEP, batch);
        String tProj = sinusoid(net, t, ch.get(0));
        emb = net.linear(net.silu(net.linear(tProj, "time_embedding.linear_1", ch.get(0), ted, true)),
                "time_embedding.linear_2", ted, ted, true);
        if (c.addedConditioning()) {
            String flat = g.op("Reshape", TIME_IDS, g.constInt64("flat", -1));
            String timeEmbeds = g.op("Reshape", sinusoid(net, flat, c.additionTimeEmbedDim()),
                    g.constInt64("per_row", -1, (long) TIME_IDS_WIDTH * c.additionTimeEmbedDim()));
            String add = g.node("Concat").in(TEXT_EMBEDS, timeEmbeds).attr("axis", -1L).one();
            int in = c.projectionClassEmbeddingsInputDim();
            String aug = net.linear(net.silu(net.linear(add, "add_embedding.linear_1", in, ted, true)),
                    "add_embedding.linear_2", ted, ted, true);
            emb = g.op("Add", emb, aug);
        }
        g.scope("");

        String x = net.conv(SAMPLE, "conv_in", c.inChannels(), ch.get(0), 3, 1);
        Deque<String> skips = new ArrayDeque<>();
        Deque<Integer> skipWidths = new ArrayDeque<>();
        skips.push(x);
        skipWidths.push(ch.get(0));
        int width = ch.get(0);
        for (int b = 0; b < n; b++) {
            String p = "down_blocks." + b + ".";
            g.scope(p);
            int out = ch.get(b);
            for (int r = 0; r < c.layersPerBlock(); r++) {
                x = resnet(x, p + "resnets." + r, width, out);
                width = out;
                if (c.crossAttention().get(b)) {
                    x = transformer(x, p + "attentions." + r, out);
                }
                skips.push(x);
                skipWidths.push(out);
            }
            if (b < n - 1) {
                x = net.conv(x, p + "downsamplers.0.conv", out, out, 3, 2);
                skips.push(x);
                skipWidths.push(out);
            }
            g.scope("");
        }

        g.scope("mid_block.");
        int mid = ch.get(n - 1);
        x = resnet(x, "mid_block.resnets.0", mid, mid);
        x = transformer(x, "mid_block.attentions.0", mid);
        x = resnet(x, "mid_block.resnets.1", mid, mid);
        g.scope("");

        for (int u = 0; u < n; u++) {
            String p = "up_blocks." + u + ".";
            g.scope(p);
            int out = ch.get(n - 1 - u);
            boolean attn = c.crossAttention().get(n - 1 - u);
            for (int r = 0; r <= c.layersPerBlock(); r++) {
                String skip = skips.pop();
                int skipWidth = skipWidths.pop();
                x = g.node("Concat").in(x, skip).attr("axis", 1L).one();
                x = resnet(x, p + "resnets." + r, width + skipWidth, out);
                width = out;
                if (attn) {
                    x = transformer(x, p + "attentions." + r, out);
                }
            }
            if (u < n - 1) {
                x = net.conv(net.upsample2x(x), p + "upsamplers.0.conv", out, out, 3, 1);
            }
            g.scope("");
        }

        x = net.silu(net.groupNorm(x, "conv_norm_out", width, c.normGroups(), RESNET_EPS));
        String w = net.random("conv_out.weight", 1.0 / Math.sqrt(width * 9.0), c.outChannels(), width, 3, 3);
        String bias = net.constant("conv_out.bias", 0f, c.outChannels());
        g.node("Conv").in(x, w, bias).attr("kernel_shape", new long[] {3, 3}).attr("pads", new long[] {1, 1, 1, 1})
                .out(OUT_SAMPLE).build();
    }

    /** diffusers' {@code ResnetBlock2D} with the time embedding added after the first conv. */
    private String resnet(String x, String name, int in, int out) throws IOException {
        String h = net.silu(net.groupNorm(x, name + ".norm1", in, c.normGroups(), RESNET_EPS));
        h = net.conv(h, name + ".conv1", in, out, 3, 1);
        String temb = net.linear(net.silu(emb), name + ".time_emb_proj", c.timeEmbedDim(), out, true);
        h = g.op("Add", h, net.unsqueezeSpatial(temb));
        h = net.silu(net.groupNorm(h, name + ".norm2", out, c.normGroups(), RESNET_EPS));
        h = net.conv(h, name + ".conv2", out, out, 3, 1);
        String shortcut = in == out ? x : net.conv(x, name + ".conv_shortcut", in, out, 1, 1);
        return g.op("Add", shortcut, h);
    }

    /** diffusers' {@code Transformer2DModel} with linear projections (SDXL's {@code use_linear_projection}). */
    private String transformer(String x, String name, int width) throws IOException {
        String h = net.groupNorm(x, name + ".norm", width, c.normGroups(), TRANSFORMER_GN_EPS);
        h = net.linear(net.toSequence(h, width), name + ".proj_in", width, width, true);
        for (int l = 0; l < c.transformerLayers(); l++) {
            String p = name + ".transformer_blocks." + l + ".";
            h = g.op("Add", h, net.attention(net.layerNorm(h, p + "norm1", width, LN_EPS), null, p + "attn1.",
                    "to_q", "to_k", "to_v", "to_out.0", width, width, c.heads(), false, null));
            h = g.op("Add", h, net.attention(net.layerNorm(h, p + "norm2", width, LN_EPS), context, p + "attn2.",
                    "to_q", "to_k", "to_v", "to_out.0", width, c.crossAttentionDim(), c.heads(), false, null));
            h = g.op("Add", h, geglu(net.layerNorm(h, p + "norm3", width, LN_EPS), p + "ff.", width));
        }
        h = net.linear(h, name + ".proj_out", width, width, true);
        return g.op("Add", net.toImage(h, x), x);
    }

    /** {@code FeedForward} with GEGLU: {@code proj → (hidden, gate)}, {@code hidden·gelu(gate)}, then down. */
    private String geglu(String x, String name, int width) throws IOException {
        int inner = 4 * width;
        String proj = net.linear(x, name + "net.0.proj", width, 2 * inner, true);
        String[] halves = g.node("Split").in(proj, g.constInt64("geglu_split", inner, inner)).attr("axis", -1L)
                .outputs(2).build();
        return net.linear(g.op("Mul", halves[0], net.gelu(halves[1])), name + "net.2", inner, width, true);
    }
}
