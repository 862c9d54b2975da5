package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import dev.localbedrock.engines.hf.HalfFloats;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.Map;
import java.util.Set;

/**
 * Feeding graphs whose inputs are declared in whatever element type an exporter chose (float32, or float16 for fp16
 * exports meant for CUDA; integer ids and timesteps as int32 or int64), and reading their outputs back as float32.
 */
final class OrtTensors {
    private static final Set<OnnxJavaType> FLOATING = Set.of(OnnxJavaType.FLOAT, OnnxJavaType.FLOAT16,
            OnnxJavaType.DOUBLE);

    private OrtTensors() {
    }

    /** The declared tensor info of input or output {@code name}, or an error naming the graph and its names. */
    static TensorInfo declared(Map<String, NodeInfo> nodes, String name, String what) {
        NodeInfo node = nodes.get(name);
        if (node == null) {
            throw new IllegalArgumentException(what + " has no '" + name + "' (it has: " + nodes.keySet() + ")");
        }
        if (!(node.getInfo() instanceof TensorInfo t)) {
            throw new IllegalArgumentException(what + ": '" + name + "' is not a tensor");
        }
        return t;
    }

    /** {@code t}'s element type when it is one a float value can be fed as (float32, float16, float64). */
    static OnnxJavaType floating(TensorInfo t, String name, String what) {
        if (!FLOATING.contains(t.type)) {
            throw new IllegalArgumentException(what + ": '" + name + "' is declared " + t.type
                    + "; supported: float, float16, double");
        }
        return t.type;
    }

    /** The declared size of axis {@code axis}, or -1 when it is symbolic (or the rank is smaller). */
    static long dim(TensorInfo t, int axis) {
        long[] shape = t.getShape();
        int a = axis < 0 ? shape.length + axis : axis;
        return a >= 0 && a < shape.length && shape[a] > 0 ? shape[a] : -1;
    }

    /**
     * A tensor of {@code values} in element type {@code type}. Integer types truncate toward zero, as numpy's
     * {@code astype} does when optimum's ONNX pipelines cast a fractional timestep for an int64 {@code timestep}.
     */
    static OnnxTensor create(OrtEnvironment env, OnnxJavaType type, float[] values, long[] shape)
            throws OrtException {
        switch (type) {
            case FLOAT:
                return OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape);
            case FLOAT16: {
                short[] half = new short[values.length];
                for (int i = 0; i < values.length; i++) {
                    half[i] = toHalf(values[i]);
                }
                return OnnxTensor.createTensor(env, ShortBuffer.wrap(half), shape, OnnxJavaType.FLOAT16);
            }
            case DOUBLE: {
                double[] d = new double[values.length];
                for (int i = 0; i < values.length; i++) {
                    d[i] = values[i];
                }
                return OnnxTensor.createTensor(env, DoubleBuffer.wrap(d), shape);
            }
            case INT64: {
                long[] l = new long[values.length];
                for (int i = 0; i < values.length; i++) {
                    l[i] = (long) values[i];
                }
                return OnnxTensor.createTensor(env, LongBuffer.wrap(l), shape);
            }
            case INT32: {
                int[] n = new int[values.length];
                for (int i = 0; i < values.length; i++) {
                    n[i] = (int) values[i];
                }
                return OnnxTensor.createTensor(env, IntBuffer.wrap(n), shape);
            }
            default:
                throw new IllegalArgumentException("cannot feed element type " + type);
        }
    }

    /** Token ids as int32 or int64, as the graph declares. */
    static OnnxTensor ids(OrtEnvironment env, OnnxJavaType type, int[] ids, long[] shape) throws OrtException {
        if (type == OnnxJavaType.INT32) {
            return OnnxTensor.createTensor(env, IntBuffer.wrap(ids), shape);
        }
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return OnnxTensor.createTensor(env, LongBuffer.wrap(l), shape);
    }

    /** A float output (float32, float16 or float64) as float32 values; float16 converts exactly. */
    static float[] read(OnnxTensor tensor, String what) {
        TensorInfo info = tensor.getInfo();
        switch (info.type) {
            case FLOAT: {
                FloatBuffer b = tensor.getFloatBuffer();
                float[] out = new float[b.remaining()];
                b.get(out);
                return out;
            }
            case FLOAT16: {
                ShortBuffer b = tensor.getShortBuffer();
                float[] out = new float[b.remaining()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = HalfFloats.f16ToF32(b.get(i));
                }
                return out;
            }
            case DOUBLE: {
                DoubleBuffer b = tensor.getDoubleBuffer();
                float[] out = new float[b.remaining()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) b.get(i);
                }
                return out;
            }
            default:
                throw new IllegalStateException(what + " is " + info.type + ", not a float tensor");
        }
    }

    /**
     * float32 to IEEE binary16 bits, rounding to nearest with ties to even (as numpy's and torch's {@code .half()}),
     * overflowing to infinity, with subnormals.
     */
    static short toHalf(float value) {
        int f = Float.floatToRawIntBits(value);
        int sign = (f >>> 16) & 0x8000;
        int abs = f & 0x7FFFFFFF;
        if (abs >= 0x7F800000) { // infinity or NaN (keep NaN quiet and non-zero)
            return (short) (sign | 0x7C00 | (abs > 0x7F800000 ? 0x200 | ((abs >>> 13) & 0x3FF) : 0));
        }
        if (abs >= 0x477FF000) { // rounds to ≥ 65520: infinity
            return (short) (sign | 0x7C00);
        }
        if (abs < 0x38800000) { // below the smallest normal half (2^-14): subnormal or zero
            if (abs < 0x33000000) { // ≤ 2^-25: rounds to zero (2^-25 itself is a tie to even zero)
                return (short) sign;
            }
            int exp = abs >>> 23;
            int mant = (abs & 0x7FFFFF) | 0x800000;
            int shift = 126 - exp; // value = mant · 2^(exp-150); half subnormal unit is 2^-24
            int half = mant >>> shift;
            int rest = mant & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rest > halfway || (rest == halfway && (half & 1) != 0)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = ((abs >>> 13) - (112 << 10));
        int rest = abs & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) {
            half++; // may carry into the exponent, which is still the right value
        }
        return (short) (sign | half);
    }
}
