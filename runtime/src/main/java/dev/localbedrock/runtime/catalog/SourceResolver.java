package dev.localbedrock.runtime.catalog;

import dev.localbedrock.codecs.EmbeddingFamilies;
import dev.localbedrock.engines.EmbeddingModels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Turns an entry's {@code source:} into a {@link ModelEntry.ModelSource}. A source must suit its family:
 * {@code builtin:} models are embedding encoders, {@code generated:smoke-llama} is a text decoder and
 * {@code generated:smoke-sdxl} a diffusion pipeline; a directory is any of them, by what it holds, and an embedding
 * or image directory is checked for its files now, so the message names the entry rather than failing later at load
 * time.
 */
final class SourceResolver {
    /** The models {@code builtin:} names (shipped in a dependency jar); all are embedding models. */
    private static final List<String> BUILTIN_SOURCES = List.of(EmbeddingModels.ALL_MINILM_L6_V2);
    private static final String GENERATED_PREFIX = "generated:";

    private final Path base;
    private final Path cacheDir;

    /**
     * @param base     the YAML file's folder, against which relative directories resolve
     * @param cacheDir where generated sources are written
     */
    SourceResolver(Path base, Path cacheDir) {
        this.base = base;
        this.cacheDir = cacheDir;
    }

    /** What an entry's family does with its model, which decides the sources it may name. */
    enum Kind { TEXT, EMBEDDING, IMAGE }

    ModelEntry.ModelSource resolve(String source, String family, Kind kind, String where) {
        boolean embedding = kind == Kind.EMBEDDING;
        if (source.startsWith(ModelEntry.Builtin.PREFIX)) {
            return builtin(source, family, embedding, where);
        }
        if (source.startsWith(GENERATED_PREFIX)) {
            return generated(source, family, kind, where);
        }
        Path dir = base.resolve(source).normalize();
        if (!Files.isDirectory(dir)) {
            throw new CatalogException(where + ": source directory " + dir + " does not exist");
        }
        if (embedding) {
            checkEmbeddingDirectory(dir, family, where);
        }
        if (kind == Kind.IMAGE) {
            checkDiffusionDirectory(dir, family, where);
        }
        return new ModelEntry.Directory(dir);
    }

    private static ModelEntry.Builtin builtin(String source, String family, boolean embedding, String where) {
        String name = source.substring(ModelEntry.Builtin.PREFIX.length());
        if (!embedding) {
            throw new CatalogException(where + ": source '" + source + "' is a built-in embedding model, but "
                    + "family '" + family + "' generates text; use a checkpoint directory or " + GENERATED_PREFIX
                    + GeneratedModels.SMOKE_LLAMA + ", or an embedding family " + EmbeddingFamilies.names());
        }
        for (String builtin : BUILTIN_SOURCES) {
            if (builtin.equalsIgnoreCase(name)) {
                return new ModelEntry.Builtin(builtin);
            }
        }
        String known = ModelEntry.Builtin.PREFIX + String.join(", " + ModelEntry.Builtin.PREFIX, BUILTIN_SOURCES);
        throw new CatalogException(where + ": unknown built-in source '" + source + "'; known: " + known);
    }

    private ModelEntry.Generated generated(String source, String family, Kind familyKind, String where) {
        String kind = source.substring(GENERATED_PREFIX.length());
        if (!kind.equals(GeneratedModels.SMOKE_LLAMA) && !kind.equals(GeneratedModels.SMOKE_SDXL)) {
            throw new CatalogException(where + ": unknown generated source '" + kind + "'; known: "
                    + GeneratedModels.SMOKE_LLAMA + ", " + GeneratedModels.SMOKE_SDXL);
        }
        if (familyKind == Kind.EMBEDDING) {
            throw new CatalogException(where + ": source '" + source + "' is " + (kind.equals(GeneratedModels.SMOKE_SDXL)
                    ? "an image model" : "a text generation model") + ", but family '"
                    + family + "' embeds; use " + ModelEntry.Builtin.PREFIX + BUILTIN_SOURCES.get(0)
                    + " or a directory with model.onnx and tokenizer.json");
        }
        boolean diffusion = kind.equals(GeneratedModels.SMOKE_SDXL);
        if (diffusion != (familyKind == Kind.IMAGE)) {
            throw new CatalogException(where + ": source '" + source + "' is " + (diffusion
                    ? "an image model, but family '" + family + "' generates text; use " + GENERATED_PREFIX
                    + GeneratedModels.SMOKE_LLAMA
                    : "a text generation model, but family '" + family + "' generates images; use "
                    + GENERATED_PREFIX + GeneratedModels.SMOKE_SDXL) + " or a checkpoint directory");
        }
        return new ModelEntry.Generated(kind, cacheDir.resolve(kind));
    }

    /** The files of a diffusers/optimum ONNX export that loading it cannot do without. */
    private static void checkDiffusionDirectory(Path dir, String family, String where) {
        for (String file : List.of("model_index.json", "unet/model.onnx")) {
            if (!Files.isRegularFile(dir.resolve(file))) {
                throw new CatalogException(where + ": source directory " + dir + " has no " + file + ", which image "
                        + "family '" + family + "' needs: an ONNX export of an SDXL pipeline (optimum-cli export onnx "
                        + "--model stabilityai/stable-diffusion-xl-base-1.0 <dir>)");
            }
        }
    }

    /** The files the ONNX Runtime encoder needs. */
    private static void checkEmbeddingDirectory(Path dir, String family, String where) {
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw new CatalogException(where + ": source directory " + dir + " has no tokenizer.json, which embedding "
                    + "family '" + family + "' needs (with model.onnx)");
        }
        boolean graph;
        try (Stream<Path> files = Stream.concat(list(dir), list(dir.resolve("onnx")))) {
            graph = files.anyMatch(f -> f.getFileName().toString().endsWith(".onnx") && Files.isRegularFile(f));
        }
        if (!graph) {
            throw new CatalogException(where + ": source directory " + dir + " has no ONNX graph (model.onnx or "
                    + "onnx/model.onnx), which embedding family '" + family + "' needs");
        }
    }

    private static Stream<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Stream.empty();
        }
        try {
            return Files.list(dir);
        } catch (IOException e) {
            throw new CatalogException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
