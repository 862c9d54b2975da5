package dev.localbedrock.engines.onnxbuild;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Block-wise asymmetric quantization of one weight matrix into the layout of ONNX Runtime's
 * {@code com.microsoft.MatMulNBits} (contrib operator schema, ONNX Runtime 1.23): the product's {@code N} output
 * columns each hold {@code K} input weights, split along {@code K} into {@code blocks = ceil(K / blockSize)} blocks;
 * block {@code b} of column {@code n} has a float scale {@code s} and an unsigned zero point {@code z}, and a weight
 * is stored as the code {@code q ∈ [0, 2^bits - 1]} with {@code w ≈ (q - z) · s}.
 *
 * <p>Per block, with {@code lo = min(0, min w)} and {@code hi = max(0, max w)} (zero stays exactly representable, as
 * ONNX Runtime's own quantizer does): {@code s = (hi - lo) / (2^bits - 1)}, {@code z = round(-lo / s)} and
 * {@code q = clamp(round(w / s) + z)}. The representable grid then reaches within {@code s/2} of both ends of the
 * block's range, so every weight is reproduced within {@code s/2} (plus float rounding of {@code w / s}).
 *
 * <p>Bytes: {@code B} is uint8 {@code [N, blocks, blockSize · bits / 8]}; with 4 bits, code {@code 2i} of a block
 * is the low nibble of byte {@code i} and code {@code 2i+1} the high nibble. Zero points are uint8
 * {@code [N, ceil(blocks · bits / 8)]}, packed the same way along the blocks. Positions past {@code K} in the last
 * block hold {@code z} (they dequantize to 0; the operator never reads them against real inputs).
 */
final class BlockQuantizer {
    final int bits;
    final int blockSize;
    final long k;
    final long n;
    final int blocks;
    /** Bytes per block of codes. */
    final int blob;
    /** Bytes of packed zero points per column. */
    final int zpBytes;
    private final int levels;
    private final float[] scales;
    private final byte[] zeroPoints;
    private final int[] codes;

    BlockQuantizer(int bits, int blockSize, long k, long n) {
        if (bits != 4 && bits != 8) {
            throw new IllegalArgumentException("bits must be 4 or 8, got " + bits);
        }
        if (blockSize < 16 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size must be a power of two >= 16, got " + blockSize);
        }
        long blockCount = (k + blockSize - 1) / blockSize;
        if (n * blockCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("matrix " + k + " x " + n + " has too many blocks");
        }
        this.bits = bits;
        this.blockSize = blockSize;
        this.k = k;
        this.n = n;
        this.blocks = (int) blockCount;
        this.blob = blockSize * bits / 8;
        this.zpBytes = (blocks * bits + 7) / 8;
        this.levels = (1 << bits) - 1;
        this.scales = new float[(int) (n * blocks)];
        this.zeroPoints = new byte[(int) (n * zpBytes)];
        this.codes = new int[blockSize];
    }

    /** Bytes of codes per output column. */
    long rowBytes() {
        return (long) blocks * blob;
    }

    /** Quantizes output column {@code col} (its {@code K} weights in {@code w}), appending its codes to {@code out}. */
    void quantizeRow(int col, float[] w, ByteBuffer out) {
        for (int b = 0; b < blocks; b++) {
            int off = b * blockSize;
            int len = (int) Math.min(blockSize, k - off);
            float lo = 0;
            float hi = 0;
            for (int i = 0; i < len; i++) {
                lo = Math.min(lo, w[off + i]);
                hi = Math.max(hi, w[off + i]);
            }
            float s = (hi - lo) / levels;
            if (!(s > 0) || !Float.isFinite(s)) {
                if (!Float.isFinite(lo) || !Float.isFinite(hi)) {
                    throw new IllegalArgumentException("non-finite weight in output column " + col);
                }
                s = 1f; // an all-zero block: z = 0 and every code 0 reproduce it exactly
            }
            int z = clamp(Math.round(-lo / s));
            for (int i = 0; i < blockSize; i++) {
                codes[i] = i < len ? clamp(Math.round(w[off + i] / s) + z) : z;
            }
            scales[col * blocks + b] = s;
            putNibbleOrByte(zeroPoints, col * zpBytes, b, z);
            if (bits == 8) {
                for (int i = 0; i < blockSize; i++) {
                    out.put((byte) codes[i]);
                }
            } else {
                for (int i = 0; i < blockSize; i += 2) {
                    out.put((byte) (codes[i] | codes[i + 1] << 4));
                }
            }
        }
    }

    private void putNibbleOrByte(byte[] dst, int base, int index, int value) {
        if (bits == 8) {
            dst[base + index] = (byte) value;
        } else {
            int at = base + index / 2;
            dst[at] = (byte) ((index % 2 == 0) ? (dst[at] & 0xF0) | value : (dst[at] & 0x0F) | value << 4);
        }
    }

    private int clamp(int q) {
        return Math.max(0, Math.min(levels, q));
    }

    /** Scale of block {@code b} of column {@code col} (after {@link #quantizeRow}). */
    float scale(int col, int b) {
        return scales[col * blocks + b];
    }

    /** Zero point of block {@code b} of column {@code col} (after {@link #quantizeRow}). */
    int zeroPoint(int col, int b) {
        int v = zeroPoints[col * zpBytes + (bits == 8 ? b : b / 2)] & 0xFF;
        return bits == 8 ? v : (b % 2 == 0 ? v & 0x0F : v >>> 4);
    }

    /** Writes the scales and zero points once every column is quantized; {@code weight} names the codes. */
    Weights.NBitsMatrix finish(GraphWriter g, String name, String weight) throws IOException {
        String sc = g.floats(name + "_scales", new long[] {n, blocks}, scales);
        String zp = g.tensor(name + "_zero_points", GraphWriter.UINT8, new long[] {n, zpBytes}, zeroPoints.length,
                sink -> sink.write(ByteBuffer.wrap(zeroPoints)));
        return new Weights.NBitsMatrix(weight, sc, zp, k, n, bits, blockSize);
    }
}
