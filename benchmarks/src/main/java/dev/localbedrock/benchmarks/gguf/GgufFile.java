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
 * A minimal GGUF reader for checking what {@link GgufWriter} produced: metadata (scalars as Java boxes, arrays as
 * {@link List}s) and tensor infos, plus each tensor's data as float32. Reads the header with a bounded buffer; tensor
 * data is read on demand.
 *
 * @param version    file version
 * @param alignment  {@code general.alignment} or 32
 * @param metadata   key to value, in file order
 * @param tensors    tensor infos, in file order
 * @param dataStart  absolute offset of the tensor data blob
 * @param file       the file
 */
public record GgufFile(int version, int alignment, Map<String, Object> metadata, List<Tensor> tensors,
                       long dataStart, Path file) {

    /** One tensor info: name, dims fastest-first, ggml type, offset from {@link #dataStart()}. */
    public record Tensor(String name, long[] ne, int type, long offset) {
        public long elements() {
            long n = 1;
            for (long d : ne) {
                n *= d;
            }
            return n;
        }
    }

    /** Reads the header of {@code file}. */
    public static GgufFile read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            In in = new In(ch);
            byte[] magic = in.bytes(4);
            if (!"GGUF".equals(new String(magic, StandardCharsets.US_ASCII))) {
                throw new IOException(file + " is not a GGUF file");
            }
            int version = in.i32();
            long nTensors = in.i64();
            long nKv = in.i64();
            Map<String, Object> meta = new LinkedHashMap<>();
            for (long i = 0; i < nKv; i++) {
                String key = in.string();
                int type = in.i32();
                meta.put(key, in.value(type));
            }
            List<Tensor> tensors = new ArrayList<>();
            for (long i = 0; i < nTensors; i++) {
                String name = in.string();
                int nDims = in.i32();
                long[] ne = new long[nDims];
                for (int d = 0; d < nDims; d++) {
                    ne[d] = in.i64();
                }
                int type = in.i32();
                long offset = in.i64();
                tensors.add(new Tensor(name, ne, type, offset));
            }
            Object a = meta.get("general.alignment");
            int alignment = a == null ? GgufWriter.ALIGNMENT : (int) (long) (Long) a;
            long pos = in.position();
            long dataStart = (pos + alignment - 1) / alignment * alignment;
            return new GgufFile(version, alignment, meta, tensors, dataStart, file);
        }
    }

    public Tensor tensor(String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no tensor " + name));
    }

    /** A tensor's data as float32 (F32 tensors only), in file order. */
    public float[] floats(String name) throws IOException {
        Tensor t = tensor(name);
        if (t.type() != GgufWriter.GGML_TYPE_F32) {
            throw new IllegalArgumentException(name + " is not F32");
        }
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(t.elements() * 4)).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long p = dataStart + t.offset();
            while (b.hasRemaining()) {
                int n = ch.read(b, p);
                if (n < 0) {
                    throw new IOException("truncated tensor " + name);
                }
                p += n;
            }
        }
        b.flip();
        float[] out = new float[(int) t.elements()];
        b.asFloatBuffer().get(out);
        return out;
    }

    /** Sequential little-endian reads over a channel, refilling a 1 MiB buffer. */
    private static final class In {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        private long consumed;

        In(FileChannel ch) throws IOException {
            this.ch = ch;
            buf.limit(0);
        }

        long position() {
            return consumed;
        }

        private void need(int n) throws IOException {
            if (buf.remaining() >= n) {
                return;
            }
            buf.compact();
            while (buf.position() < n) {
                if (ch.read(buf) < 0) {
                    throw new IOException("unexpected end of GGUF header");
                }
            }
            buf.flip();
        }

        byte[] bytes(int n) throws IOException {
            byte[] out = new byte[n];
            int done = 0;
            while (done < n) {
                int step = Math.min(n - done, buf.capacity() / 2);
                need(step);
                buf.get(out, done, step);
                done += step;
            }
            consumed += n;
            return out;
        }

        int i32() throws IOException {
            need(4);
            consumed += 4;
            return buf.getInt();
        }

        long i64() throws IOException {
            need(8);
            consumed += 8;
            return buf.getLong();
        }

        String string() throws IOException {
            long n = i64();
            return new String(bytes(Math.toIntExact(n)), StandardCharsets.UTF_8);
        }

        Object value(int type) throws IOException {
            switch (type) {
                case GgufWriter.T_UINT8, GgufWriter.T_INT8, GgufWriter.T_BOOL -> {
                    byte b = bytes(1)[0];
                    return type == GgufWriter.T_BOOL ? (Object) (b != 0) : (Object) (long) (type == GgufWriter.T_UINT8
                            ? b & 0xff : b);
                }
                case GgufWriter.T_UINT16, GgufWriter.T_INT16 -> {
                    byte[] b = bytes(2);
                    int v = (b[0] & 0xff) | (b[1] << 8);
                    return (long) (type == GgufWriter.T_UINT16 ? v & 0xffff : (short) v);
                }
                case GgufWriter.T_UINT32 -> {
                    return i32() & 0xffffffffL;
                }
                case GgufWriter.T_INT32 -> {
                    return (long) i32();
                }
                case GgufWriter.T_FLOAT32 -> {
                    return (double) Float.intBitsToFloat(i32());
                }
                case GgufWriter.T_UINT64, GgufWriter.T_INT64 -> {
                    return i64();
                }
                case GgufWriter.T_FLOAT64 -> {
                    return Double.longBitsToDouble(i64());
                }
                case GgufWriter.T_STRING -> {
                    return string();
                }
                case GgufWriter.T_ARRAY -> {
                    int elem = i32();
                    long n = i64();
                    List<Object> list = new ArrayList<>();
                    for (long i = 0; i < n; i++) {
                        list.add(value(elem));
                    }
                    return list;
                }
                default -> throw new IOException("unknown GGUF value type " + type);
            }
        }
    }
}
