package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.localbedrock.engines.diffusion.DiffusionModel.UnetRow;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The exported SDXL UNet: {@code sample [batch, C, h, w]}, {@code timestep [batch]}, {@code encoder_hidden_states
 * [batch, tokens, hidden]}, {@code text_embeds [batch, pooled]} and {@code time_ids [batch, 6]} in, each in the element
 * type the graph declares (float, float16, or an integer type for {@code timestep}); {@code out_sample} (else the only
 * output) back as float32. A graph whose {@code timestep} is a scalar or a fixed single value cannot batch rows with
 * different timesteps, so such a graph runs one row at a time.
 */
final class UnetSession implements AutoCloseable {
    static final String SAMPLE = "sample";
    static final String TIMESTEP = "timestep";
    static final String HIDDEN = "encoder_hidden_states";
    static final String TEXT_EMBEDS = "text_embeds";
    static final String TIME_IDS = "time_ids";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String what;
    private final OnnxJavaType sampleType;
    private final OnnxJavaType timestepType;
    private final OnnxJavaType hiddenType;
    private final OnnxJavaType embedsType;
    private final OnnxJavaType timeIdsType;
    private final int timestepRank;
    private final boolean batchesTimesteps;
    private final String output;
    private final int channels;
    private final int tokens;
    private final int hiddenSize;
    private final int pooledSize;

    /**
     * @param channels   latent channels (the config's {@code in_channels}, or -1 to take the graph's)
     * @param tokens     tokens per prompt
     * @param hiddenSize the two encoders' widths summed: {@code encoder_hidden_states} must take exactly this
     * @param pooledSize the second encoder's {@code text_embeds} width
     */
    UnetSession(OrtEnvironment env, OrtSession session, String what, int channels, int tokens, int hiddenSize,
                int pooledSize) throws OrtException {
        this.env = env;
        this.session = session;
        this.what = what;
        Map<String, NodeInfo> inputs = session.getInputInfo();
        String inputsOf = what + " inputs";
        TensorInfo sample = OrtTensors.declared(inputs, SAMPLE, inputsOf);
        TensorInfo timestep = OrtTensors.declared(inputs, TIMESTEP, inputsOf);
        TensorInfo hidden = OrtTensors.declared(inputs, HIDDEN, inputsOf);
        TensorInfo embeds = OrtTensors.declared(inputs, TEXT_EMBEDS, inputsOf);
        TensorInfo timeIds = OrtTensors.declared(inputs, TIME_IDS, inputsOf);
        for (String name : inputs.keySet()) {
            if (!Set.of(SAMPLE, TIMESTEP, HIDDEN, TEXT_EMBEDS, TIME_IDS).contains(name)) {
                throw new IllegalArgumentException(what + ": input '" + name + "' is not one this engine feeds "
                        + "(an SDXL UNet takes sample, timestep, encoder_hidden_states, text_embeds, time_ids)");
            }
        }
        this.sampleType = OrtTensors.floating(sample, SAMPLE, what);
        this.hiddenType = OrtTensors.floating(hidden, HIDDEN, what);
        this.embedsType = OrtTensors.floating(embeds, TEXT_EMBEDS, what);
        this.timeIdsType = OrtTensors.floating(timeIds, TIME_IDS, what);
        if (!Set.of(OnnxJavaType.FLOAT, OnnxJavaType.FLOAT16, OnnxJavaType.DOUBLE, OnnxJavaType.INT64,
                OnnxJavaType.INT32).contains(timestep.type)) {
            throw new IllegalArgumentException(what + ": timestep is declared " + timestep.type
                    + "; supported: float, float16, double, int64, int32");
        }
        this.timestepType = timestep.type;
        this.timestepRank = timestep.getShape().length;
        if (timestepRank > 1) {
            throw new IllegalArgumentException(what + ": timestep has rank " + timestepRank + "; expected [batch] or a scalar");
        }
        this.batchesTimesteps = timestepRank == 1 && OrtTensors.dim(timestep, 0) < 0;

        long graphChannels = OrtTensors.dim(sample, 1);
        if (channels > 0 && graphChannels > 0 && channels != graphChannels) {
            throw new IllegalArgumentException(what + ": sample has " + graphChannels
                    + " channels but config.json says in_channels " + channels);
        }
        this.channels = channels > 0 ? channels : Math.toIntExact(graphChannels);
        if (this.channels <= 0) {
            throw new IllegalArgumentException(what + ": the latent channel count is neither in config.json "
                    + "(in_channels) nor declared on the sample input");
        }
        this.tokens = tokens;
        this.hiddenSize = hiddenSize;
        this.pooledSize = pooledSize;
        long width = OrtTensors.dim(hidden, 2);
        if (width > 0 && width != hiddenSize) {
            throw new IllegalArgumentException(what + ": encoder_hidden_states is " + width + " wide, but the text "
                    + "encoders' penultimate hidden states concatenate to " + hiddenSize);
        }
        long declaredTokens = OrtTensors.dim(hidden, 1);
        if (declaredTokens > 0 && declaredTokens != tokens) {
            throw new IllegalArgumentException(what + ": encoder_hidden_states takes " + declaredTokens
                    + " tokens but the tokenizers give " + tokens);
        }
        long pooled = OrtTensors.dim(embeds, 1);
        if (pooled > 0 && pooled != pooledSize) {
            throw new IllegalArgumentException(what + ": text_embeds is " + pooled + " wide, but text_encoder_2's "
                    + "text_embeds is " + pooledSize);
        }
        long ids = OrtTensors.dim(timeIds, 1);
        if (ids > 0 && ids != 6) {
            throw new IllegalArgumentException(what + ": time_ids is " + ids + " wide; SDXL's time_ids are 6");
        }
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        this.output = outputs.containsKey("out_sample") ? "out_sample" : outputs.keySet().iterator().next();
        OrtTensors.floating(OrtTensors.declared(outputs, output, what + " outputs"), output, what);
    }

