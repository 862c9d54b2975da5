package dev.localbedrock.engines.onnxbuild;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Assembles one ONNX {@code ModelProto} with the protobuf classes shipped by {@code tribuo-util-onnx}
 * ({@link ai.onnx.proto.OnnxMl}): nodes, graph inputs/outputs, and initializers that are either inline
 * ({@code raw_data}) or streamed into a side file ({@code data_location = EXTERNAL}) as they are produced, so a
 * checkpoint is never held in the heap twice.
 *
 * <p>External tensors start at 4096-byte aligned offsets (ONNX Runtime can then map them). Not thread-safe.
 */
final class GraphWriter implements AutoCloseable {
    static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    static final int INT8 = TensorProto.DataType.INT8_VALUE;
    static final int UINT8 = TensorProto.DataType.UINT8_VALUE;
    static final int INT32 = TensorProto.DataType.INT32_VALUE;
    static final int INT64 = TensorProto.DataType.INT64_VALUE;
    static final int BOOL = TensorProto.DataType.BOOL_VALUE;
    /** ONNX Runtime's contrib-op domain. */
    static final String MS = "com.microsoft";
    /** Default-domain opset: LayerNormalization, LessOrEqual, ReduceSum with an axes input, Split with sizes. */
    static final int OPSET = 17;
    static final int IR_VERSION = 8;
    /** Tensors smaller than this stay inline even in external mode (as {@code onnx}'s own converter does). */
    static final int EXTERNAL_MIN_BYTES = 1024;
    private static final int ALIGN = 4096;
    /** protobuf refuses messages of 2 GiB and more. */
    private static final long PROTOBUF_LIMIT = Integer.MAX_VALUE;

    /** Receives a tensor's bytes, little-endian, in row-major order, in as many pieces as the producer likes. */
    interface ChunkSink {
        void write(ByteBuffer bytes) throws IOException;
    }

    /** Produces one tensor's bytes into a sink. */
    interface ChunkProducer {
        void produce(ChunkSink sink) throws IOException;
    }

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();
    private final Path dataFile;
    private final String dataFileName;
    private FileChannel data;
    private long dataOffset;
    private long initializerBytes;
    private String scope = "";

    /**
     * @param graphName name of the graph
     * @param dataFile  the external data file to stream large initializers into, or {@code null} for inline only
     */
    GraphWriter(String graphName, Path dataFile) throws IOException {
        graph.setName(graphName);
        this.dataFile = dataFile;
        this.dataFileName = dataFile == null ? null : dataFile.getFileName().toString();
        if (dataFile != null) {
            data = FileChannel.open(dataFile, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
        }
    }

    /** Prefix for generated node and value names, e.g. {@code layers.3/}. */
    void scope(String s) {
        scope = s == null ? "" : s;
    }

    /** A name not used yet, derived from {@code base}. */
    String fresh(String base) {
        String candidate = base;
        int i = 1;
        while (!names.add(candidate)) {
            candidate = base + "_" + i++;
        }
        return candidate;
    }

    /** Bytes of initializer data written so far (inline and external). */
    long initializerBytes() {
        return initializerBytes;
    }

    /** Whether a side file receives large initializers. */
    boolean external() {
        return dataFile != null;
    }

    // ---------------------------------------------------------------- nodes

    /** Starts a node of the default domain. */
    NodeBuilder node(String opType) {
        return new NodeBuilder(opType);
    }

    /** A one-output node of the default domain without attributes. */
    String op(String opType, String... inputs) {
        return node(opType).in(inputs).one();
    }

    /** Builder for one {@code NodeProto}. */
    final class NodeBuilder {
        private final NodeProto.Builder n = NodeProto.newBuilder();
        private final List<String> outs = new ArrayList<>();
        private int autoOutputs = 1;

        private NodeBuilder(String opType) {
            n.setOpType(opType);
        }

        NodeBuilder domain(String domain) {
            n.setDomain(domain);
            return this;
        }

        /** Inputs in order; {@code ""} marks an omitted optional input. */
        NodeBuilder in(String... inputs) {
            for (String s : inputs) {
                n.addInput(s == null ? "" : s);
            }
            return this;
        }

        /** Explicit output names ({@code ""} for an omitted optional output); otherwise one generated name. */
        NodeBuilder out(String... outputs) {
            outs.addAll(List.of(outputs));
            for (String o : outputs) {
                if (!o.isEmpty()) {
                    names.add(o);
                }
            }
            return this;
        }

        /** Number of generated output names when {@link #out} is not called. */
        NodeBuilder outputs(int count) {
            autoOutputs = count;
            return this;
        }

        NodeBuilder attr(String name, long v) {
            n.addAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v));
            return this;
        }

