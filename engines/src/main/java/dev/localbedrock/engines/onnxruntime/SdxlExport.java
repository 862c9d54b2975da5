package dev.localbedrock.engines.onnxruntime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The files of a diffusers/optimum ONNX export of an SDXL pipeline, located and checked before any session opens so a
 * missing piece is named rather than surfacing as an ONNX Runtime error.
 */
record SdxlExport(Path root, JsonNode modelIndex, Path schedulerConfig, Path textEncoder, JsonNode textEncoderConfig,
                  Path textEncoder2, JsonNode textEncoder2Config, Path unet, JsonNode unetConfig, Path vaeDecoder,
                  JsonNode vaeDecoderConfig) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static SdxlExport locate(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, "not a directory (expected a diffusers ONNX export)");
        }
        JsonNode index = readJson(require(root.resolve("model_index.json")));
        if (!index.isObject()) {
            throw new IllegalArgumentException(root.resolve("model_index.json") + " is not a JSON object");
        }
        for (String tokenizer : new String[]{"tokenizer", "tokenizer_2"}) {
            require(root.resolve(tokenizer).resolve("vocab.json"));
            require(root.resolve(tokenizer).resolve("merges.txt"));
        }
        return new SdxlExport(root, index,
                require(root.resolve("scheduler").resolve("scheduler_config.json")),
                graph(root, "text_encoder"), config(root, "text_encoder"),
                graph(root, "text_encoder_2"), config(root, "text_encoder_2"),
                graph(root, "unet"), config(root, "unet"),
                graph(root, "vae_decoder"), config(root, "vae_decoder"));
    }

    /**
     * {@code force_zeros_for_empty_prompt}: diffusers' {@code StableDiffusionXLPipeline} defaults it to true when
     * {@code model_index.json} does not say.
     */
    boolean forceZerosForEmptyPrompt() {
        return modelIndex.path("force_zeros_for_empty_prompt").asBoolean(true);
    }

    String pipelineClass() {
        return modelIndex.path("_class_name").asText("an unnamed pipeline");
    }

    private static Path graph(Path root, String component) throws IOException {
        return require(root.resolve(component).resolve("model.onnx"));
    }

    private static JsonNode config(Path root, String component) throws IOException {
        Path file = root.resolve(component).resolve("config.json");
        return Files.isRegularFile(file) ? readJson(file) : MissingNode.getInstance();
    }

    private static Path require(Path file) throws NoSuchFileException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "missing from the SDXL ONNX export");
        }
        return file;
    }

    private static JsonNode readJson(Path file) throws IOException {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }
}
