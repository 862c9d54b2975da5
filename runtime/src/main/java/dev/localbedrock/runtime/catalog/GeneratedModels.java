package dev.localbedrock.runtime.catalog;

import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint;
import dev.localbedrock.engines.synthetic.RandomSdxlPipeline;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Model directories the runtime writes itself, so the default catalogue serves on a fresh machine with nothing
 * downloaded. They are random-weight models: they exercise every layer of the server, they do not speak a language.
 */
public final class GeneratedModels {
    /** A small Llama-architecture decoder with a byte-level tokenizer. */
    public static final String SMOKE_LLAMA = "smoke-llama";
    /** Fixed so every machine serves the same smoke-test model. */
    static final long SMOKE_LLAMA_SEED = 20231128L;
    /**
     * A small random-weight SDXL pipeline in the diffusers ONNX export layout: its images are noise, but every stage
     * (two text encoders, UNet, VAE decoder, scheduler config, tokenizers) is the real one's shape of graph.
     */
    public static final String SMOKE_SDXL = "smoke-sdxl";
    static final long SMOKE_SDXL_SEED = 20230726L;

    private GeneratedModels() {
    }

    /** Writes the model on first use (deterministic), then returns its directory. */
    public static Path ensure(ModelEntry.Generated source) {
        if (source.kind().equals(SMOKE_SDXL)) {
            return ensureSdxl(source.path());
        }
        Path dir = source.path();
        if (Files.isRegularFile(dir.resolve("config.json"))) {
            return dir;
        }
        try {
            System.err.println("writing the random-weight smoke-test model to " + dir);
            RandomLlamaCheckpoint.write(dir, RandomLlamaCheckpoint.Shape.SMOKE, SMOKE_LLAMA_SEED);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the smoke-test model to " + dir, e);
        }
    }

    /**
     * The smoke SDXL pipeline's directory, complete. The generator moves a finished pipeline into place in one step,
     * so a directory with {@code model_index.json} is whole; a directory without one is something else (a copy cut
     * short) and is replaced rather than loaded half-made.
     */
    private static Path ensureSdxl(Path dir) {
        if (Files.isRegularFile(dir.resolve("model_index.json"))) {
            return dir;
        }
        try {
            if (Files.exists(dir)) {
                System.err.println("replacing the incomplete smoke-test SDXL pipeline at " + dir);
                deleteTree(dir);
            }
            System.err.println("writing the random-weight smoke-test SDXL pipeline to " + dir);
            RandomSdxlPipeline.write(dir, RandomSdxlPipeline.Shape.SMOKE, SMOKE_SDXL_SEED);
            return dir;
        } catch (FileAlreadyExistsException e) {
            if (Files.isRegularFile(dir.resolve("model_index.json"))) {
                return dir; // another server sharing the cache wrote it first
            }
            throw new UncheckedIOException("cannot write the smoke-test SDXL pipeline to " + dir, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the smoke-test SDXL pipeline to " + dir, e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
