package dev.localbedrock.engines.pytorch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.localbedrock.engines.hf.HfModelConfig;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The forward maths of {@link PtDecoderModel}: one step's embeddings, layers, attention per group, final norm and
 * output head, over a {@link StepLayout} (see {@link PtDecoderModel} for the batching scheme). {@link #run} is the
 * whole pass, top to bottom; the helpers below it are the small operators it uses. Holds the constant tensors the
 * pass needs (rotary tables, scalars), all owned by the model's manager; callers serialise calls (the model's lock).
 */
final class PtForwardPass {
    private static final int[] LAST_AXIS_2D = {1};

    private final Device device;
    private final DataType dtype;
    private final DecoderWeights w;
    private final PtKvPool pool;
    private final boolean gpt2;
    private final boolean exactGelu;
    /** {@code [capacity, headDim]} rotary cos/sin tables; null for GPT-2. */
    private final NDArray cos;
    private final NDArray sin;
    /** {@code [headDim, headDim]}: {@code x · R = rotate_half(x) = cat(-x2, x1)}; null for GPT-2. */
    private final NDArray rotateHalf;
    /** Scalar RMSNorm epsilon (float32), kept as a tensor so adding it does not create one per call. */
    private final NDArray eps;
    private final double layerNormEps;
    /** Scalars of the tanh-GELU as {@code x · σ(x · (a + b x²))}. */
    private final NDArray geluA;
    private final NDArray geluB;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    /** Query heads per key/value head. */
    private final int queryGroups;
    private final int hidden;
    private final int intermediate;
    private final int vocab;

    PtForwardPass(HfModelConfig config, Device device, DataType dtype, NDManager manager, DecoderWeights w,
                  RotaryTables rope, PtKvPool pool, PtConfigChecks.Settings settings) {
        this.device = device;
        this.dtype = dtype;
        this.w = w;
        this.pool = pool;
        this.gpt2 = settings.gpt2();
        this.exactGelu = settings.exactGelu();
        this.layers = config.numHiddenLayers();
        this.heads = config.numAttentionHeads();
        this.kvHeads = config.numKeyValueHeads();
        this.headDim = config.headDim();
        this.queryGroups = heads / kvHeads;
        this.hidden = config.hiddenSize();
        this.intermediate = config.intermediateSize();
        this.vocab = config.vocabSize();
        this.layerNormEps = settings.eps();
        if (rope != null) {
            this.cos = typed(manager.create(rope.cos, new Shape(rope.positions, rope.dim)));
            this.sin = typed(manager.create(rope.sin, new Shape(rope.positions, rope.dim)));
            this.rotateHalf = typed(manager.create(rotateHalfMatrix(headDim), new Shape(headDim, headDim)));
        } else {
            this.cos = null;
            this.sin = null;
            this.rotateHalf = null;
        }
        this.eps = manager.create((float) settings.eps());
        double a = 2 * Math.sqrt(2 / Math.PI);
        this.geluA = typed(manager.create((float) a));
        this.geluB = typed(manager.create((float) (a * 0.044715)));
    }

    private static float[] rotateHalfMatrix(int hd) {
        int half = hd / 2;
        float[] r = new float[hd * hd];
        for (int j = 0; j < half; j++) {
            r[(j + half) * hd + j] = -1f; // out[j] = -x[j + half]
            r[j * hd + j + half] = 1f;    // out[j + half] = x[j]
        }
        return r;
    }

    private NDArray typed(NDArray a) {
        return dtype == DataType.FLOAT32 ? a : a.toType(dtype, false);
    }

    /** A group's per-step tensors. */
    private record GroupTensors(StepLayout.Group g, NDArray mask) {
    }

