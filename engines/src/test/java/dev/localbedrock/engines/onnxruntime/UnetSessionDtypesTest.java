package dev.localbedrock.engines.onnxruntime;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.localbedrock.engines.diffusion.DiffusionModel.UnetRow;
import dev.localbedrock.engines.diffusion.PromptEmbedding;
import dev.localbedrock.engines.hf.HalfFloats;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The element types an fp16 export declares (float16 sample, conditioning and output, int64 timestep), on a graph
 * with the UNet's interface that adds up its inputs: {@code out = sample + timestep + Σ hidden + Σ text_embeds +
 * Σ time_ids} per row, in float32 between casts. The inputs are exactly representable in float16 and their float32
 * sum is exact, so the expected output is that sum rounded once to float16.
 */
class UnetSessionDtypesTest {
    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    private static final int FLOAT16 = TensorProto.DataType.FLOAT16_VALUE;
    private static final int INT64 = TensorProto.DataType.INT64_VALUE;
    private static final int TOKENS = 77;
    private static final int HIDDEN = 8;
    private static final int POOLED = 4;

    private static ValueInfoProto value(String name, int type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            shape.addDim(d instanceof Number n ? TensorShapeProto.Dimension.newBuilder().setDimValue(n.longValue())
                    : TensorShapeProto.Dimension.newBuilder().setDimParam(d.toString()));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type).setShape(shape))).build();
    }

    private static NodeProto node(String op, List<String> in, String out, AttributeProto... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(out + "_node").addAllInput(in).addOutput(out);
        for (AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        return n.build();
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static TensorProto int64s(String name, long... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(INT64).addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        return t.build();
    }

    /** Cast to float32, sum over {@code axes} (none: as is), reshape to [batch, 1, 1, 1] unless it is the sample. */
    private static void term(GraphProto.Builder g, String input, String axes, String out) {
        g.addNode(node("Cast", List.of(input), input + "_f", intAttr("to", FLOAT)));
        if (axes == null) {
            g.addNode(node("Identity", List.of(input + "_f"), out));
            return;
        }
        g.addNode(node("ReduceSum", List.of(input + "_f", axes), input + "_sum", intAttr("keepdims", 0)));
        g.addNode(node("Reshape", List.of(input + "_sum", "column"), out));
    }

    private static byte[] fp16Unet(String timestepDim) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("fp16-unet-interface")
                .addInput(value("sample", FLOAT16, "batch", 4, "height", "width"))
                .addInput(value("timestep", INT64, timestepDim))
                .addInput(value("encoder_hidden_states", FLOAT16, "batch", TOKENS, HIDDEN))
                .addInput(value("text_embeds", FLOAT16, "batch", POOLED))
                .addInput(value("time_ids", FLOAT16, "batch", 6))
                .addOutput(value("out_sample", FLOAT16, "batch", 4, "height", "width"))
                .addInitializer(int64s("column", -1, 1, 1, 1))
                .addInitializer(int64s("axis1", 1))
                .addInitializer(int64s("axes12", 1, 2));
        term(g, "sample", null, "s");
        g.addNode(node("Cast", List.of("timestep"), "timestep_f", intAttr("to", FLOAT)));
        g.addNode(node("Reshape", List.of("timestep_f", "column"), "t"));
        term(g, "encoder_hidden_states", "axes12", "h");
        term(g, "text_embeds", "axis1", "e");
        term(g, "time_ids", "axis1", "i");
        g.addNode(node("Add", List.of("s", "t"), "a1"));
        g.addNode(node("Add", List.of("a1", "h"), "a2"));
        g.addNode(node("Add", List.of("a2", "e"), "a3"));
        g.addNode(node("Add", List.of("a3", "i"), "a4"));
        g.addNode(node("Cast", List.of("a4"), "out_sample", intAttr("to", FLOAT16)));
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(g).build().toByteArray();
    }

    private static UnetSession session(byte[] graph) throws Exception {
        OrtEnvironment env = OrtRuntime.env();
        OrtSession s = env.createSession(graph, new OrtSession.SessionOptions());
        return new UnetSession(env, s, "unet", -1, TOKENS, HIDDEN, POOLED);
    }

    private static UnetRow row(float base, float timestep) {
        float[] sample = new float[4 * 2 * 2];
        for (int i = 0; i < sample.length; i++) {
            sample[i] = base + i / 8f;
        }
        float[] hidden = new float[TOKENS * HIDDEN];
        hidden[5] = 0.5f;
        hidden[HIDDEN * 70 + 1] = base;
        float[] pooled = {1f, 2f, -0.25f, base};
        return new UnetRow(sample, timestep, new PromptEmbedding(hidden, pooled));
    }

    @Test
    void float16AndInt64InputsAreFedAsDeclaredAndTheOutputReadBack() throws Exception {
        float[] timeIds = {16, 16, 0, 0, 16, 16};
        List<UnetRow> rows = List.of(row(1f, 999.75f), row(-3f, 500f), row(0.25f, 1f));
        try (UnetSession unet = session(fp16Unet("batch"))) {
            assertEquals(4, unet.channels()); // from the graph: no config given
            float[][] out = unet.run(rows, 2, 2, timeIds);
            for (int r = 0; r < rows.size(); r++) {
                UnetRow row = rows.get(r);
                // int64 timestep: truncated, as numpy's astype(int64) in optimum's pipelines
                float extra = (long) row.timestep() + 0.5f + row.prompt().hidden()[HIDDEN * 70 + 1]
                        + sum(row.prompt().pooled()) + sum(timeIds);
                for (int i = 0; i < out[r].length; i++) {
                    assertEquals(half(row.sample()[i] + extra), out[r][i], 0f, "row " + r + " element " + i);
                }
            }
        }
    }

    @Test
    void aScalarTimestepGraphRunsRowByRow() throws Exception {
        GraphProto scalar = ModelProto.parseFrom(fp16Unet("batch")).getGraph().toBuilder()
                .setInput(1, value("timestep", INT64)).build();
        byte[] graph = ModelProto.parseFrom(fp16Unet("batch")).toBuilder().setGraph(scalar).build().toByteArray();
        List<UnetRow> rows = List.of(row(1f, 10f), row(2f, 20f));
        try (UnetSession unet = session(graph)) {
            float[][] out = unet.run(rows, 2, 2, new float[6]);
            assertEquals(half(1f + 10f + 0.5f + 1f + sum(rows.get(0).prompt().pooled())), out[0][0], 0f);
            assertEquals(half(2f + 20f + 0.5f + 2f + sum(rows.get(1).prompt().pooled())), out[1][0], 0f);
        }
    }

    @Test
    void aConditioningWidthOtherThanTheEncodersIsNamed() throws Exception {
        OrtEnvironment env = OrtRuntime.env();
        try (OrtSession s = env.createSession(fp16Unet("batch"), new OrtSession.SessionOptions())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new UnetSession(env, s, "unet", -1, TOKENS, 2048, POOLED));
            assertEquals("unet: encoder_hidden_states is 8 wide, but the text encoders' penultimate hidden states "
                    + "concatenate to 2048", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> new UnetSession(env, s, "unet", 8, TOKENS, HIDDEN, POOLED));
            assertTrue(e.getMessage().contains("in_channels 8"), e.getMessage());
        }
    }

    private static float half(float exact) {
        return HalfFloats.f16ToF32(OrtTensors.toHalf(exact));
    }

    private static float sum(float[] values) {
        float s = 0;
        for (float v : values) {
            s += v;
        }
        return s;
    }
}
