package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ONNX Runtime session of an encoder graph and the names it is fed through: {@code input_ids}, and
 * {@code attention_mask} / {@code token_type_ids} when the graph declares them, each int32 or int64 as declared; the
 * output read is {@code last_hidden_state}, else the first rank-3 output, else the first. A graph with any other input
 * is refused at load rather than fed a guess. Thread-safe: a run allocates its own tensors and closes them.
 */
final class EncoderSession implements AutoCloseable {
    /** Same category as before the model was split into parts, so logging settings keep applying. */
    private static final Logger log = LoggerFactory.getLogger(OrtEmbeddingModel.class);
    private static final String INPUT_IDS = "input_ids";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String description;
    private final OnnxJavaType idType;
    private final String attentionMask;
    private final OnnxJavaType maskType;
    private final String tokenTypeIds;
    private final OnnxJavaType typeIdType;
    private final String output;
    private final int declaredDimensions;

    /** Checks {@code session}'s inputs and output; the caller still owns the session if this throws. */
    EncoderSession(OrtEnvironment env, OrtSession session, String description) throws OrtException {
        this.env = env;
        this.session = session;
        this.description = description;
        Map<String, NodeInfo> inputs = session.getInputInfo();
        if (!inputs.containsKey(INPUT_IDS)) {
            throw new IllegalArgumentException(description + ": encoder graph has no input_ids input (inputs: "
                    + inputs.keySet() + ")");
        }
        this.idType = intType(inputs, INPUT_IDS);
        this.attentionMask = inputs.containsKey("attention_mask") ? "attention_mask" : null;
        this.maskType = attentionMask == null ? OnnxJavaType.INT64 : intType(inputs, attentionMask);
        this.tokenTypeIds = inputs.containsKey("token_type_ids") ? "token_type_ids" : null;
        this.typeIdType = tokenTypeIds == null ? OnnxJavaType.INT64 : intType(inputs, tokenTypeIds);
        for (String name : inputs.keySet()) {
            if (!name.equals(INPUT_IDS) && !name.equals(attentionMask) && !name.equals(tokenTypeIds)) {
                throw new IllegalArgumentException(description + ": encoder graph has input '" + name
                        + "', which this engine does not know how to feed (supported: input_ids, attention_mask, "
                        + "token_type_ids)");
            }
        }
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        this.output = chooseOutput(outputs);
        if (!(outputs.get(output).getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT
                || (t.getShape().length != 3 && t.getShape().length != 2)) {
            throw new IllegalArgumentException(description + ": output '" + output + "' is not a float tensor of "
                    + "shape [batch, tokens, dim] or [batch, dim]");
        }
        long[] shape = t.getShape();
        this.declaredDimensions = shape[shape.length - 1] > 0 ? Math.toIntExact(shape[shape.length - 1]) : -1;
    }

    private static String chooseOutput(Map<String, NodeInfo> outputs) {
        if (outputs.containsKey("last_hidden_state")) {
            return "last_hidden_state";
        }
        for (Map.Entry<String, NodeInfo> e : outputs.entrySet()) {
            if (e.getValue().getInfo() instanceof TensorInfo t && t.getShape().length == 3) {
                return e.getKey();
            }
        }
        return outputs.keySet().iterator().next();
    }

    private static OnnxJavaType intType(Map<String, NodeInfo> inputs, String name) {
        if (!(inputs.get(name).getInfo() instanceof TensorInfo t)
                || (t.type != OnnxJavaType.INT64 && t.type != OnnxJavaType.INT32)) {
            throw new IllegalArgumentException("input " + name + " is not an int32 or int64 tensor");
        }
        return t.type;
    }

    /** The vector size the graph declares, or -1 when its last output dimension is dynamic. */
    int declaredDimensions() {
        return declaredDimensions;
    }

    /** One session run over {@code batch}; the output is pooled while its buffer is still open. */
    float[][] run(PaddedBatch batch, EmbeddingPooling pooling) {
        long[] shape = batch.shape();
        List<OnnxTensor> open = new ArrayList<>(3);
        try {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            inputs.put(INPUT_IDS, track(tensor(idType, batch.ids(), shape), open));
            if (attentionMask != null) {
                inputs.put(attentionMask, track(tensor(maskType, batch.mask(), shape), open));
            }
            if (tokenTypeIds != null) {
                inputs.put(tokenTypeIds, track(tensor(typeIdType, batch.typeIds(), shape), open));
            }
            try (OrtSession.Result result = session.run(inputs, Set.of(output))) {
                OnnxTensor hidden = (OnnxTensor) result.get(0);
                long[] outShape = hidden.getInfo().getShape();
                FloatBuffer data = hidden.getFloatBuffer();
                return pooling.pool(data, outShape, batch);
            }
        } catch (OrtException e) {
            throw new IllegalStateException(description + ": ONNX Runtime failed (batch " + batch.rows() + ", "
                    + batch.width() + " tokens): " + e.getMessage(), e);
        } finally {
            for (OnnxTensor t : open) {
                t.close();
            }
        }
    }

    private OnnxTensor tensor(OnnxJavaType type, long[] values, long[] shape) throws OrtException {
        if (type == OnnxJavaType.INT32) {
            int[] ints = new int[values.length];
            for (int i = 0; i < values.length; i++) {
                ints[i] = Math.toIntExact(values[i]);
            }
            return OnnxTensor.createTensor(env, IntBuffer.wrap(ints), shape);
        }
        return OnnxTensor.createTensor(env, LongBuffer.wrap(values), shape);
    }

    private static OnnxTensor track(OnnxTensor t, List<OnnxTensor> open) {
        open.add(t);
        return t;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            log.warn("closing ONNX Runtime session of {}: {}", description, e.getMessage());
        }
    }
}
