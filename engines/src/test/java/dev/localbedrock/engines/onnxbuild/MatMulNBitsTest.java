package dev.localbedrock.engines.onnxbuild;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.localbedrock.engines.hf.SafeTensors;
import dev.localbedrock.engines.hf.SafeTensorsWriter;
import dev.localbedrock.engines.numerics.F32Bounds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The block-wise layout against ONNX Runtime's {@code MatMulNBits} itself, one projection at a time: the codes,
 * scales and zero points this builder writes, decoded here independently by the operator schema's rules (low nibble
 * first, zero points packed along the blocks, {@code w = (q - z) · s}), must reproduce every weight within half a
 * step, and ONNX Runtime's product must equal {@code x · dequantized(W)} within what its int8 activations and float32
 * summation can account for. {@code K = 80} leaves a partial last block; both weight layouts (Hugging Face
 * {@code Linear} {@code [out, in]} and GPT-2 {@code Conv1D} {@code [in, out]}) are covered, with a column scale.
 */
class MatMulNBitsTest {
    static final int K = 80;
    static final int N = 24;
    static final int M = 3;
    static final int BLOCK = OnnxGraphBuilder.QUANT_BLOCK;

    @TempDir
    Path tmp;

    @Test
    void fourBitRows() throws Exception {
        check(4, false);
    }

    @Test
    void fourBitColumns() throws Exception {
        check(4, true);
    }

    @Test
    void eightBitRows() throws Exception {
        check(8, false);
    }

    @Test
    void eightBitColumns() throws Exception {
        check(8, true);
    }

    @Test
    void allZeroBlocksAndConstantBlocksAreExact() {
        BlockQuantizer q = new BlockQuantizer(4, BLOCK, 40, 2);
        float[] zeros = new float[40];
        float[] constant = new float[40];
        java.util.Arrays.fill(constant, -0.75f);
        ByteBuffer out = ByteBuffer.allocate((int) (2 * q.rowBytes()));
        q.quantizeRow(0, zeros, out);
        q.quantizeRow(1, constant, out);
        byte[] bytes = out.array();
        assertArrayEquals(zeros, decode(q, bytes, 0), "an all-zero column decodes to zeros");
        assertArrayEquals(constant, decode(q, bytes, 1), 1e-6f, "a constant block is an end of its range");
    }

