package dev.localbedrock.engines.hf;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where one tensor lives inside a safetensors file.
 *
 * @param name       the tensor's name in the header
 * @param dtypeName  the header's {@code dtype} string, kept verbatim so unknown types can be named in errors
 * @param shape      dimensions, outermost first
 * @param file       the file holding its bytes
 * @param offset     absolute byte offset of the first element in {@code file}
 * @param byteLength number of bytes
 */
public record TensorInfo(String name, String dtypeName, long[] shape, Path file, long offset, long byteLength) {

    /** The element type, or an {@link IllegalArgumentException} naming the tensor when the type is unknown. */
    public DType dtype() {
        DType t = DType.fromHeader(dtypeName);
        if (t == null) {
            throw new IllegalArgumentException("tensor '" + name + "' has unsupported dtype " + dtypeName);
        }
        return t;
    }

    /** Number of elements (1 for a scalar). */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Throws an {@link IllegalArgumentException} naming the tensor unless its shape is {@code expected}. */
    public void requireShape(long... expected) {
        if (!Arrays.equals(shape, expected)) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + ", expected " + Arrays.toString(expected));
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return name + " " + dtypeName + Arrays.toString(shape);
    }
}
