package dev.localbedrock.benchmarks.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF v3 file (ggml's model container, as read by llama.cpp), little-endian:
 *
 * <pre>
 *   "GGUF" u32 version=3  u64 n_tensors  u64 n_kv
 *   n_kv × (string key, u32 type, value)            string = u64 byte length + UTF-8 bytes, no terminator
 *   n_tensors × (string name, u32 n_dims, u64 ne[n_dims] fastest-first, u32 ggml_type, u64 offset)
 *   padding to general.alignment (32)
 *   tensor data, each tensor starting at data_start + offset, offsets multiples of the alignment
 * </pre>
 *
 * Only what a float32 Llama needs: scalar KVs (u32, i32, f32, bool, string, u64), arrays of strings, i32 and f32,
 * and F32 tensors. Metadata and tensor infos are declared first; {@link #open} writes the header, then the caller
 * streams each tensor's bytes in declaration order through {@link TensorSink}.
 */
public final class GgufWriter {
    public static final int VERSION = 3;
    public static final int ALIGNMENT = 32;
    /** {@code ggml_type} of float32 tensors. */
    public static final int GGML_TYPE_F32 = 0;

    // gguf_type
    static final int T_UINT8 = 0;
    static final int T_INT8 = 1;
    static final int T_UINT16 = 2;
    static final int T_INT16 = 3;
    static final int T_UINT32 = 4;
    static final int T_INT32 = 5;
    static final int T_FLOAT32 = 6;
    static final int T_BOOL = 7;
    static final int T_STRING = 8;
    static final int T_ARRAY = 9;
    static final int T_UINT64 = 10;
    static final int T_INT64 = 11;
    static final int T_FLOAT64 = 12;

    private final Map<String, Object[]> kvs = new LinkedHashMap<>();
    private final List<TensorInfo> tensors = new ArrayList<>();
    private long nextOffset;

    /** A declared tensor: dims fastest-first (ggml {@code ne}), F32, at {@code offset} from the data start. */
    public record TensorInfo(String name, long[] ne, long offset) {
        public long bytes() {
            long n = 4;
            for (long d : ne) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }
    }

    public GgufWriter putU32(String key, long value) {
        if (value < 0 || value > 0xffffffffL) {
            throw new IllegalArgumentException(key + " = " + value + " does not fit u32");
        }
        return put(key, T_UINT32, value);
    }

    public GgufWriter putI32(String key, int value) {
        return put(key, T_INT32, value);
    }

    public GgufWriter putF32(String key, float value) {
        return put(key, T_FLOAT32, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, T_BOOL, value);
    }

    public GgufWriter putString(String key, String value) {
        return put(key, T_STRING, value);
    }

    public GgufWriter putStrings(String key, List<String> values) {
        return put(key, T_ARRAY, new Object[] {T_STRING, List.copyOf(values)});
    }

    public GgufWriter putI32s(String key, int[] values) {
        return put(key, T_ARRAY, new Object[] {T_INT32, values.clone()});
    }

    private GgufWriter put(String key, int type, Object value) {
        if (kvs.containsKey(key)) {
            throw new IllegalArgumentException("duplicate key " + key);
        }
        kvs.put(key, new Object[] {type, value});
        return this;
    }

    /**
     * Declares an F32 tensor.
     *
     * @param shapeOutermostFirst the PyTorch/safetensors shape; GGUF lists it reversed (fastest-first)
     */
    public TensorInfo addTensor(String name, long... shapeOutermostFirst) {
        long[] ne = new long[shapeOutermostFirst.length];
        for (int i = 0; i < ne.length; i++) {
            ne[i] = shapeOutermostFirst[ne.length - 1 - i];
        }
        TensorInfo t = new TensorInfo(name, ne, nextOffset);
        tensors.add(t);
        nextOffset = align(nextOffset + t.bytes());
        return t;
    }

    public List<TensorInfo> tensors() {
        return List.copyOf(tensors);
    }

    /** Receives each tensor's bytes in declaration order; exactly {@code bytes()} per tensor. */
    public interface TensorSink {
        void write(ByteBuffer data) throws IOException;
    }

    /** Produces one tensor's bytes into the sink. */
    public interface TensorSource {
        void writeTo(TensorInfo tensor, TensorSink sink) throws IOException;
    }

    /** Writes the whole file: header, then each declared tensor from {@code source}, padded. */
    public void write(Path file, TensorSource source) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer header = header();
            writeFully(ch, header);
            long dataStart = ch.position();
            if (dataStart % ALIGNMENT != 0) {
                throw new AssertionError("header not padded");
            }
            for (TensorInfo t : tensors) {
                long start = dataStart + t.offset();
                if (ch.position() != start) {
                    writeFully(ch, ByteBuffer.allocate((int) (start - ch.position())));
                }
                long[] written = {0};
                source.writeTo(t, data -> {
                    written[0] += data.remaining();
                    writeFully(ch, data);
                });
                if (written[0] != t.bytes()) {
                    throw new IOException("tensor " + t.name() + ": " + written[0] + " bytes written, "
                            + t.bytes() + " expected");
                }
            }
            long end = dataStart + nextOffset;
            if (ch.position() < end) {
                writeFully(ch, ByteBuffer.allocate((int) (end - ch.position())));
            }
        }
    }

    private ByteBuffer header() {
        Out out = new Out();
        out.bytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        out.i32(VERSION);
        out.i64(tensors.size());
        out.i64(kvs.size());
        for (Map.Entry<String, Object[]> e : kvs.entrySet()) {
            out.string(e.getKey());
            int type = (int) e.getValue()[0];
            out.i32(type);
            value(out, type, e.getValue()[1]);
        }
        for (TensorInfo t : tensors) {
            out.string(t.name());
            out.i32(t.ne().length);
            for (long d : t.ne()) {
                out.i64(d);
            }
            out.i32(GGML_TYPE_F32);
            out.i64(t.offset());
        }
        while (out.size() % ALIGNMENT != 0) {
            out.u8(0);
        }
        return out.buffer();
    }

    @SuppressWarnings("unchecked")
    private static void value(Out out, int type, Object v) {
        switch (type) {
            case T_UINT32 -> out.i32((int) (long) (Long) v);
            case T_INT32 -> out.i32((Integer) v);
            case T_FLOAT32 -> out.f32((Float) v);
            case T_BOOL -> out.u8((Boolean) v ? 1 : 0);
            case T_STRING -> out.string((String) v);
            case T_ARRAY -> {
                Object[] arr = (Object[]) v;
                int elemType = (int) arr[0];
                out.i32(elemType);
                switch (elemType) {
                    case T_STRING -> {
                        List<String> list = (List<String>) arr[1];
                        out.i64(list.size());
                        list.forEach(out::string);
                    }
                    case T_INT32 -> {
                        int[] ints = (int[]) arr[1];
                        out.i64(ints.length);
                        for (int i : ints) {
                            out.i32(i);
                        }
                    }
                    default -> throw new AssertionError(elemType);
                }
            }
            default -> throw new AssertionError(type);
        }
    }

    static long align(long n) {
        return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** A growable little-endian byte buffer. */
    private static final class Out {
        private ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        private void ensure(int n) {
            if (buf.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n))
                        .order(ByteOrder.LITTLE_ENDIAN);
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
        }

        void u8(int v) {
            ensure(1);
            buf.put((byte) v);
        }

        void i32(int v) {
            ensure(4);
            buf.putInt(v);
        }

        void i64(long v) {
            ensure(8);
            buf.putLong(v);
        }

        void f32(float v) {
            ensure(4);
            buf.putFloat(v);
        }

        void bytes(byte[] b) {
            ensure(b.length);
            buf.put(b);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(b);
        }

        int size() {
            return buf.position();
        }

        ByteBuffer buffer() {
            ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            b.flip();
            return b;
        }
    }
}
