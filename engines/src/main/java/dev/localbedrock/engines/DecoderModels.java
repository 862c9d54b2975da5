package dev.localbedrock.engines;

import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.onnxbuild.BuildOptions;
import dev.localbedrock.engines.onnxbuild.BuiltGraph;
import dev.localbedrock.engines.onnxbuild.OnnxGraphBuilder;
import dev.localbedrock.engines.onnxbuild.OnnxGraphCache;
import dev.localbedrock.engines.onnxruntime.OrtDecoderModel;
import dev.localbedrock.engines.pytorch.PtDecoderModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Loads a Hugging Face model directory onto an engine. The one place that maps (engine, {@code model_type}) to an
 * implementation, so the runtime never names engine classes.
 */
public final class DecoderModels {
    private DecoderModels() {
    }

    /**
     * Loads {@code modelDir} ({@code config.json}, safetensors weights or an ONNX graph, {@code tokenizer.json}). On
     * the ONNX Runtime engine a checkpoint without an ONNX graph gets one built and cached (see
     * {@link EngineOptions}).
     *
     * @param engine  which engine runs it
     * @param device  {@code cpu}, {@code cuda} or {@code cuda:N}
     * @param options capacity, KV pool, threading and (ONNX Runtime) graph building; {@code null} means
     *                {@link EngineOptions#defaults()}
     * @throws IllegalArgumentException        when the model type (or another setting) is not supported
     * @throws UnsupportedOperationException   for an engine that is not implemented yet
     * @throws UncheckedIOException            when the directory cannot be read
     */
    public static DecoderModel load(Path modelDir, EngineKind engine, String device, EngineOptions options) {
        EngineOptions opts = options == null ? EngineOptions.defaults() : options;
        try {
            HfModelConfig config = HfModelConfig.load(modelDir);
            return switch (engine) {
                case PYTORCH -> loadPyTorch(modelDir, config, device, opts);
                case ONNXRUNTIME -> loadOnnxRuntime(modelDir, config, device, opts);
            };
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load model from " + modelDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The per-sequence context {@link #load} gives {@code modelDir} when {@link EngineOptions#maxSequenceTokens()} is
     * not set: {@link EngineOptions#defaultSequenceTokens} of the model's own limit. Callers that size other things
     * by the context (a scheduler's KV budget) read it here first, so their defaults follow the model too.
     *
     * @throws UncheckedIOException when the directory cannot be read
     */
    public static int defaultContextTokens(Path modelDir) {
        try {
            return EngineOptions.defaultSequenceTokens(OrtDecoderModel.contextLimit(modelDir,
                    HfModelConfig.load(modelDir)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model config in " + modelDir + ": " + e.getMessage(), e);
        }
    }

    private static DecoderModel loadPyTorch(Path dir, HfModelConfig config, String device, EngineOptions options)
            throws IOException {
        if (PtDecoderModel.MODEL_TYPES.contains(config.modelType())) {
            return PtDecoderModel.load(dir, config, device, options);
        }
        throw unsupported(config, EngineKind.PYTORCH, String.join(", ", PtDecoderModel.MODEL_TYPES));
    }

    /**
     * The ONNX Runtime engine runs the decoder graph found in the directory (or its {@code onnx/}); the graph, not
     * {@code model_type}, decides what it can drive, and it names what it cannot. When the directory has no graph, or
     * the options ask for a built one ({@link EngineOptions#buildsOnnxGraph()}: {@code quantize} or
     * {@code onnxVariant} given), the graph is built from {@code config.json} and the safetensors by
     * {@link OnnxGraphCache#resolve} (once per checkpoint and options, progress lines on {@link System#err}) under
     * {@link EngineOptions#onnxCacheDir()}, else {@link OnnxGraphCache#defaultRoot}.
     */
    private static DecoderModel loadOnnxRuntime(Path dir, HfModelConfig config, String device, EngineOptions options)
            throws IOException {
        if (!options.buildsOnnxGraph() && OrtDecoderModel.hasGraph(dir)) {
            return OrtDecoderModel.load(dir, config, device, options);
        }
        if (!OnnxGraphBuilder.MODEL_TYPES.contains(config.modelType())) {
            throw new IllegalArgumentException("model_type '" + config.modelType() + "' is not supported by the "
                    + EngineKind.ONNXRUNTIME + " engine without an exported ONNX graph in " + dir
                    + " (graphs are built for: " + String.join(", ", OnnxGraphBuilder.MODEL_TYPES) + ")");
        }
        BuildOptions build = options.onnxBuildOptions();
        Path root = options.onnxCacheDir() != null ? options.onnxCacheDir() : OnnxGraphCache.defaultRoot(dir);
        BuiltGraph graph = OnnxGraphCache.resolve(dir, build, root);
        return OrtDecoderModel.load(dir, graph.modelFile(), config, device, options);
    }

    private static IllegalArgumentException unsupported(HfModelConfig config, EngineKind engine, String supported) {
        return new IllegalArgumentException("model_type '" + config.modelType() + "' is not supported by the "
                + engine + " engine (supported: " + supported + ")");
    }
}