    /**
     * DJL's ONNX Runtime engine (0.36, built against ONNX Runtime 1.21.1) runs on the newer runtime the build
     * resolves: it loads a block-wise graph and gives the same product as the runtime's own Java API. In a JVM of its
     * own, because DJL's engine creates the process-wide {@code OrtEnvironment} with its own thread options and
     * refuses to start once another one exists (as in this test JVM).
     */
    @Test
    void djlsOnnxRuntimeEngineRunsOnTheNewerRuntime() throws Exception {
        String version = OrtEnvironment.getEnvironment().getVersion();
        String[] v = version.split("\\.");
        assertTrue(Integer.parseInt(v[0]) > 1 || Integer.parseInt(v[1]) >= 22,
                "8-bit MatMulNBits needs ONNX Runtime 1.22 or newer on the CPU, have " + version);
        Path model = check(8, false);
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(javaBin.toString(), "-cp", System.getProperty("java.class.path"),
                "-Dai.djl.offline=true", DjlCheck.class.getName(), model.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "DJL check timed out");
        assertEquals(0, p.exitValue(), "DJL check failed: " + out);
        String[] lines = out.strip().split("\n");
        String[] values = lines[lines.length - 1].split(",");
        float[] djl = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            djl[i] = Float.intBitsToFloat(Integer.parseInt(values[i]));
        }
        assertArrayEquals(run(model, DjlCheck.input(), M), djl, 0f);
        System.err.println("[onnxbuild-test] ONNX Runtime " + version + ": " + lines[0]);
    }

    /** Runs a one-projection graph through DJL's ONNX Runtime engine; prints the engine, then the output bits. */
    public static final class DjlCheck {
        static float[] input() {
            float[] x = new float[M * K];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(i);
            }
            return x;
        }

        public static void main(String[] args) throws Exception {
            Path model = Path.of(args[0]);
            ai.djl.engine.Engine engine = ai.djl.engine.Engine.getEngine("OnnxRuntime");
            try (ai.djl.Model m = ai.djl.Model.newInstance("nbits", ai.djl.Device.cpu(), "OnnxRuntime")) {
                m.load(model.getParent(), model.getFileName().toString().replace(".onnx", ""));
                try (ai.djl.inference.Predictor<ai.djl.ndarray.NDList, ai.djl.ndarray.NDList> p =
                             m.newPredictor(new ai.djl.translate.NoopTranslator());
                     ai.djl.ndarray.NDManager nd = m.getNDManager().newSubManager()) {
                    ai.djl.ndarray.NDList out = p.predict(new ai.djl.ndarray.NDList(
                            nd.create(input(), new ai.djl.ndarray.types.Shape(M, K))));
                    float[] y = out.get(0).toFloatArray();
                    StringBuilder sb = new StringBuilder();
                    for (float f : y) {
                        sb.append(sb.length() == 0 ? "" : ",").append(Float.floatToRawIntBits(f));
                    }
                    System.out.println("DJL engine " + engine.getEngineName() + " " + engine.getVersion()
                            + " ran MatMulNBits");
                    System.out.println(sb);
                }
            }
        }
    }

    /** Runs {@code x [M,K] · W} through a one-node graph and checks it against the decoded weights; the graph. */
    private Path check(int bits, boolean columns) throws Exception {
        Random rnd = new Random(31L * bits + (columns ? 1 : 0));
        float[] w = new float[N * K]; // [N, K]: w[n*K + k]
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rnd.nextGaussian() * 0.1 + (i % 7 == 0 ? 0.05 : 0)); // skewed: asymmetric ranges
        }
        float[] colScale = new float[N];
        for (int n = 0; n < N; n++) {
            colScale[n] = 0.5f + n / (float) N;
        }
        float[] stored = columns ? transpose(w, N, K) : w;
        Path file = tmp.resolve("w" + bits + columns + ".safetensors");
        SafeTensorsWriter.write(file, Map.of("w", new SafeTensorsWriter.Tensor(
                columns ? new long[] {K, N} : new long[] {N, K}, stored)));
        Path model = tmp.resolve("m" + bits + columns + ".onnx");
        try (SafeTensors st = SafeTensors.open(file); GraphWriter g = new GraphWriter("one-projection", null)) {
            Weights weights = new Weights(st);
            Weights.NBitsMatrix q = columns
                    ? weights.nbitsColumns(g, "w_q", st.info("w"), colScale, bits, BLOCK)
                    : weights.nbits(g, "w_q", List.of(st.info("w")), colScale, bits, BLOCK);
            assertEquals(K, q.k());
            assertEquals(N, q.n());
            g.input("x", GraphWriter.FLOAT, "m", (long) K);
            g.output("y", GraphWriter.FLOAT, "m", (long) N);
            DecoderGraphBuilder.matMulNBits(g, "x", q, null).out("y").build();
            g.writeModel(model, "test", Map.of());
        }

        // the same quantization, done here, decoded by the schema's rules
        float[] scaled = new float[N * K];
        for (int n = 0; n < N; n++) {
            for (int k = 0; k < K; k++) {
                scaled[n * K + k] = w[n * K + k] * colScale[n];
            }
        }
        BlockQuantizer bq = new BlockQuantizer(bits, BLOCK, K, N);
        ByteBuffer codes = ByteBuffer.allocate((int) (N * bq.rowBytes()));
        float[] row = new float[K];
        for (int n = 0; n < N; n++) {
            System.arraycopy(scaled, n * K, row, 0, K);
            bq.quantizeRow(n, row, codes);
        }
        float[][] deq = new float[N][];
        for (int n = 0; n < N; n++) {
            deq[n] = decode(bq, codes.array(), n);
            for (int k = 0; k < K; k++) {
                float step = bq.scale(n, k / BLOCK);
                double err = Math.abs(deq[n][k] - scaled[n * K + k]);
                assertTrue(err <= step * (0.5 + 1e-5), "column " + n + " input " + k + ": error " + err
                        + " is more than half the step " + step);
            }
        }

        float[] x = new float[M * K];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] y = run(model, x, M);
        float[] alone = run(model, java.util.Arrays.copyOf(x, K), 1);
        assertArrayEquals(java.util.Arrays.copyOf(y, N), alone, 0f, "row 0 alone = row 0 in a batch of " + M);

        double worstRatio = 0;
        double swappedWorst = 0;
        for (int m = 0; m < M; m++) {
            for (int n = 0; n < N; n++) {
                double exact = 0;
                double absSum = 0;
                double activationError = 0;
                for (int b = 0; b * BLOCK < K; b++) {
                    double amax = 0;
                    double wAbs = 0;
                    for (int k = b * BLOCK; k < Math.min(K, (b + 1) * BLOCK); k++) {
                        amax = Math.max(amax, Math.abs(x[m * K + k]));
                        wAbs += Math.abs(deq[n][k]);
                    }
                    // accuracy_level 4: x quantized to int8 per row and block, symmetric: error <= (amax/127)/2
                    activationError += amax / 127 / 2 * wAbs;
                }
                for (int k = 0; k < K; k++) {
                    exact += (double) x[m * K + k] * deq[n][k];
                    absSum += Math.abs((double) x[m * K + k] * deq[n][k]);
                }
                // 1 % on the activation term for the float rounding of the scales and their products
                double bound = 1.01 * activationError + 2 * F32Bounds.gamma(K) * absSum;
                double diff = Math.abs(y[m * N + n] - exact);
                worstRatio = Math.max(worstRatio, diff / bound);
                assertTrue(diff <= bound, "bits " + bits + " y[" + m + "," + n + "] = " + y[m * N + n] + ", exact "
                        + exact + ", diff " + diff + " > bound " + bound);
                double swapped = 0;
                for (int k = 0; k < K; k++) {
                    swapped += (double) x[m * K + k] * deq[n][bits == 4 ? k ^ 1 : (k + BLOCK) % K];
                }
                swappedWorst = Math.max(swappedWorst, Math.abs(y[m * N + n] - swapped) / bound);
            }
        }
        System.err.printf("[onnxbuild-test] MatMulNBits %d-bit %s: worst |diff| / bound %.3f; a reference with "
                + "misplaced codes is off by up to %.1f bounds%n", bits, columns ? "[in,out]" : "[out,in]",
                worstRatio, swappedWorst);
        assertTrue(swappedWorst > 1, "the bound is tight enough to see misplaced codes");
        return model;
    }

    /** Column {@code n}'s {@code K} weights from {@code B}, the scales and the packed zero points. */
    private static float[] decode(BlockQuantizer q, byte[] b, int n) {
        float[] out = new float[(int) q.k];
        for (int k = 0; k < q.k; k++) {
            int blk = k / q.blockSize;
            int i = k % q.blockSize;
            int base = (int) (n * q.rowBytes() + (long) blk * q.blob);
            int code = q.bits == 8 ? b[base + i] & 0xFF
                    : (i % 2 == 0 ? b[base + i / 2] & 0x0F : (b[base + i / 2] & 0xFF) >>> 4);
            out[k] = (code - q.zeroPoint(n, blk)) * q.scale(n, blk);
        }
        return out;
    }

    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }

    private static float[] run(Path model, float[] x, int m) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            try (OrtSession s = env.createSession(model.toString(), o);
                 OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {m, K});
                 OrtSession.Result r = s.run(Map.of("x", in))) {
                return toArray(((OnnxTensor) r.get(0)).getFloatBuffer());
            }
        }
    }

    private static float[] toArray(FloatBuffer b) {
        float[] a = new float[b.remaining()];
        b.get(a);
        return a;
    }
}
