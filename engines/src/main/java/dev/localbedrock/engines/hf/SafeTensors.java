package dev.localbedrock.engines.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Read-only view of a Hugging Face safetensors checkpoint: one {@code model.safetensors} or the shards listed in
 * {@code model.safetensors.index.json}.
 *
 * <p>Only the JSON headers are read when opening. A tensor's bytes are memory-mapped when asked for, region by
 * region, so a checkpoint larger than memory or than one 2 GiB mapping still opens, and the engine can hand the
 * mapped bytes to native code without a Java copy. File format: an 8-byte little-endian header length {@code N},
 * {@code N} bytes of JSON ({@code name -> {dtype, shape, data_offsets:[begin,end]}} plus an optional
 * {@code __metadata__}), then the data; offsets are relative to the end of the header.
 */
public final class SafeTensors implements AutoCloseable {
    /** The single-file checkpoint name. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** The index of a sharded checkpoint. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Headers are small; anything larger is a corrupt or foreign file. */
    private static final long MAX_HEADER_BYTES = 100L << 20;

    private final Map<String, TensorInfo> tensors;
    private final Map<Path, FileChannel> channels = new HashMap<>();
    private final Map<String, String> metadata;

    private SafeTensors(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Opens a checkpoint. {@code path} is a {@code .safetensors} file, or a directory holding
     * {@value #INDEX_FILE} (sharded; preferred when present) or {@value #SINGLE_FILE}.
     */
    public static SafeTensors open(Path path) throws IOException {
        if (Files.isRegularFile(path)) {
            Map<String, String> meta = new TreeMap<>();
            return new SafeTensors(Collections.unmodifiableMap(readHeader(path, meta)), meta);
        }
        if (!Files.isDirectory(path)) {
            throw new NoSuchFileException(path.toString(), null, "no safetensors file or model directory");
        }
        Path index = path.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return openSharded(path, index);
        }
        Path single = path.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return open(single);
        }
        throw new NoSuchFileException(path.toString(), null, "holds neither " + SINGLE_FILE + " nor " + INDEX_FILE);
    }

    private static SafeTensors openSharded(Path dir, Path index) throws IOException {
        JsonNode weightMap = JSON.readTree(index.toFile()).path("weight_map");
        if (!weightMap.isObject()) {
            throw new IOException(index + " has no weight_map object");
        }
        Map<String, Path> shardOf = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            shardOf.put(e.getKey(), dir.resolve(e.getValue().asText()));
        }
        Map<String, TensorInfo> all = new TreeMap<>();
        Map<String, String> meta = new TreeMap<>();
        for (Path shard : new LinkedHashSet<>(shardOf.values())) {
            for (TensorInfo t : readHeader(shard, meta).values()) {
                TensorInfo previous = all.put(t.name(), t);
                if (previous != null) {
                    throw new IOException("tensor '" + t.name() + "' appears in both " + previous.file() + " and "
                            + t.file());
                }
            }
        }
        for (Map.Entry<String, Path> e : shardOf.entrySet()) {
            TensorInfo t = all.get(e.getKey());
            if (t == null || !t.file().equals(e.getValue())) {
                throw new IOException(index + " places tensor '" + e.getKey() + "' in " + e.getValue()
                        + " but that shard does not hold it");
            }
        }
        return new SafeTensors(Collections.unmodifiableMap(all), meta);
    }

    private static Map<String, TensorInfo> readHeader(Path file, Map<String, String> metaOut) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || 8 + headerLen > size) {
                throw new IOException(file + " is not a safetensors file (header length " + headerLen + ", file size "
                        + size + ")");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8, file);
            JsonNode root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            Map<String, TensorInfo> out = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                JsonNode node = e.getValue();
                if (name.equals("__metadata__")) {
                    node.fields().forEachRemaining(m -> metaOut.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                out.put(name, parseEntry(file, name, node, dataStart, dataSize));
            }
            return out;
        }
    }

    private static TensorInfo parseEntry(Path file, String name, JsonNode node, long dataStart, long dataSize)
            throws IOException {
        JsonNode shapeNode = node.path("shape");
        JsonNode offsets = node.path("data_offsets");
        String dtype = node.path("dtype").asText(null);
        if (dtype == null || !shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
            throw new IOException(file + ": malformed header entry for tensor '" + name + "'");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong();
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        TensorInfo info = new TensorInfo(name, dtype, shape, file, dataStart + begin, end - begin);
        if (begin < 0 || end < begin || end > dataSize) {
            throw new IOException(file + ": tensor '" + name + "' has data offsets [" + begin + ", " + end
                    + "] outside the data section of " + dataSize + " bytes");
        }
        DType t = DType.fromHeader(dtype);
        if (t != null && info.elementCount() * t.bytes() != end - begin) {
            throw new IOException(file + ": tensor '" + name + "' " + info + " needs "
                    + info.elementCount() * t.bytes() + " bytes but its offsets span " + (end - begin));
        }
        return info;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException(file + " is truncated");
            }
            pos += n;
        }
    }

    /** Tensor names, sorted. */
    public Set<String> names() {
        return tensors.keySet();
    }

    /** The merged {@code __metadata__} of the file(s). */
    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    /** Whether the checkpoint holds {@code name}. */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** Header facts for {@code name}; an {@link IllegalArgumentException} naming it when absent. */
    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("checkpoint has no tensor '" + name + "'");
        }
        return t;
    }

    /**
     * The tensor's raw bytes, memory-mapped read-only, little-endian, positioned at 0 with the tensor's length as
     * limit. The mapping stays valid while the buffer is reachable, even after {@link #close()}.
     */
    public synchronized ByteBuffer buffer(String name) {
        TensorInfo t = info(name);
        if (t.byteLength() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor '" + name + "' is " + t.byteLength()
                    + " bytes, more than one mapping can hold (2 GiB)");
        }
        try {
            FileChannel ch = channels.get(t.file());
            if (ch == null) {
                ch = FileChannel.open(t.file(), StandardOpenOption.READ);
                channels.put(t.file(), ch);
            }
            if (t.byteLength() == 0) {
                return ByteBuffer.allocateDirect(0).order(ByteOrder.LITTLE_ENDIAN);
            }
            return ch.map(FileChannel.MapMode.READ_ONLY, t.offset(), t.byteLength()).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map tensor '" + name + "' from " + t.file(), e);
        }
    }

    /** The tensor converted to float32 (from F32, F16, BF16 or F64), row-major. */
    public float[] floats(String name) {
        TensorInfo t = info(name);
        DType type = t.dtype();
        if (!type.convertibleToF32()) {
            throw new IllegalArgumentException("tensor '" + name + "' has dtype " + type
                    + ", which does not convert to float32 (F32, F16, BF16, F64 do)");
        }
        long count = t.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + count + " elements, too many for a float[]");
        }
        ByteBuffer b = buffer(name);
        float[] out = new float[(int) count];
        switch (type) {
            case F32 -> b.asFloatBuffer().get(out);
            case F64 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) b.getDouble(i * 8);
                }
            }
            case F16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = HalfFloats.f16ToF32(b.getShort(i * 2));
                }
            }
            case BF16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = HalfFloats.bf16ToF32(b.getShort(i * 2));
                }
            }
            default -> throw new AssertionError(type);
        }
        return out;
    }

    /** {@link #floats(String)} after checking the shape is {@code expectedShape}. */
    public float[] floats(String name, long... expectedShape) {
        info(name).requireShape(expectedShape);
        return floats(name);
    }

    @Override
    public synchronized void close() {
        for (FileChannel ch : channels.values()) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // read-only channel: nothing to flush
            }
        }
        channels.clear();
    }
}
