package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;

import java.nio.ByteBuffer;

/**
 * Writes int32 or int64 values (token ids, attention masks, positions: whichever type the graph declares) into a
 * scratch buffer and wraps the written prefix as a {@code [rows, cols]} tensor.
 */
final class IndexWriter {
    private final OnnxJavaType type;
    private final ByteBuffer buffer;

    IndexWriter(OnnxJavaType type, ByteBuffer buffer) {
        this.type = type;
        this.buffer = buffer;
    }

    void put(int index, long value) {
        if (type == OnnxJavaType.INT32) {
            buffer.putInt(index * Integer.BYTES, (int) value);
        } else {
            buffer.putLong(index * Long.BYTES, value);
        }
    }

    OnnxTensor tensor(OrtEnvironment env, int rows, int cols) throws OrtException {
        long count = (long) rows * cols;
        long[] shape = {rows, cols};
        return type == OnnxJavaType.INT32
                ? OnnxTensor.createTensor(env, DirectBuffers.ints(buffer, count), shape)
                : OnnxTensor.createTensor(env, DirectBuffers.longs(buffer, count), shape);
    }
}
