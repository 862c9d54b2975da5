package dev.localbedrock.engines.onnxbuild;

import dev.localbedrock.engines.hf.DType;
import dev.localbedrock.engines.hf.HalfFloats;
import dev.localbedrock.engines.hf.SafeTensors;
import dev.localbedrock.engines.hf.TensorInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Streams checkpoint tensors (F32, F16, BF16; memory-mapped, never loaded whole) into {@link GraphWriter}
 * initializers, converting to float32 and rearranging on the way:
 *
 * <ul>
 *   <li>{@link #rows}: parts stacked along rows, as stored ({@code [Σrows, cols]}), e.g. an embedding table or a
 *       GPT-2 {@code Conv1D} weight (already {@code [in, out]});</li>
 *   <li>{@link #transposed}: Hugging Face {@code Linear} weights ({@code [out, in]}) stacked along their output rows
 *       and written transposed ({@code [in, Σout]}), the right-hand operand of {@code MatMul}; fusing Q/K/V or
 *       gate/up this way is free;</li>
 *   <li>int8 versions of both with one symmetric scale per output column ({@code scale = max|w| / 127});</li>
 *   <li>{@link #nbits} / {@link #nbitsColumns}: block-wise 8- or 4-bit codes in {@code MatMulNBits}' layout
 *       ({@link BlockQuantizer}), one output column at a time.</li>
 * </ul>
 *
 * <p>Transposition works in blocks of output rows, reading short contiguous runs of every source row, so memory stays
 * at one block (a few MB) whatever the matrix size.
 */
final class Weights {
    /** Bytes of output a transposition block aims for. */
    private static final long BLOCK_BYTES = 8L << 20;
    /** A window mapped at once for a tensor too large for one mapping. */
    private static final long WINDOW_BYTES = 1L << 30;

    private final SafeTensors st;
    private final Map<Path, FileChannel> channels = new HashMap<>();

    Weights(SafeTensors st) {
        this.st = st;
    }

    boolean contains(String name) {
        return st.contains(name);
    }

    /** The tensor's shape as stored. */
    long[] shape(String name) {
        return st.info(name).shape();
    }

    /** The tensor's header, checking its shape and that it is a float type. */
    TensorInfo info(String name, long... shape) {
        TensorInfo t = st.info(name);
        t.requireShape(shape);
        DType d = t.dtype();
        if (d != DType.F32 && d != DType.F16 && d != DType.BF16) {
            throw new IllegalArgumentException("tensor '" + name + "' has dtype " + d
                    + "; weights must be F32, F16 or BF16");
        }
        return t;
    }

    /** A small tensor read whole as float32 (norm weights, biases). */
    float[] vector(String name, long length) {
        info(name, length);
        return st.floats(name);
    }

    /** Several vectors concatenated (fused Q/K/V biases). */
    float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] out = new float[n];
        int off = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }

    // ---------------------------------------------------------------- reading

    /** A 2-D tensor readable in row segments. */
    private final class Source {
        final TensorInfo t;
        final long rows;
        final long cols;
        final int elemBytes;
        final DType type;
        private ByteBuffer window;
        private long windowStartRow = -1;
        private long windowRows;

        Source(TensorInfo t) {
            long[] s = t.shape();
            if (s.length != 2) {
                throw new IllegalArgumentException("tensor '" + t.name() + "' is not 2-D: " + Arrays.toString(s));
            }
            this.t = t;
            this.rows = s[0];
            this.cols = s[1];
            this.type = t.dtype();
            this.elemBytes = type.bytes();
        }

        /** Reads {@code len} elements of row {@code r} from column {@code c0} as float32 into {@code dst}. */
        void read(long r, long c0, int len, float[] dst, int off) {
            ByteBuffer b = rowWindow(r);
            long elem = (r - windowStartRow) * cols + c0;
            int pos = (int) (elem * elemBytes);
            switch (type) {
                case F32 -> {
                    for (int i = 0; i < len; i++) {
                        dst[off + i] = b.getFloat(pos + 4 * i);
                    }
                }
                case F16 -> {
                    for (int i = 0; i < len; i++) {
                        dst[off + i] = HalfFloats.f16ToF32(b.getShort(pos + 2 * i));
                    }
                }
                case BF16 -> {
                    for (int i = 0; i < len; i++) {
                        dst[off + i] = HalfFloats.bf16ToF32(b.getShort(pos + 2 * i));
                    }
                }
                default -> throw new AssertionError(type);
            }
        }

        private ByteBuffer rowWindow(long r) {
            if (window != null && r >= windowStartRow && r < windowStartRow + windowRows) {
                return window;
            }
            long rowBytes = cols * elemBytes;
            if (t.byteLength() <= Integer.MAX_VALUE) {
                window = st.buffer(t.name());
                windowStartRow = 0;
                windowRows = rows;
                return window;
            }
            long perWindow = Math.max(1, WINDOW_BYTES / rowBytes);
            long start = r / perWindow * perWindow;
            long n = Math.min(perWindow, rows - start);
            try {
                FileChannel ch = channels.get(t.file());
                if (ch == null) {
                    ch = FileChannel.open(t.file(), StandardOpenOption.READ);
                    channels.put(t.file(), ch);
                }
                window = ch.map(FileChannel.MapMode.READ_ONLY, t.offset() + start * rowBytes, n * rowBytes)
                        .order(ByteOrder.LITTLE_ENDIAN);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot map tensor '" + t.name() + "' from " + t.file(), e);
            }
            windowStartRow = start;
            windowRows = n;
            return window;
        }
    }

    private Source[] sources(List<TensorInfo> parts) {
        Source[] s = new Source[parts.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = new Source(parts.get(i));
            if (s[i].cols != s[0].cols) {
                throw new IllegalArgumentException("cannot stack " + parts.get(0) + " and " + parts.get(i));
            }
        }
        return s;
    }

    private static long totalRows(Source[] s) {
        long n = 0;
        for (Source x : s) {
            n += x.rows;
        }
        return n;
    }

    // ---------------------------------------------------------------- float32 layouts

    /**
     * Writes {@code parts} stacked along rows as a float32 {@code [Σrows, cols]} initializer; {@code colScale}, when
     * given, multiplies each column.
     */
    String rows(GraphWriter g, String name, List<TensorInfo> parts, float[] colScale) throws IOException {
        Source[] src = sources(parts);
        long r = totalRows(src);
        long c = src[0].cols;
        checkScale(colScale, c);
        return g.tensor(name, GraphWriter.FLOAT, new long[] {r, c}, r * c * 4, sink -> {
            float[] row = new float[(int) c];
            int rowsPerChunk = (int) Math.max(1, BLOCK_BYTES / (c * 4));
            ByteBuffer buf = GraphWriter.le(Math.min(r, rowsPerChunk) * c * 4);
            for (Source s : src) {
                for (long i = 0; i < s.rows; i++) {
                    s.read(i, 0, (int) c, row, 0);
                    if (colScale != null) {
                        for (int j = 0; j < c; j++) {
                            row[j] *= colScale[j];
                        }
                    }
                    if (buf.remaining() < c * 4) {
                        sink.write(buf.flip());
                        buf.clear();
                    }
                    buf.asFloatBuffer().put(row);
                    buf.position(buf.position() + (int) c * 4);
                }
            }
            if (buf.position() > 0) {
                sink.write(buf.flip());
            }
        });
    }

    /**
     * Writes {@code parts} (each {@code [out_i, in]}) stacked along rows and transposed: a float32
     * {@code [in, Σout_i]} initializer; {@code colScale}, when given, multiplies output column {@code n} (source row
     * {@code n}).
     */
    String transposed(GraphWriter g, String name, List<TensorInfo> parts, float[] colScale) throws IOException {
        Source[] src = sources(parts);
        long n = totalRows(src);
        long k = src[0].cols;
        checkScale(colScale, n);
        return g.tensor(name, GraphWriter.FLOAT, new long[] {k, n}, k * n * 4, sink -> {
            transposeBlocks(src, n, k, colScale, (block, rows) -> {
                ByteBuffer buf = GraphWriter.le((long) rows * n * 4);
                buf.asFloatBuffer().put(block, 0, (int) (rows * n));
                sink.write(buf);
            });
        });
    }

    private interface BlockConsumer {
        void accept(float[] block, int rows) throws IOException;
    }

    /** Calls {@code out} with consecutive blocks of the transposed matrix ({@code rows × n} floats, row-major). */
    private static void transposeBlocks(Source[] src, long n, long k, float[] colScale, BlockConsumer out)
            throws IOException {
        if (n > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("matrix of " + n + " columns is too wide");
        }
        int kb = (int) Math.max(1, Math.min(k, BLOCK_BYTES / (n * 4)));
        float[] block = new float[(int) (kb * n)];
        float[] seg = new float[kb];
        for (long k0 = 0; k0 < k; k0 += kb) {
            int len = (int) Math.min(kb, k - k0);
            int col = 0;
            for (Source s : src) {
                for (long r = 0; r < s.rows; r++, col++) {
                    s.read(r, k0, len, seg, 0);
                    float scale = colScale == null ? 1f : colScale[col];
                    for (int j = 0; j < len; j++) {
                        block[(int) (j * n) + col] = seg[j] * scale;
                    }
                }
            }
            out.accept(block, len);
        }
    }

    // ---------------------------------------------------------------- int8 layouts

    /** An int8 matrix {@code [k, n]} and its per-column scales {@code [n]} (initializer names). */
    record Int8Matrix(String weight, String scale, long k, long n) {
    }

    /**
     * {@link #transposed} quantized: int8 {@code [in, Σout]} with one symmetric scale per output column
     * ({@code w ≈ q · scale[n]}, {@code q ∈ [-127, 127]}).
     */
    Int8Matrix transposedInt8(GraphWriter g, String name, List<TensorInfo> parts, float[] colScale)
            throws IOException {
        Source[] src = sources(parts);
        long n = totalRows(src);
        long k = src[0].cols;
        checkScale(colScale, n);
        // pass 1: per output column (= source row) max |w|
        float[] absMax = new float[(int) n];
        float[] row = new float[(int) k];
        int col = 0;
        for (Source s : src) {
            for (long r = 0; r < s.rows; r++, col++) {
                s.read(r, 0, (int) k, row, 0);
                float scale = colScale == null ? 1f : colScale[col];
                float m = 0;
                for (float v : row) {
                    m = Math.max(m, Math.abs(v * scale));
                }
                absMax[col] = m;
            }
        }
        float[] scales = scalesOf(absMax);
        String w = g.tensor(name, GraphWriter.INT8, new long[] {k, n}, k * n, sink ->
                transposeBlocks(src, n, k, colScale, (block, rows) -> sink.write(quantize(block, rows, n, scales))));
        String sc = g.floats(name + "_scale", new long[] {n}, scales);
        return new Int8Matrix(w, sc, k, n);
    }

    /** {@link #rows} quantized with one symmetric scale per column (for {@code [in, out]} weights such as GPT-2's). */
    Int8Matrix rowsInt8(GraphWriter g, String name, List<TensorInfo> parts, float[] colScale) throws IOException {
        Source[] src = sources(parts);
        long k = totalRows(src);
        long n = src[0].cols;
        checkScale(colScale, n);
        float[] absMax = new float[(int) n];
        float[] row = new float[(int) n];
        for (Source s : src) {
            for (long r = 0; r < s.rows; r++) {
                s.read(r, 0, (int) n, row, 0);
                for (int j = 0; j < n; j++) {
                    float v = Math.abs(row[j] * (colScale == null ? 1f : colScale[j]));
                    if (v > absMax[j]) {
                        absMax[j] = v;
                    }
                }
            }
        }
        float[] scales = scalesOf(absMax);
        String w = g.tensor(name, GraphWriter.INT8, new long[] {k, n}, k * n, sink -> {
            for (Source s : src) {
                for (long r = 0; r < s.rows; r++) {
                    s.read(r, 0, (int) n, row, 0);
                    if (colScale != null) {
                        for (int j = 0; j < n; j++) {
                            row[j] *= colScale[j];
                        }
                    }
                    sink.write(quantize(row, 1, n, scales));
                }
            }
        });
        String sc = g.floats(name + "_scale", new long[] {n}, scales);
        return new Int8Matrix(w, sc, k, n);
    }

    private static float[] scalesOf(float[] absMax) {
        float[] s = new float[absMax.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = absMax[i] > 0 ? absMax[i] / 127f : 1f;
        }
        return s;
    }

    private static ByteBuffer quantize(float[] block, int rows, long n, float[] scales) {
        ByteBuffer b = ByteBuffer.allocate((int) (rows * n));
        for (int r = 0; r < rows; r++) {
            int base = (int) (r * n);
            for (int j = 0; j < n; j++) {
                int q = Math.round(block[base + j] / scales[j]);
                b.put((byte) Math.max(-127, Math.min(127, q)));
            }
        }
        return b.flip();
    }

    // ---------------------------------------------------------------- block-wise layouts (MatMulNBits)

    /**
     * A {@code MatMulNBits} right-hand side (initializer names): {@code weight} uint8 {@code [n, blocks, blob]},
     * {@code scales} f32 {@code [n, blocks]}, {@code zeroPoints} uint8 {@code [n, ceil(blocks · bits / 8)]}, with
     * {@code blocks = ceil(k / blockSize)} and {@code blob = blockSize · bits / 8}.
     */
    record NBitsMatrix(String weight, String scales, String zeroPoints, long k, long n, int bits, int blockSize) {
    }

    /**
     * Hugging Face {@code Linear} weights ({@code [out_i, in]}, stacked along outputs) quantized block-wise: each
     * source row is one output column of the product, its {@code in} weights split into blocks of {@code blockSize}.
     * Streams row by row, so memory stays at the scales whatever the matrix size.
     */
    NBitsMatrix nbits(GraphWriter g, String name, List<TensorInfo> parts, float[] colScale, int bits, int blockSize)
            throws IOException {
        Source[] src = sources(parts);
        long n = totalRows(src);
        long k = src[0].cols;
        checkScale(colScale, n);
        BlockQuantizer q = new BlockQuantizer(bits, blockSize, k, n);
        String w = g.tensor(name, GraphWriter.UINT8, new long[] {n, q.blocks, q.blob}, n * q.rowBytes(), sink -> {
            float[] row = new float[(int) k];
            int rowsPerChunk = (int) Math.max(1, BLOCK_BYTES / q.rowBytes());
            ByteBuffer buf = ByteBuffer.allocate((int) (Math.min(n, rowsPerChunk) * q.rowBytes()));
            int col = 0;
            for (Source s : src) {
                for (long r = 0; r < s.rows; r++, col++) {
                    s.read(r, 0, (int) k, row, 0);
                    if (colScale != null) {
                        for (int j = 0; j < k; j++) {
                            row[j] *= colScale[col];
                        }
                    }
                    if (buf.remaining() < q.rowBytes()) {
                        sink.write(buf.flip());
                        buf.clear();
                    }
                    q.quantizeRow(col, row, buf);
                }
            }
            if (buf.position() > 0) {
                sink.write(buf.flip());
            }
        });
        return q.finish(g, name, w);
    }

    /**
     * {@code [in, out]} weights (GPT-2 {@code Conv1D}) quantized block-wise along {@code in}. Each output column is
     * gathered from the whole matrix, which is read into the heap once (GPT-2's largest, 1600 × 6400, is 41 MB).
     */
    NBitsMatrix nbitsColumns(GraphWriter g, String name, TensorInfo weight, float[] colScale, int bits, int blockSize)
            throws IOException {
        Source s = new Source(weight);
        long k = s.rows;
        long n = s.cols;
        checkScale(colScale, n);
        if (k * n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("matrix '" + weight.name() + "' is too large to quantize column-wise");
        }
        float[] all = new float[(int) (k * n)];
        for (long r = 0; r < k; r++) {
            s.read(r, 0, (int) n, all, (int) (r * n));
        }
        BlockQuantizer q = new BlockQuantizer(bits, blockSize, k, n);
        String w = g.tensor(name, GraphWriter.UINT8, new long[] {n, q.blocks, q.blob}, n * q.rowBytes(), sink -> {
            float[] column = new float[(int) k];
            ByteBuffer buf = ByteBuffer.allocate((int) q.rowBytes());
            for (int c = 0; c < n; c++) {
                float scale = colScale == null ? 1f : colScale[c];
                for (int j = 0; j < k; j++) {
                    column[j] = all[(int) (j * n) + c] * scale;
                }
                buf.clear();
                q.quantizeRow(c, column, buf);
                sink.write(buf.flip());
            }
        });
        return q.finish(g, name, w);
    }

    private static void checkScale(float[] colScale, long n) {
        if (colScale != null && colScale.length != n) {
            throw new IllegalArgumentException("column scale of length " + colScale.length + " for " + n + " columns");
        }
    }

    /** Closes channels opened for windows over 2 GiB tensors (the {@link SafeTensors} owner closes its own). */
    void close() {
        for (FileChannel ch : channels.values()) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // read-only
            }
        }
        channels.clear();
    }
}
