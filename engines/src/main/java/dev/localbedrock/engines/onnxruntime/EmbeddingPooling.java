package dev.localbedrock.engines.onnxruntime;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * How an encoder's token vectors become one vector per text ({@link OrtEmbeddingModel.Pooling}), then optional L2
 * normalisation. A graph whose output is already pooled ({@code [batch, dim]}) is taken as is. Sums are kept in double
 * so a text's vector does not depend on how much padding its batch had.
 */
final class EmbeddingPooling {
    private final OrtEmbeddingModel.Pooling pooling;
    private final boolean normalize;

    EmbeddingPooling(OrtEmbeddingModel.Pooling pooling, boolean normalize) {
        this.pooling = pooling;
        this.normalize = normalize;
    }

    /**
     * One vector per row of {@code batch} from the graph output {@code data} of shape {@code [rows, width, dim]} (or
     * {@code [rows, dim]}).
     */
    float[][] pool(FloatBuffer data, long[] shape, PaddedBatch batch) {
        int b = batch.rows();
        int s = batch.width();
        int d = Math.toIntExact(shape[shape.length - 1]);
        float[][] out = new float[b][d];
        if (shape.length == 2) {
            for (int r = 0; r < b; r++) {
                data.get(r * d, out[r]);
            }
        } else if (pooling == OrtEmbeddingModel.Pooling.CLS) {
            for (int r = 0; r < b; r++) {
                data.get(r * s * d, out[r]);
            }
        } else {
            meanOverMask(data, batch.mask(), b, s, d, out);
        }
        if (normalize) {
            for (float[] v : out) {
                normalize(v);
            }
        }
        return out;
    }

    private static void meanOverMask(FloatBuffer data, long[] mask, int b, int s, int d, float[][] out) {
        double[] sum = new double[d];
        for (int r = 0; r < b; r++) {
            Arrays.fill(sum, 0);
            int n = 0;
            for (int t = 0; t < s; t++) {
                if (mask[r * s + t] == 0) {
                    continue;
                }
                n++;
                int base = (r * s + t) * d;
                for (int k = 0; k < d; k++) {
                    sum[k] += data.get(base + k);
                }
            }
            for (int k = 0; k < d; k++) {
                out[r][k] = (float) (sum[k] / Math.max(1, n));
            }
        }
    }

    /** Scales {@code v} to unit L2 norm; an all-zero vector stays zero rather than becoming NaN. */
    private static void normalize(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        double inv = 1.0 / Math.max(Math.sqrt(norm), 1e-12);
        for (int k = 0; k < v.length; k++) {
            v[k] = (float) (v[k] * inv);
        }
    }
}
