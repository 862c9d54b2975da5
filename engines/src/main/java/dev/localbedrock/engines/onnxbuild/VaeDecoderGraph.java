package dev.localbedrock.engines.onnxbuild;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A random-weight decoder half of diffusers' {@code AutoencoderKL}, with the interface of its ONNX export
 * ({@code vae_decoder/}): {@code latent_sample} float {@code [batch, latent, h, w]} → {@code sample} float
 * {@code [batch, 3, h·2^(blocks-1), w·2^(blocks-1)]}. The pipeline divides latents by {@code scaling_factor} before
 * the call, as diffusers does; the graph does not.
 *
 * <p>Structure, as diffusers' {@code Decoder}: {@code post_quant_conv} (1×1), {@code conv_in}, a mid block (resnet,
 * single-head spatial self-attention with residual unless {@code mid_block_add_attention} is off, resnet), up blocks over the reversed {@code block_out_channels}
 * of {@code layers_per_block + 1} resnets each, with nearest ×2 upsample and conv except after the last, then
 * GroupNorm, SiLU, {@code conv_out} to 3 channels.
 */
public final class VaeDecoderGraph {
    public static final String LATENT_SAMPLE = "latent_sample";
    public static final String SAMPLE = "sample";
    private static final float EPS = 1e-6f;

    /**
     * @param latentChannels   {@code latent_channels}
     * @param blockOutChannels {@code block_out_channels} (encoder order; the decoder walks them reversed)
     * @param layersPerBlock   {@code layers_per_block}
     * @param normGroups       {@code norm_num_groups}
     * @param midBlockAttention {@code mid_block_add_attention}: SDXL's VAE has it, but over every latent pixel (16384
     *                          tokens at 1024 px) it dominates a tiny decoder's cost, so test shapes leave it out
     */
    public record Config(int latentChannels, List<Integer> blockOutChannels, int layersPerBlock, int normGroups,
                         boolean midBlockAttention) {
        public Config {
            blockOutChannels = List.copyOf(blockOutChannels);
            if (latentChannels <= 0 || layersPerBlock <= 0 || normGroups <= 0 || blockOutChannels.isEmpty()) {
                throw new IllegalArgumentException("invalid VAE decoder dimensions: " + latentChannels + ", "
                        + blockOutChannels + ", " + layersPerBlock + ", " + normGroups);
            }
            for (int c : blockOutChannels) {
                if (c <= 0 || c % normGroups != 0) {
                    throw new IllegalArgumentException("block width " + c + " must be a positive multiple of "
                            + "norm_num_groups " + normGroups);
                }
            }
        }

        /** Output pixels per latent pixel along each axis. */
        public int upscale() {
            return 1 << (blockOutChannels.size() - 1);
        }
    }

    private final DiffusionNet net;
    private final GraphWriter g;
    private final Config c;

    private VaeDecoderGraph(DiffusionNet net, Config c) {
        this.net = net;
        this.g = net.g;
        this.c = c;
    }

    /** Writes {@code modelFile}; returns the parameter count. */
    public static long write(Path modelFile, Config c, long seed) throws IOException {
        return DiffusionNet.write(modelFile, "vae_decoder", seed, "random-weight AutoencoderKL decoder",
                net -> new VaeDecoderGraph(net, c).build());
    }

    /** The parameter count of {@link #write}'s graph, without writing it. */
    public static long parameters(Config c) throws IOException {
        return DiffusionNet.count("vae_decoder", net -> new VaeDecoderGraph(net, c).build());
    }

    private void build() throws IOException {
        List<Integer> ch = c.blockOutChannels();
        int n = ch.size();
        g.input(LATENT_SAMPLE, GraphWriter.FLOAT, "batch", c.latentChannels(), "height", "width");
        g.output(SAMPLE, GraphWriter.FLOAT, "batch", 3, "height_out", "width_out");

        String x = net.conv(LATENT_SAMPLE, "post_quant_conv", c.latentChannels(), c.latentChannels(), 1, 1);
        int width = ch.get(n - 1);
        x = net.conv(x, "decoder.conv_in", c.latentChannels(), width, 3, 1);
        g.scope("mid_block.");
        x = resnet(x, "decoder.mid_block.resnets.0", width, width);
        if (c.midBlockAttention()) {
            x = attention(x, "decoder.mid_block.attentions.0", width);
        }
        x = resnet(x, "decoder.mid_block.resnets.1", width, width);
        g.scope("");
        for (int u = 0; u < n; u++) {
            String p = "decoder.up_blocks." + u + ".";
            g.scope("up_blocks." + u + ".");
            int out = ch.get(n - 1 - u);
            for (int r = 0; r <= c.layersPerBlock(); r++) {
                x = resnet(x, p + "resnets." + r, width, out);
                width = out;
            }
            if (u < n - 1) {
                x = net.conv(net.upsample2x(x), p + "upsamplers.0.conv", out, out, 3, 1);
            }
            g.scope("");
        }
        x = net.silu(net.groupNorm(x, "decoder.conv_norm_out", width, c.normGroups(), EPS));
        String w = net.random("decoder.conv_out.weight", 1.0 / Math.sqrt(width * 9.0), 3, width, 3, 3);
        String b = net.constant("decoder.conv_out.bias", 0f, 3);
        g.node("Conv").in(x, w, b).attr("kernel_shape", new long[] {3, 3}).attr("pads", new long[] {1, 1, 1, 1})
                .out(SAMPLE).build();
    }

    /** {@code ResnetBlock2D} without a time embedding. */
    private String resnet(String x, String name, int in, int out) throws IOException {
        String h = net.silu(net.groupNorm(x, name + ".norm1", in, c.normGroups(), EPS));
        h = net.conv(h, name + ".conv1", in, out, 3, 1);
        h = net.silu(net.groupNorm(h, name + ".norm2", out, c.normGroups(), EPS));
        h = net.conv(h, name + ".conv2", out, out, 3, 1);
        String shortcut = in == out ? x : net.conv(x, name + ".conv_shortcut", in, out, 1, 1);
        return g.op("Add", shortcut, h);
    }

    /** The VAE's spatial {@code Attention}: GroupNorm, one head over all pixels, residual. */
    private String attention(String x, String name, int width) throws IOException {
        String h = net.groupNorm(x, name + ".group_norm", width, c.normGroups(), EPS);
        String seq = net.toSequence(h, width);
        String a = net.attention(seq, null, name + ".", "to_q", "to_k", "to_v", "to_out.0", width, width, 1, true,
                null);
        return g.op("Add", net.toImage(a, x), x);
    }
}