    /**
     * Runs one step: writes every row's new keys and values into its pool slot and returns the logits of each row's
     * last new position, in the caller's row order. All step tensors are created in {@code sm}, which the caller
     * closes.
     */
    float[][] run(StepLayout s, PtNDManager sm) {
        NDArray x = JniUtils.embedding((PtNDArray) sm.create(s.ids), (PtNDArray) w.embedTokens, false);
        PtNDArray positions = (PtNDArray) sm.create(s.positions);
        NDArray cosN = null;
        NDArray sinN = null;
        if (gpt2) {
            x.addi(JniUtils.embedding(positions, (PtNDArray) w.positionEmbeddings, false));
        } else {
            cosN = JniUtils.embedding(positions, (PtNDArray) cos, false).reshape(s.tokens, 1, headDim);
            sinN = JniUtils.embedding(positions, (PtNDArray) sin, false).reshape(s.tokens, 1, headDim);
        }
        NDIndex write = new NDIndex("{}", sm.create(s.writeIndex, new Shape(s.tokens, kvHeads)));
        GroupTensors[] attnGroups = new GroupTensors[s.groups.length];
        for (int i = 0; i < attnGroups.length; i++) {
            StepLayout.Group g = s.groups[i];
            NDArray mask = g.mask == null ? null : typed(sm.create(g.mask, new Shape(g.rows, 1, 1, g.n, g.t)));
            attnGroups[i] = new GroupTensors(g, mask);
        }

        for (int l = 0; l < layers; l++) {
            DecoderWeights.Layer lw = w.layers[l];
            NDArray q;
            NDArray k;
            NDArray v;
            if (gpt2) {
                NDArray h = JniUtils.layerNorm((PtNDArray) x, new Shape(hidden), (PtNDArray) lw.norm1(),
                        (PtNDArray) lw.norm1b(), layerNormEps);
                NDList parts = linear(h, lw.qkv(), lw.qkvBias()).split(new long[] {hidden, 2L * hidden}, 1);
                q = parts.get(0).reshape(s.tokens, heads, headDim);
                k = parts.get(1).reshape(s.tokens, kvHeads, headDim);
                v = parts.get(2).reshape(s.tokens, kvHeads, headDim);
            } else {
                // qkv = rmsnorm(x) · Wqkv (+ b): norm weight and 1/sqrt(hd) folded in
                NDList parts = linear(rmsNorm(x), lw.qkv(), lw.qkvBias())
                        .split(new long[] {(long) (heads + kvHeads) * headDim}, 1);
                NDArray qk = parts.get(0).reshape(s.tokens, heads + kvHeads, headDim);
                // RoPE on q and k together at each token's own position: x*cos + rotate_half(x)*sin
                qk = qk.mul(cosN).addi(JniUtils.matmul((PtNDArray) qk, (PtNDArray) rotateHalf).muli(sinN));
                NDList qkParts = qk.split(new long[] {heads}, 1);
                q = qkParts.get(0);
                k = qkParts.get(1);
                v = parts.get(1).reshape(s.tokens, kvHeads, headDim);
            }
            // append this step's keys and values to every row's slot: one in-place index_put_ each
            JniUtils.indexAdvPut((PtNDArray) pool.keysFlat[l], write, (PtNDArray) k);
            JniUtils.indexAdvPut((PtNDArray) pool.valuesFlat[l], write, (PtNDArray) v);
            NDArray attn;
            if (attnGroups.length == 1) {
                attn = attention(attnGroups[0], sm, l, q);
            } else {
                NDList outs = new NDList(attnGroups.length);
                for (GroupTensors g : attnGroups) {
                    outs.add(attention(g, sm, l, JniUtils.index((PtNDArray) q, new long[] {g.g().start},
                            new long[] {g.g().start + (long) g.g().rows * g.g().n}, new long[] {1}, sm)));
                }
                attn = JniUtils.cat(outs.toArray(new PtNDArray[0]), 0);
            }
            x.addi(linear(attn, lw.o(), lw.oBias()));

            if (gpt2) {
                NDArray h = JniUtils.layerNorm((PtNDArray) x, new Shape(hidden), (PtNDArray) lw.norm2(),
                        (PtNDArray) lw.norm2b(), layerNormEps);
                NDArray up = linear(h, lw.up(), lw.upBias());
                x.addi(linear(gelu(up), lw.down(), lw.downBias()));
            } else {
                // SwiGLU: down(silu(gate) * up), post-attention norm folded into gate/up
                NDList gu = linear(rmsNorm(x), lw.up(), lw.upBias()).split(new long[] {intermediate}, 1);
                NDArray gate = gu.get(0);
                NDArray act = gate.mul(JniUtils.sigmoid((PtNDArray) gate)).muli(gu.get(1));
                x.addi(linear(act, lw.down(), lw.downBias()));
            }
        }
        // each row's last new position only: [b, hidden]
        NDArray lastX = s.tokens == s.b ? x : JniUtils.embedding((PtNDArray) sm.create(s.last), (PtNDArray) x, false);
        NDArray normed = gpt2
                ? JniUtils.layerNorm((PtNDArray) lastX, new Shape(hidden), (PtNDArray) w.finalNorm,
                (PtNDArray) w.finalNormBias, layerNormEps)
                : rmsNorm(lastX).muli(w.finalNorm);
        // logits = E · xᵀ: [vocab, b] (the weight as left operand is the faster GEMM)
        NDArray logits = JniUtils.matmul((PtNDArray) w.lmHead, (PtNDArray) normed.transpose());
        logits.attach(sm); // the left operand's manager (the model's) would otherwise own it
        if (logits.getDataType() != DataType.FLOAT32) {
            logits = logits.toType(DataType.FLOAT32, false);
        }
        if (device.isGpu()) {
            logits = logits.toDevice(Device.cpu(), false);
        }
        return readLogits(s, logits);
    }

