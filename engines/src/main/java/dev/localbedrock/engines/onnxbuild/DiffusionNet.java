package dev.localbedrock.engines.onnxbuild;

import dev.localbedrock.engines.synthetic.RandomWeights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * The layers the random-weight diffusion graphs ({@link ClipTextGraph}, {@link UnetGraph}, {@link VaeDecoderGraph})
 * are made of, written with plain opset-17 operators as PyTorch exporters emit them, each parameter a seeded random
 * initializer named as in the diffusers / transformers checkpoint ({@code down_blocks.0.resnets.0.conv1.weight}).
 *
 * <p>Weights: projections and convolutions {@code N(0, 1/fan_in)} (activations stay O(1) through any depth), norm
 * scales 1, biases 0. Values come from {@link RandomWeights#normal} keyed by {@code graph + "/" + name}, so equal
 * names in different graphs (every graph has a {@code conv_in}) still get different values.
 *
 * <p>A counting instance ({@link #counting}) builds the same nodes but writes no weight: the parameter count of a
 * benchmark-sized graph without generating gigabytes.
 */
final class DiffusionNet {
    /** Initializer bytes above which a graph's weights go to {@code model.onnx_data} instead of the protobuf. */
    static final long EXTERNAL_ABOVE_BYTES = 1L << 30;
    static final String DATA_FILE = "model.onnx_data";
    private static final int CHUNK = 1 << 16;

    final GraphWriter g;
    private final String graph;
    private final long seed;
    private final boolean counting;
    private long parameters;
    private int constants;

    private DiffusionNet(GraphWriter g, String graph, long seed, boolean counting) {
        this.g = g;
        this.graph = graph;
        this.seed = seed;
        this.counting = counting;
    }

    /** A builder of one graph whose parameters are written. */
    static DiffusionNet writing(GraphWriter g, String graph, long seed) {
        return new DiffusionNet(g, graph, seed, false);
    }

    /** A builder that only counts parameters. */
    static DiffusionNet counting(String graph) throws IOException {
        return new DiffusionNet(new GraphWriter(graph, null), graph, 0, true);
    }

    /** A new name for a constant initializer (GraphWriter.fresh would reserve it, and tensor() refuse it). */
    String constName(String base) {
        return base + "_" + constants++;
    }

    long parameters() {
        return parameters;
    }

    /** Builds a graph: counts it first, then writes it with external data when it is large. */
    interface Body {
        void build(DiffusionNet net) throws IOException;
    }

    /** Writes {@code modelFile} (and {@code model.onnx_data} beside it when large); returns the parameter count. */
    static long write(Path modelFile, String graph, long seed, String doc, Body body) throws IOException {
        DiffusionNet count = counting(graph);
        body.build(count);
        Path data = count.parameters * 4 > EXTERNAL_ABOVE_BYTES ? modelFile.resolveSibling(DATA_FILE) : null;
        try (GraphWriter g = new GraphWriter(graph, data)) {
            DiffusionNet net = writing(g, graph, seed);
            body.build(net);
            g.writeModel(modelFile, doc, Map.of("localbedrock.random_seed", Long.toString(seed),
                    "localbedrock.parameters", Long.toString(net.parameters)));
            return net.parameters;
        }
    }

    /** {@link #write}'s count alone. */
    static long count(String graph, Body body) throws IOException {
        DiffusionNet net = counting(graph);
        body.build(net);
        return net.parameters;
    }

    // ---------------------------------------------------------------- parameters

    /** A random {@code N(0, std²)} parameter. */
    String random(String name, double std, long... dims) throws IOException {
        long n = elements(dims);
        parameters += n;
        if (counting) {
            return name;
        }
        RandomWeights.Normal values = RandomWeights.normal(seed, graph + "/" + name, std);
        return g.tensor(name, GraphWriter.FLOAT, dims, n * 4, sink -> {
            for (long done = 0; done < n; ) {
                int m = (int) Math.min(CHUNK, n - done);
                ByteBuffer b = GraphWriter.le(m * 4L);
                for (int i = 0; i < m; i++) {
                    b.putFloat(values.next());
                }
                sink.write(b.flip());
                done += m;
            }
        });
    }

    /** A parameter filled with {@code value} (norm scales 1, biases 0). */
    String constant(String name, float value, long... dims) throws IOException {
        long n = elements(dims);
        parameters += n;
        if (counting) {
            return name;
        }
        return g.tensor(name, GraphWriter.FLOAT, dims, n * 4, sink -> {
            for (long done = 0; done < n; ) {
                int m = (int) Math.min(CHUNK, n - done);
                ByteBuffer b = GraphWriter.le(m * 4L);
                for (int i = 0; i < m; i++) {
                    b.putFloat(value);
                }
                sink.write(b.flip());
                done += m;
            }
        });
    }

    private static long elements(long[] dims) {
        long n = 1;
        for (long d : dims) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    // ---------------------------------------------------------------- layers

    /** {@code x @ W (+ b)} over the last axis; W is stored {@code [in, out]} (a torch Linear transposed). */
    String linear(String x, String name, int in, int out, boolean bias) throws IOException {
        String w = random(name + ".weight", 1.0 / Math.sqrt(in), in, out);
        String y = g.op("MatMul", x, w);
        return bias ? g.op("Add", y, constant(name + ".bias", 0f, out)) : y;
    }

    /** A 2-D convolution with bias, square kernel, "same" padding for odd kernels. */
    String conv(String x, String name, int in, int out, int kernel, int stride) throws IOException {
        String w = random(name + ".weight", 1.0 / Math.sqrt((double) in * kernel * kernel), out, in, kernel, kernel);
        String b = constant(name + ".bias", 0f, out);
        long p = kernel / 2;
        return g.node("Conv").in(x, w, b).attr("kernel_shape", new long[] {kernel, kernel})
                .attr("strides", new long[] {stride, stride}).attr("pads", new long[] {p, p, p, p}).one();
    }

    /**
     * {@code torch.nn.GroupNorm} on {@code [B, C, H, W]}: opset 17 has no GroupNormalization, so as exporters do,
     * reshape to {@code [B, G, C/G·H·W]}, InstanceNormalization (unit scale, zero shift), reshape back, then the
     * per-channel affine.
     */
    String groupNorm(String x, String name, int channels, int groups, float eps) throws IOException {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(name + ": " + channels + " channels do not split into " + groups
                    + " groups");
        }
        String grouped = g.op("Reshape", x, g.constInt64("gn_shape", 0, groups, -1));
        String ones = g.floats(constName("gn_ones"), new long[] {groups}, filled(groups, 1f));
        String zeros = g.floats(constName("gn_zeros"), new long[] {groups}, filled(groups, 0f));
        String normed = g.node("InstanceNormalization").in(grouped, ones, zeros).attr("epsilon", eps).one();
        String back = g.op("Reshape", normed, g.op("Shape", x));
        String gamma = constant(name + ".weight", 1f, channels, 1, 1);
        String beta = constant(name + ".bias", 0f, channels, 1, 1);
        return g.op("Add", g.op("Mul", back, gamma), beta);
    }

    /** LayerNormalization over the last axis, scale 1, shift 0. */
    String layerNorm(String x, String name, int width, float eps) throws IOException {
        return g.node("LayerNormalization").in(x, constant(name + ".weight", 1f, width),
                constant(name + ".bias", 0f, width)).attr("axis", -1L).attr("epsilon", eps).one();
    }

    String silu(String x) {
        return g.op("Mul", x, g.op("Sigmoid", x));
    }

    /** {@code x·σ(1.702x)}: CLIP's quick_gelu. */
    String quickGelu(String x) {
        return g.op("Mul", x, g.op("Sigmoid", g.op("Mul", x, g.scalarFloat("qg", 1.702f))));
    }

    /** Exact (erf) GELU: opset 17 has no Gelu operator. */
    String gelu(String x) {
        String erf = g.op("Erf", g.op("Mul", x, g.scalarFloat("inv_sqrt2", (float) (1 / Math.sqrt(2)))));
        return g.op("Mul", g.op("Mul", x, g.scalarFloat("half", 0.5f)), g.op("Add", erf, g.scalarFloat("one", 1f)));
    }

    /**
     * Multi-head attention of {@code x [B, S, width]} over {@code context [B, T, contextWidth]} (itself when null):
     * {@code to_q}, {@code to_k}, {@code to_v} ({@code qkvBias} says whether they have biases), softmax(QKᵀ/√d
     * [+ mask]) V, then {@code outName} with a bias.
     */
    String attention(String x, String context, String prefix, String qName, String kName, String vName,
                     String outName, int width, int contextWidth, int heads, boolean qkvBias, String additiveMask)
            throws IOException {
        if (width % heads != 0) {
            throw new IllegalArgumentException(prefix + ": width " + width + " does not split into " + heads
                    + " heads");
        }
        int d = width / heads;
        String ctx = context == null ? x : context;
        int cw = context == null ? width : contextWidth;
        String q = linear(x, prefix + qName, width, width, qkvBias);
        String k = linear(ctx, prefix + kName, cw, width, qkvBias);
        String v = linear(ctx, prefix + vName, cw, width, qkvBias);
        String headShape = g.constInt64("head_shape", 0, -1, heads, d);
        String qh = g.node("Transpose").in(g.op("Reshape", q, headShape)).attr("perm", new long[] {0, 2, 1, 3}).one();
        String kt = g.node("Transpose").in(g.op("Reshape", k, headShape)).attr("perm", new long[] {0, 2, 3, 1}).one();
        String vh = g.node("Transpose").in(g.op("Reshape", v, headShape)).attr("perm", new long[] {0, 2, 1, 3}).one();
        String scores = g.op("Mul", g.op("MatMul", qh, kt), g.scalarFloat("attn_scale", (float) (1 / Math.sqrt(d))));
        if (additiveMask != null) {
            scores = g.op("Add", scores, additiveMask);
        }
        String probs = g.node("Softmax").in(scores).attr("axis", -1L).one();
        String o = g.node("Transpose").in(g.op("MatMul", probs, vh)).attr("perm", new long[] {0, 2, 1, 3}).one();
        String merged = g.op("Reshape", o, g.constInt64("merge_shape", 0, -1, width));
        return linear(merged, prefix + outName, width, width, true);
    }

    /** {@code [B, C, H, W]} → {@code [B, H·W, C]}. */
    String toSequence(String x, int channels) {
        String flat = g.op("Reshape", x, g.constInt64("seq_shape", 0, channels, -1));
        return g.node("Transpose").in(flat).attr("perm", new long[] {0, 2, 1}).one();
    }

    /** {@code [B, H·W, C]} back to the shape of {@code like} ({@code [B, C, H, W]}). */
    String toImage(String seq, String like) {
        String t = g.node("Transpose").in(seq).attr("perm", new long[] {0, 2, 1}).one();
        return g.op("Reshape", t, g.op("Shape", like));
    }

    /** Nearest-neighbour ×2 upsampling, as {@code F.interpolate(scale_factor=2.0, mode="nearest")} exports. */
    String upsample2x(String x) throws IOException {
        String scales = g.floats(constName("up_scales"), new long[] {4}, new float[] {1, 1, 2, 2});
        return g.node("Resize").in(x, "", scales).attr("mode", "nearest")
                .attr("coordinate_transformation_mode", "asymmetric").attr("nearest_mode", "floor").one();
    }

    /** {@code t[..., None, None]}. */
    String unsqueezeSpatial(String x) {
        return g.node("Unsqueeze").in(x, g.constInt64("axes_hw", 2, 3)).one();
    }

    static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
