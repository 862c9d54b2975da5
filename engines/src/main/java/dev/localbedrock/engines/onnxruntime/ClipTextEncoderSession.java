package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One exported CLIP text encoder: {@code input_ids} (int32 or int64, as declared) of {@code [batch, tokens]} in, the
 * penultimate layer's hidden states out (the output {@code hidden_states.(L-1)} of the {@code hidden_states.0 ..
 * hidden_states.L} the export lists: SDXL conditions on the layer before the last, without the final layer norm), and,
 * for the second encoder, the projected pooled embedding {@code text_embeds}.
 */
final class ClipTextEncoderSession implements AutoCloseable {
    private static final Pattern HIDDEN_STATES = Pattern.compile("hidden_states\\.(\\d+)");
    private static final String INPUT_IDS = "input_ids";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String what;
    private final OnnxJavaType idType;
    private final String penultimate;
    private final String pooledOutput;
    private final int tokens;
    private final int width;
    private final int pooledWidth;

    /**
     * @param pooledOutput the pooled output to read ({@code text_embeds}), or {@code null} for none
     * @param config       the encoder's {@code config.json}, or a missing node
     * @param tokens       tokens per prompt the tokenizer produces
     */
    ClipTextEncoderSession(OrtEnvironment env, OrtSession session, String what, String pooledOutput, JsonNode config,
                           int tokens) throws OrtException {
        this.env = env;
        this.session = session;
        this.what = what;
        this.tokens = tokens;
        Map<String, NodeInfo> inputs = session.getInputInfo();
        TensorInfo ids = OrtTensors.declared(inputs, INPUT_IDS, what + " inputs");
        if (ids.type != OnnxJavaType.INT32 && ids.type != OnnxJavaType.INT64) {
            throw new IllegalArgumentException(what + ": input_ids is declared " + ids.type
                    + "; supported: int32, int64");
        }
        this.idType = ids.type;
        long declaredTokens = OrtTensors.dim(ids, 1);
        if (declaredTokens > 0 && declaredTokens != tokens) {
            throw new IllegalArgumentException(what + ": input_ids takes " + declaredTokens
                    + " tokens but the tokenizer gives " + tokens);
        }
        for (String name : inputs.keySet()) {
            if (!name.equals(INPUT_IDS)) {
                throw new IllegalArgumentException(what + ": input '" + name
                        + "' is not one this engine feeds (a CLIP text encoder takes input_ids only)");
            }
        }
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        int last = -1;
        for (String name : outputs.keySet()) {
            Matcher m = HIDDEN_STATES.matcher(name);
            if (m.matches()) {
                last = Math.max(last, Integer.parseInt(m.group(1)));
            }
        }
        if (last < 1) {
            throw new IllegalArgumentException(what + ": the graph has no hidden_states.N outputs (an SDXL export "
                    + "lists hidden_states.0 .. hidden_states.L; outputs: " + outputs.keySet() + ")");
        }
        int layers = config.path("num_hidden_layers").asInt(last);
        if (layers != last) {
            throw new IllegalArgumentException(what + ": config.json has num_hidden_layers " + layers
                    + " but the graph's last hidden state is hidden_states." + last);
        }
        this.penultimate = "hidden_states." + (last - 1);
        TensorInfo hidden = OrtTensors.declared(outputs, penultimate, what + " outputs");
        OrtTensors.floating(hidden, penultimate, what);
        this.width = width(hidden, config.path("hidden_size").asInt(-1), penultimate);
        this.pooledOutput = pooledOutput;
        if (pooledOutput != null) {
            TensorInfo pooled = OrtTensors.declared(outputs, pooledOutput, what + " outputs");
            OrtTensors.floating(pooled, pooledOutput, what);
            this.pooledWidth = width(pooled, config.path("projection_dim").asInt(-1), pooledOutput);
        } else {
            this.pooledWidth = 0;
        }
    }

    private int width(TensorInfo t, int configured, String name) {
        long declared = OrtTensors.dim(t, -1);
        if (declared > 0 && configured > 0 && declared != configured) {
            throw new IllegalArgumentException(what + ": output " + name + " is " + declared
                    + " wide but config.json says " + configured);
        }
        if (declared > 0) {
            return Math.toIntExact(declared);
        }
        if (configured > 0) {
            return configured;
        }
        throw new IllegalArgumentException(what + ": the width of " + name + " is neither declared in the graph "
                + "nor given by config.json");
    }

    /** Per-token width of the penultimate hidden states. */
    int width() {
        return width;
    }

    /** Width of the pooled output, 0 when none is read. */
    int pooledWidth() {
        return pooledWidth;
    }

    /** The two outputs for a batch of prompts. */
    record Encoded(float[][] hidden, float[][] pooled) {
    }

    /** One run over all rows of {@code ids} (each exactly {@code tokens} long). */
    Encoded encode(int[][] ids) {
        int batch = ids.length;
        int[] flat = new int[batch * tokens];
        for (int i = 0; i < batch; i++) {
            System.arraycopy(ids[i], 0, flat, i * tokens, tokens);
        }
        Set<String> wanted = new HashSet<>();
        wanted.add(penultimate);
        if (pooledOutput != null) {
            wanted.add(pooledOutput);
        }
        try (OnnxTensor input = OrtTensors.ids(env, idType, flat, new long[]{batch, tokens});
             OrtSession.Result result = session.run(Map.of(INPUT_IDS, input), wanted)) {
            float[][] hidden = split(read(result, penultimate), batch, tokens * width, penultimate);
            float[][] pooled = pooledOutput == null ? null
                    : split(read(result, pooledOutput), batch, pooledWidth, pooledOutput);
            return new Encoded(hidden, pooled);
        } catch (OrtException e) {
            throw new IllegalStateException(what + ": ONNX Runtime failed (batch " + batch + "): " + e.getMessage(), e);
        }
    }

    private float[] read(OrtSession.Result result, String name) {
        OnnxTensor t = (OnnxTensor) result.get(name).orElseThrow(
                () -> new IllegalStateException(what + " returned no " + name));
        return OrtTensors.read(t, what + " output " + name);
    }

    private float[][] split(float[] flat, int batch, int rowLength, String name) {
        if (flat.length != (long) batch * rowLength) {
            throw new IllegalStateException(what + ": output " + name + " has " + flat.length + " values, expected "
                    + batch + " × " + rowLength);
        }
        float[][] rows = new float[batch][rowLength];
        for (int i = 0; i < batch; i++) {
            System.arraycopy(flat, i * rowLength, rows[i], 0, rowLength);
        }
        return rows;
    }

    @Override
    public void close() {
        OrtSessions.close(session, what);
    }
}
