package dev.localbedrock.codecs.cohere;

/**
 * The integer forms of an embedding that Cohere Embed v3 returns besides floats ({@code int8}, {@code uint8},
 * {@code binary}, {@code ubinary}), derived from the float vector the encoder produced.
 *
 * <p><b>Binary forms</b> are Cohere's exactly: one bit per dimension, 1 where the value is {@code > 0} and 0
 * otherwise (zero counts as negative), packed 8 dimensions to a byte with the first dimension in the most significant
 * bit (NumPy's {@code packbits} order, which Cohere's and sentence-transformers' binary embeddings use). The vector is
 * {@code ceil(dims / 8)} bytes long; when the dimension count is not a multiple of 8 the unused low bits of the last
 * byte are 0. {@code ubinary} writes each byte unsigned (0..255); {@code binary} writes it as {@code ubinary − 128}
 * (−128..127) — not the two's-complement reading of the byte — so that Hamming distances on either agree.
 *
 * <p><b>Scalar forms</b> differ from Cohere's by necessity. Cohere quantises each dimension over a range calibrated
 * on its own training data, which exists only for its own models. Any encoder can serve this family, so this
 * runtime uses a rule that needs no calibration and gives the same answer for the same vector every time: each vector
 * is scaled by its own largest absolute value {@code m}, {@code int8_i = rint(127 · v_i / m)} (−127..127, so 0 stays
 * 0 and the sign of every dimension is kept), and {@code uint8_i = int8_i + 128} (1..255; Cohere's two scalar forms
 * likewise differ by exactly 128). An all-zero vector gives all 0 ({@code int8}) and all 128 ({@code uint8}). Because
 * every vector has its own scale, compare int8 vectors by cosine similarity (or renormalise), not by raw dot product
 * across vectors of different magnitude; the encoders this runtime ships return unit-length vectors, for which this
 * is the usual practice anyway.
 */
final class EmbeddingQuantization {

    /** {@code uint8} and {@code binary} are their signed or unsigned twins shifted by this. */
    static final int UNSIGNED_OFFSET = 128;

    private EmbeddingQuantization() {
    }

    /** Signed scalar form, −127..127: the vector scaled by its largest absolute value. */
    static int[] int8(float[] vector) {
        double max = 0;
        for (float v : vector) {
            max = Math.max(max, Math.abs(v));
        }
        int[] out = new int[vector.length];
        if (max == 0 || !Double.isFinite(max)) {
            return out; // zero vector; non-finite vectors never get here (the worker refuses them)
        }
        double scale = 127.0 / max;
        for (int i = 0; i < vector.length; i++) {
            // rint is symmetric (half to even), so v and -v quantise to opposite values.
            out[i] = (int) Math.max(-127, Math.min(127, Math.rint(vector[i] * scale)));
        }
        return out;
    }

    /** Unsigned scalar form, 1..255 ({@link #int8} + 128). */
    static int[] uint8(float[] vector) {
        int[] out = int8(vector);
        for (int i = 0; i < out.length; i++) {
            out[i] += UNSIGNED_OFFSET;
        }
        return out;
    }

    /** Sign bits packed 8 to a byte, first dimension in the high bit, each byte 0..255. */
    static int[] ubinary(float[] vector) {
        int[] out = new int[(vector.length + 7) / 8];
        for (int i = 0; i < vector.length; i++) {
            if (vector[i] > 0) {
                out[i >> 3] |= 0x80 >>> (i & 7);
            }
        }
        return out;
    }

    /** {@link #ubinary} with each byte shifted to −128..127. */
    static int[] binary(float[] vector) {
        int[] out = ubinary(vector);
        for (int i = 0; i < out.length; i++) {
            out[i] -= UNSIGNED_OFFSET;
        }
        return out;
    }
}