    /** Copies {@code [vocab, b]} logits out once and de-interleaves them into the caller's row order. */
    private float[][] readLogits(StepLayout s, NDArray logits) {
        ByteBuffer bytes = logits.toByteBuffer(true); // aliases the native tensor: read before the step closes
        FloatBuffer fb = bytes.order(ByteOrder.nativeOrder()).asFloatBuffer();
        float[][] out = new float[s.b][];
        if (s.b == 1) {
            out[s.order[0]] = new float[vocab];
            fb.get(out[s.order[0]]);
            return out;
        }
        float[] all = new float[vocab * s.b];
        fb.get(all);
        for (int k = 0; k < s.b; k++) {
            float[] row = new float[vocab];
            for (int i = 0, j = k; i < vocab; i++, j += s.b) {
                row[i] = all[j];
            }
            out[s.order[k]] = row;
        }
        return out;
    }

    /**
     * Attends one group's queries ({@code [rows · n, heads, hd]}, a strided view is fine) to its rows' slots,
     * positions {@code [0, t)}; returns {@code [rows · n, heads · hd]}.
     */
    private NDArray attention(GroupTensors gt, PtNDManager sm, int l, NDArray q) {
        StepLayout.Group g = gt.g();
        PtNDArray keys = rowsOf(pool.keys[l], g, sm);     // [rows, kv, t, hd]
        PtNDArray values = rowsOf(pool.values[l], g, sm); // [rows, kv, t, hd]
        // [rows, n, heads, hd] -> [rows, heads, n, hd] -> grouped (head h uses kv head h / g): [rows, kv, g*n, hd]
        NDArray q4 = q.reshape(g.rows, g.n, heads, headDim).transpose(0, 2, 1, 3)
                .reshape(g.rows, kvHeads, (long) queryGroups * g.n, headDim);
        NDArray scores = JniUtils.matmul((PtNDArray) q4, JniUtils.transpose(keys, 2, 3)); // [rows, kv, g*n, t]
        if (gt.mask() != null) {
            scores = scores.reshape(g.rows, kvHeads, queryGroups, g.n, g.t).addi(gt.mask());
        }
        NDArray probs = softmax(scores).reshape(g.rows, kvHeads, (long) queryGroups * g.n, g.t);
        return JniUtils.matmul((PtNDArray) probs, values) // [rows, kv, g*n, hd] = [rows, heads, n, hd]
                .reshape(g.rows, heads, g.n, headDim).transpose(0, 2, 1, 3)
                .reshape((long) g.rows * g.n, (long) heads * headDim);
    }

    /**
     * The group's slots, positions {@code [0, t)}: a view when the slots are consecutive, else a copy concatenated
     * from one view per run of consecutive slots (a memcpy-speed {@code cat}; libtorch's advanced indexing on the
     * strided pool measured several times slower).
     */
    private PtNDArray rowsOf(NDArray cache, StepLayout.Group g, PtNDManager sm) {
        long[] step = {1, 1, 1};
        if (g.contiguous) {
            return JniUtils.index((PtNDArray) cache, new long[] {g.firstSlot, 0, 0},
                    new long[] {g.firstSlot + g.rows, kvHeads, g.t}, step, sm);
        }
        List<PtNDArray> runs = new ArrayList<>();
        int r = 0;
        while (r < g.rows) {
            int end = r + 1;
            while (end < g.rows && g.slotIndex[end] == g.slotIndex[end - 1] + 1) {
                end++;
            }
            runs.add(JniUtils.index((PtNDArray) cache, new long[] {g.slotIndex[r], 0, 0},
                    new long[] {g.slotIndex[end - 1] + 1, kvHeads, g.t}, step, sm));
            r = end;
        }
        return JniUtils.cat(runs.toArray(new PtNDArray[0]), 0);
    }

    private NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return JniUtils.linear((PtNDArray) x, (PtNDArray) weight, (PtNDArray) bias);
    }

    /** Softmax over the last axis, computed in float32 (cast back for F16/BF16). */
    private NDArray softmax(NDArray scores) {
        if (dtype == DataType.FLOAT32) {
            return scores.softmax(-1);
        }
        return JniUtils.softmax((PtNDArray) scores, -1, DataType.FLOAT32).toType(dtype, false);
    }

    /** {@code x / sqrt(mean(x^2) + eps)} over the last axis of a 2-D tensor in float32 (the weight is folded away). */
    private NDArray rmsNorm(NDArray x) {
        if (dtype != DataType.FLOAT32) {
            return rmsNorm(x.toType(DataType.FLOAT32, false)).toType(dtype, false);
        }
        NDArray meanSquare = x.square().mean(LAST_AXIS_2D, true);
        return x.div(meanSquare.addi(eps).sqrt());
    }

    /** GPT-2's activation: tanh-GELU as {@code x · σ(x · (a + b x²))}, or the exact erf GELU for {@code gelu}. */
    private NDArray gelu(NDArray x) {
        if (exactGelu) {
            return JniUtils.gelu((PtNDArray) x);
        }
        NDArray u = x.square().muli(geluB).addi(geluA).muli(x);
        return JniUtils.sigmoid((PtNDArray) u).muli(x);
    }
}