    int channels() {
        return channels;
    }

    /** ε for every row; {@code timeIds} are the 6 SDXL values shared by all rows. */
    float[][] run(List<UnetRow> rows, int height, int width, float[] timeIds) {
        if (batchesTimesteps) {
            return runBatch(rows, height, width, timeIds);
        }
        float[][] out = new float[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            out[i] = runBatch(List.of(rows.get(i)), height, width, timeIds)[0];
        }
        return out;
    }

    private float[][] runBatch(List<UnetRow> rows, int height, int width, float[] timeIds) {
        int batch = rows.size();
        int sampleLength = channels * height * width;
        float[] samples = new float[batch * sampleLength];
        float[] timesteps = new float[batch];
        float[] hidden = new float[batch * tokens * hiddenSize];
        float[] embeds = new float[batch * pooledSize];
        float[] ids = new float[batch * 6];
        for (int i = 0; i < batch; i++) {
            UnetRow row = rows.get(i);
            System.arraycopy(row.sample(), 0, samples, i * sampleLength, sampleLength);
            timesteps[i] = row.timestep();
            System.arraycopy(row.prompt().hidden(), 0, hidden, i * tokens * hiddenSize, tokens * hiddenSize);
            System.arraycopy(row.prompt().pooled(), 0, embeds, i * pooledSize, pooledSize);
            System.arraycopy(timeIds, 0, ids, i * 6, 6);
        }
        List<OnnxTensor> open = new ArrayList<>(5);
        try {
            Map<String, OnnxTensor> feed = new HashMap<>();
            feed.put(SAMPLE, track(open, OrtTensors.create(env, sampleType, samples,
                    new long[]{batch, channels, height, width})));
            feed.put(TIMESTEP, track(open, OrtTensors.create(env, timestepType, timesteps,
                    timestepRank == 0 ? new long[0] : new long[]{batch})));
            feed.put(HIDDEN, track(open, OrtTensors.create(env, hiddenType, hidden,
                    new long[]{batch, tokens, hiddenSize})));
            feed.put(TEXT_EMBEDS, track(open, OrtTensors.create(env, embedsType, embeds,
                    new long[]{batch, pooledSize})));
            feed.put(TIME_IDS, track(open, OrtTensors.create(env, timeIdsType, ids, new long[]{batch, 6})));
            try (OrtSession.Result result = session.run(feed, Set.of(output))) {
                float[] eps = OrtTensors.read((OnnxTensor) result.get(0), what + " output " + output);
                if (eps.length != (long) batch * sampleLength) {
                    throw new IllegalStateException(what + ": " + output + " has " + eps.length
                            + " values, expected " + batch + " × " + sampleLength);
                }
                float[][] out = new float[batch][sampleLength];
                for (int i = 0; i < batch; i++) {
                    System.arraycopy(eps, i * sampleLength, out[i], 0, sampleLength);
                }
                return out;
            }
        } catch (OrtException e) {
            throw new IllegalStateException(what + ": ONNX Runtime failed (batch " + batch + ", latent " + height
                    + "×" + width + "): " + e.getMessage(), e);
        } finally {
            open.forEach(OnnxTensor::close);
        }
    }

    private static OnnxTensor track(List<OnnxTensor> open, OnnxTensor t) {
        open.add(t);
        return t;
    }

    @Override
    public void close() {
        OrtSessions.close(session, what);
    }
}