        NodeBuilder attr(String name, float v) {
            n.addAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT)
                    .setF(v));
            return this;
        }

        NodeBuilder attr(String name, String v) {
            n.addAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                    .setS(ByteString.copyFromUtf8(v)));
            return this;
        }

        NodeBuilder attr(String name, long[] v) {
            AttributeProto.Builder a = AttributeProto.newBuilder().setName(name)
                    .setType(AttributeProto.AttributeType.INTS);
            for (long x : v) {
                a.addInts(x);
            }
            n.addAttribute(a);
            return this;
        }

        /** Adds the node; returns its output names. */
        String[] build() {
            String base = scope + n.getOpType();
            n.setName(fresh(base));
            if (outs.isEmpty()) {
                for (int i = 0; i < autoOutputs; i++) {
                    outs.add(fresh(base + "_out" + i));
                }
            }
            n.addAllOutput(outs);
            graph.addNode(n);
            return outs.toArray(new String[0]);
        }

        /** {@link #build()} for a node whose first output is the one wanted. */
        String one() {
            return build()[0];
        }
    }

    // ---------------------------------------------------------------- graph inputs and outputs

    /** Declares a graph input; dims are {@link Number}s (fixed) or {@link String}s (symbolic). */
    void input(String name, int elemType, Object... dims) {
        names.add(name);
        graph.addInput(valueInfo(name, elemType, dims));
    }

    /** Declares a graph output (the producing node must name its output {@code name}). */
    void output(String name, int elemType, Object... dims) {
        graph.addOutput(valueInfo(name, elemType, dims));
    }

    private static ValueInfoProto valueInfo(String name, int elemType, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Number num) {
                dim.setDimValue(num.longValue());
            } else {
                dim.setDimParam(String.valueOf(d));
            }
            shape.addDim(dim);
        }
        TypeProto type = TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }

    // ---------------------------------------------------------------- small constants (always inline)

    /** A 1-D int64 constant. */
    String constInt64(String base, long... values) {
        ByteBuffer b = le(values.length * 8L);
        for (long v : values) {
            b.putLong(v);
        }
        return inline(fresh(base), INT64, new long[] {values.length}, b.flip());
    }

    /** A 0-D int64 constant. */
    String scalarInt64(String base, long value) {
        return inline(fresh(base), INT64, new long[0], le(8).putLong(value).flip());
    }

    /** A 0-D float constant. */
    String scalarFloat(String base, float value) {
        return inline(fresh(base), FLOAT, new long[0], le(4).putFloat(value).flip());
    }

    /** A float tensor given whole (small tables; large ones go through {@link #tensor}). */
    String floats(String name, long[] dims, float[] values) throws IOException {
        return tensor(name, FLOAT, dims, values.length * 4L, sink -> {
            int chunk = 1 << 18;
            for (int off = 0; off < values.length; off += chunk) {
                int len = Math.min(chunk, values.length - off);
                ByteBuffer b = le(len * 4L);
                b.asFloatBuffer().put(values, off, len);
                sink.write(b);
            }
        });
    }

    private String inline(String name, int type, long[] dims, ByteBuffer bytes) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type);
        for (long d : dims) {
            t.addDims(d);
        }
        t.setRawData(ByteString.copyFrom(bytes));
        graph.addInitializer(t);
        initializerBytes += t.getRawData().size();
        return name;
    }

    static ByteBuffer le(long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("buffer of " + bytes + " bytes");
        }
        return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    // ---------------------------------------------------------------- weights (streamed)

    /**
     * Adds an initializer whose {@code byteSize} bytes the producer writes; external when this writer has a data
     * file and the tensor is at least {@value #EXTERNAL_MIN_BYTES} bytes.
     */
    String tensor(String name, int type, long[] dims, long byteSize, ChunkProducer producer) throws IOException {
        if (!names.add(name)) {
            throw new IllegalStateException("initializer name '" + name + "' used twice");
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type);
        for (long d : dims) {
            t.addDims(d);
        }
        long[] written = {0};
        if (data != null && byteSize >= EXTERNAL_MIN_BYTES) {
            long start = (dataOffset + ALIGN - 1) / ALIGN * ALIGN;
            long[] pos = {start};
            producer.produce(bytes -> {
                int n = bytes.remaining();
                while (bytes.hasRemaining()) {
                    pos[0] += data.write(bytes, pos[0]);
                }
                written[0] += n;
            });
            check(name, byteSize, written[0]);
            dataOffset = start + byteSize;
            t.setDataLocation(TensorProto.DataLocation.EXTERNAL);
            t.addExternalData(entry("location", dataFileName));
            t.addExternalData(entry("offset", Long.toString(start)));
            t.addExternalData(entry("length", Long.toString(byteSize)));
        } else {
            if (byteSize > PROTOBUF_LIMIT) {
                throw new IOException("tensor '" + name + "' has " + byteSize + " bytes, more than protobuf allows "
                        + "inline; build with external data");
            }
            ByteString.Output out = ByteString.newOutput((int) byteSize);
            producer.produce(bytes -> {
                int n = bytes.remaining();
                if (bytes.hasArray()) {
                    out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), n);
                    bytes.position(bytes.limit());
                } else {
                    byte[] tmp = new byte[n];
                    bytes.get(tmp);
                    out.write(tmp);
                }
                written[0] += n;
            });
            check(name, byteSize, written[0]);
            t.setRawData(out.toByteString());
        }
        initializerBytes += byteSize;
        graph.addInitializer(t);
        return name;
    }

    private static void check(String name, long expected, long actual) {
        if (expected != actual) {
            throw new IllegalStateException("tensor '" + name + "': producer wrote " + actual + " bytes, expected "
                    + expected);
        }
    }

    private static StringStringEntryProto entry(String k, String v) {
        return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    // ---------------------------------------------------------------- output

    /** Serializes the model to {@code modelFile}; flushes and closes the data file. */
    void writeModel(Path modelFile, String docString, Map<String, String> metadata) throws IOException {
        closeData();
        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("local-bedrock onnxbuild")
                .setProducerVersion(Integer.toString(OnnxGraphBuilder.BUILDER_VERSION))
                .setDocString(docString)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(MS).setVersion(1))
                .setGraph(graph);
        metadata.forEach((k, v) -> m.addMetadataProps(entry(k, v)));
        ModelProto model = m.build();
        long size = model.getSerializedSize();
        if (size < 0 || size >= PROTOBUF_LIMIT) {
            throw new IOException("the graph serializes to more than 2 GiB; build with external data");
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(modelFile), 1 << 20)) {
            model.writeTo(out);
        }
    }

    private void closeData() throws IOException {
        if (data != null) {
            data.force(false);
            data.close();
            data = null;
        }
    }

    @Override
    public void close() throws IOException {
        closeData();
    }
}
