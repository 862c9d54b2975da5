package dev.localbedrock.engines.pytorch;

import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.RopeScaling;
import dev.localbedrock.engines.hf.SafeTensors;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A deliberately naive Llama-family decoder in plain Java doubles: the whole prefix recomputed for every position, one
 * scalar loop per formula, written from the {@code transformers} modelling code (LlamaModel, Qwen2Model, MistralModel
 * and {@code modeling_rope_utils}) without sharing any code with the engine. It is the oracle for what the ONNX exports
 * cannot cover: Q/K/V biases, sliding windows and every {@code rope_scaling} type.
 *
 * <p>Rotary frequencies: {@code 1/θ^(2i/d)}; {@code linear} divides them by the factor; {@code llama3} blends by
 * wavelength; {@code dynamic} recomputes the base as {@code θ · (f·L/M − (f−1))^(d/(d−2))} for context
 * {@code L = max(p + 1, M)} when rotating position {@code p} (the frequencies {@code transformers} uses when {@code p}
 * is the newest token).
 */
final class ReferenceDecoder implements AutoCloseable {
    private final HfModelConfig c;
    private final SafeTensors st;
    private final int d;
    private final int heads;
    private final int kvHeads;
    private final int hd;
    private final int inter;
    private final int vocab;
    private final boolean qkvBias;
    private final int window;

    ReferenceDecoder(Path dir) throws IOException {
        this.c = HfModelConfig.load(dir);
        this.st = SafeTensors.open(dir);
        this.d = c.hiddenSize();
        this.heads = c.numAttentionHeads();
        this.kvHeads = c.numKeyValueHeads();
        this.hd = c.headDim();
        this.inter = c.intermediateSize();
        this.vocab = c.vocabSize();
        this.qkvBias = c.modelType().equals("qwen2") || c.attentionBias();
        this.window = c.modelType().equals("mistral") ? c.slidingWindow() : 0;
    }

    @Override
    public void close() {
        st.close();
    }

    /** Logits of every position of {@code ids}: {@code [n][vocab]}. */
    double[][] logits(int[] ids) {
        return logits(ids, 0);
    }

    /**
     * As {@link #logits(int[])}, but the last token is rotated as if it sat {@code lastPositionShift} positions
     * further (its query and key; the history stays right): the bug of a decode step fed the wrong position. For
     * the mutation tests, which check that the float32 bounds reject it.
     */
    double[][] logits(int[] ids, int lastPositionShift) {
        int n = ids.length;
        double[][] x = new double[n][];
        float[] embed = st.floats("model.embed_tokens.weight");
        for (int p = 0; p < n; p++) {
            x[p] = row(embed, ids[p], d);
        }
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            String pre = "model.layers." + l + ".";
            float[] inNorm = st.floats(pre + "input_layernorm.weight");
            float[] wq = st.floats(pre + "self_attn.q_proj.weight");
            float[] wk = st.floats(pre + "self_attn.k_proj.weight");
            float[] wv = st.floats(pre + "self_attn.v_proj.weight");
            float[] wo = st.floats(pre + "self_attn.o_proj.weight");
            float[] bq = qkvBias ? st.floats(pre + "self_attn.q_proj.bias") : null;
            float[] bk = qkvBias ? st.floats(pre + "self_attn.k_proj.bias") : null;
            float[] bv = qkvBias ? st.floats(pre + "self_attn.v_proj.bias") : null;
            float[] bo = c.attentionBias() ? st.floats(pre + "self_attn.o_proj.bias") : null;
            double[][] q = new double[n][];
            double[][] k = new double[n][];
            double[][] v = new double[n][];
            for (int p = 0; p < n; p++) {
                double[] h = rmsNorm(x[p], inNorm);
                int at = p == n - 1 ? p + lastPositionShift : p;
                q[p] = rope(matVec(wq, bq, h, heads * hd), at, heads);
                k[p] = rope(matVec(wk, bk, h, kvHeads * hd), at, kvHeads);
                v[p] = matVec(wv, bv, h, kvHeads * hd);
            }
            for (int p = 0; p < n; p++) {
                double[] ctx = new double[heads * hd];
                for (int h = 0; h < heads; h++) {
                    int kvh = h / (heads / kvHeads);
                    int from = window > 0 ? Math.max(0, p - window + 1) : 0;
                    double[] s = new double[p + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = from; j <= p; j++) {
                        double dot = 0;
                        for (int i = 0; i < hd; i++) {
                            dot += q[p][h * hd + i] * k[j][kvh * hd + i];
                        }
                        s[j] = dot / Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = from; j <= p; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int j = from; j <= p; j++) {
                        for (int i = 0; i < hd; i++) {
                            ctx[h * hd + i] += s[j] / sum * v[j][kvh * hd + i];
                        }
                    }
                }
                add(x[p], matVec(wo, bo, ctx, d));
            }
            float[] postNorm = st.floats(pre + "post_attention_layernorm.weight");
            float[] wg = st.floats(pre + "mlp.gate_proj.weight");
            float[] wu = st.floats(pre + "mlp.up_proj.weight");
            float[] wd = st.floats(pre + "mlp.down_proj.weight");
            for (int p = 0; p < n; p++) {
                double[] h = rmsNorm(x[p], postNorm);
                double[] g = matVec(wg, null, h, inter);
                double[] u = matVec(wu, null, h, inter);
                for (int i = 0; i < inter; i++) {
                    g[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
                }
                add(x[p], matVec(wd, null, g, d));
            }
        }
        float[] norm = st.floats("model.norm.weight");
        float[] head = st.contains("lm_head.weight") ? st.floats("lm_head.weight") : embed;
        double[][] out = new double[n][];
        for (int p = 0; p < n; p++) {
            out[p] = matVec(head, null, rmsNorm(x[p], norm), vocab);
        }
        return out;
    }

