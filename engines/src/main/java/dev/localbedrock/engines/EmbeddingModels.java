package dev.localbedrock.engines;

import dev.localbedrock.engines.onnxruntime.OrtEmbeddingModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

/** Loads embedding models by source name, so the runtime never names engine classes. */
public final class EmbeddingModels {
    /** Prefix of the models that ship inside a dependency jar. */
    public static final String BUILTIN_PREFIX = "builtin:";
    /** sentence-transformers/all-MiniLM-L6-v2: 384 dimensions, 256 tokens, from the classpath. */
    public static final String ALL_MINILM_L6_V2 = "all-MiniLM-L6-v2";

    private EmbeddingModels() {
    }

    /**
     * Loads an embedding model on ONNX Runtime, with mean pooling and L2 normalisation.
     *
     * @param source {@code builtin:all-MiniLM-L6-v2}, or a directory holding an encoder graph ({@code model.onnx},
     *               {@code onnx/model.onnx} or a single {@code *.onnx}) and its {@code tokenizer.json}
     * @param device {@code cpu}, {@code cuda} or {@code cuda:N}
     * @throws IllegalArgumentException for an unknown builtin name, a missing directory or an unusable graph
     * @throws UncheckedIOException     when the files cannot be read
     */
    public static EmbeddingModel load(String source, String device) {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("embedding model source is empty");
        }
        String s = source.trim();
        try {
            if (s.toLowerCase(Locale.ROOT).startsWith(BUILTIN_PREFIX)) {
                String name = s.substring(BUILTIN_PREFIX.length());
                if (name.equalsIgnoreCase(ALL_MINILM_L6_V2)) {
                    return OrtEmbeddingModel.loadAllMiniLmL6V2(device, OrtEmbeddingModel.Options.defaults());
                }
                throw new IllegalArgumentException("unknown builtin embedding model '" + name + "' (available: "
                        + BUILTIN_PREFIX + ALL_MINILM_L6_V2 + ")");
            }
            Path dir = Paths.get(s);
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("embedding model source '" + source + "' is neither "
                        + BUILTIN_PREFIX + ALL_MINILM_L6_V2 + " nor a directory");
            }
            return OrtEmbeddingModel.load(dir, device, OrtEmbeddingModel.Options.defaults());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load embedding model " + source + ": " + e.getMessage(), e);
        }
    }
}
