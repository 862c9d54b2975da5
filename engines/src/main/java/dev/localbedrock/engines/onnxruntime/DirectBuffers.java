package dev.localbedrock.engines.onnxruntime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Direct, native-order buffers: the only kind ONNX Runtime wraps without copying. Tensors are created over exact-size
 * views ({@link #floats}, {@link #ints}, {@link #longs}) of longer-lived buffers, so one allocation serves many steps.
 *
 * <p>An instance is also a small free list of float buffers (the KV storage of sequences and the spare a step writes
 * its new cache into), so steady-state decoding allocates nothing. It keeps at most {@code retainBytes} of free
 * buffers; anything beyond is left to the garbage collector. Not thread-safe.
 */
final class DirectBuffers {
    /** A zero-length direct buffer, for empty past caches. */
    static final ByteBuffer EMPTY = allocate(0);

    private final List<ByteBuffer> free = new ArrayList<>();
    private final long retainBytes;
    private long freeBytes;

    DirectBuffers(long retainBytes) {
        this.retainBytes = retainBytes;
    }

    /** A new zeroed direct buffer of {@code bytes} bytes in native order. */
    static ByteBuffer allocate(long bytes) {
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a single tensor of " + bytes + " bytes exceeds the 2 GiB limit of one "
                    + "Java buffer; send fewer or shorter rows per step");
        }
        return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
    }

    /** {@code buffer} when it holds at least {@code bytes}, else a new buffer of {@code max(bytes, 1.5 × old)}. */
    static ByteBuffer ensure(ByteBuffer buffer, long bytes) {
        if (buffer != null && buffer.capacity() >= bytes) {
            return buffer;
        }
        long grown = buffer == null ? bytes : Math.max(bytes, buffer.capacity() + (long) buffer.capacity() / 2);
        return allocate(Math.min(grown, Integer.MAX_VALUE - 8L));
    }

    /** A view of floats {@code [offset, offset + count)} of {@code buffer}, positioned at 0. */
    static FloatBuffer floats(ByteBuffer buffer, long offset, long count) {
        return view(buffer, offset * Float.BYTES, count * Float.BYTES).asFloatBuffer();
    }

    /** A view of the first {@code count} ints of {@code buffer}. */
    static IntBuffer ints(ByteBuffer buffer, long count) {
        return view(buffer, 0, count * Integer.BYTES).asIntBuffer();
    }

    /** A view of the first {@code count} longs of {@code buffer}. */
    static LongBuffer longs(ByteBuffer buffer, long count) {
        return view(buffer, 0, count * Long.BYTES).asLongBuffer();
    }

    private static ByteBuffer view(ByteBuffer buffer, long from, long length) {
        ByteBuffer d = buffer.duplicate();
        d.limit(Math.toIntExact(from + length)).position(Math.toIntExact(from));
        return d.slice().order(ByteOrder.nativeOrder());
    }

    /** Copies {@code count} floats from {@code src[srcOffset..]} to {@code dst[dstOffset..]} (a native memcpy). */
    static void copyFloats(ByteBuffer src, long srcOffset, ByteBuffer dst, long dstOffset, long count) {
        if (count > 0) {
            dst.put(Math.toIntExact(dstOffset * Float.BYTES), src, Math.toIntExact(srcOffset * Float.BYTES),
                    Math.toIntExact(count * Float.BYTES));
        }
    }

    /** Sets {@code count} floats from {@code offset} to zero. */
    static void zeroFloats(ByteBuffer dst, long offset, long count) {
        int from = Math.toIntExact(offset * Float.BYTES);
        int to = Math.toIntExact((offset + count) * Float.BYTES);
        int i = from;
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            dst.putLong(i, 0L);
        }
        for (; i < to; i++) {
            dst.put(i, (byte) 0);
        }
    }

    /**
     * A free buffer of at least {@code minBytes} (the smallest that fits), or a new one of {@code preferredBytes}
     * (never less than {@code minBytes}).
     */
    ByteBuffer take(long minBytes, long preferredBytes) {
        int best = -1;
        for (int i = 0; i < free.size(); i++) {
            int cap = free.get(i).capacity();
            if (cap >= minBytes && (best < 0 || cap < free.get(best).capacity())) {
                best = i;
            }
        }
        if (best >= 0) {
            ByteBuffer b = free.remove(best);
            freeBytes -= b.capacity();
            return b;
        }
        return allocate(Math.max(minBytes, preferredBytes));
    }

    /** Returns a buffer for reuse; drops the oldest free buffers while more than the retention limit is kept. */
    void give(ByteBuffer buffer) {
        if (buffer == null || buffer.capacity() == 0) {
            return;
        }
        free.add(buffer);
        freeBytes += buffer.capacity();
        while (freeBytes > retainBytes && !free.isEmpty()) {
            freeBytes -= free.remove(0).capacity();
        }
    }

    /** Forgets every free buffer (the garbage collector frees them). */
    void clear() {
        free.clear();
        freeBytes = 0;
    }
}