    /** Inverse frequencies used to rotate position {@code p}, from the formulas of {@code modeling_rope_utils}. */
    double[] inverseFrequencies(int p) {
        double theta = c.ropeTheta();
        RopeScaling s = c.ropeScaling();
        String type = s == null ? "default" : s.type();
        int maxPos = c.maxPositionEmbeddings();
        if (type.equals("dynamic")) {
            double f = s.factor();
            double len = Math.max(p + 1, maxPos);
            theta = theta * Math.pow(f * len / maxPos - (f - 1), (double) hd / (hd - 2));
        }
        double[] inv = new double[hd / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(theta, 2.0 * i / hd);
            if (type.equals("linear")) {
                inv[i] /= s.factor();
            } else if (type.equals("llama3")) {
                double f = s.factor();
                double low = s.number("low_freq_factor", 1);
                double high = s.number("high_freq_factor", 4);
                double old = s.number("original_max_position_embeddings", maxPos);
                double wavelen = 2 * Math.PI / inv[i];
                if (wavelen > old / low) {
                    inv[i] = inv[i] / f;
                } else if (wavelen >= old / high) {
                    double smooth = (old / wavelen - low) / (high - low);
                    inv[i] = (1 - smooth) * inv[i] / f + smooth * inv[i];
                }
            }
        }
        return inv;
    }

    /** Rotate-half RoPE of every head of {@code x} at position {@code p}. */
    private double[] rope(double[] x, int p, int nHeads) {
        double[] inv = inverseFrequencies(p);
        int half = hd / 2;
        double[] out = new double[x.length];
        for (int h = 0; h < nHeads; h++) {
            for (int i = 0; i < half; i++) {
                double a = p * inv[i];
                double x1 = x[h * hd + i];
                double x2 = x[h * hd + i + half];
                out[h * hd + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
                out[h * hd + i + half] = x2 * Math.cos(a) + x1 * Math.sin(a);
            }
        }
        return out;
    }

    private double[] rmsNorm(double[] x, float[] weight) {
        double ms = 0;
        for (double v : x) {
            ms += v * v;
        }
        double scale = 1 / Math.sqrt(ms / x.length + c.rmsNormEps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale * weight[i];
        }
        return out;
    }

    /** {@code W · x + b} with {@code W} row-major {@code [rows, x.length]}. */
    private static double[] matVec(float[] w, float[] b, double[] x, int rows) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double acc = b == null ? 0 : b[r];
            for (int i = 0; i < x.length; i++) {
                acc += w[r * x.length + i] * x[i];
            }
            out[r] = acc;
        }
        return out;
    }

    private static double[] row(float[] table, int r, int width) {
        double[] out = new double[width];
        for (int i = 0; i < width; i++) {
            out[i] = table[r * width + i];
        }
        return out;
    }

    private static void add(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }
}
