package dev.localbedrock.runtime.cli;

import dev.localbedrock.engines.onnxbuild.BuildOptions;
import dev.localbedrock.engines.onnxbuild.BuiltGraph;
import dev.localbedrock.engines.onnxbuild.OnnxGraphBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Writes the ONNX Runtime decoder graph of a Hugging Face checkpoint ahead of time, so a server start does not pay
 * for the build (the server builds and caches the same graph itself on first load when none is given).
 */
@Command(name = "build-onnx", mixinStandardHelpOptions = true,
        description = "Build an ONNX Runtime decoder graph from a Hugging Face checkpoint directory.")
final class BuildOnnxCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "HF checkpoint directory (config.json, *.safetensors).")
    Path model;

    @Option(names = "--out", required = true, description = "Directory to write model.onnx (+ model.onnx.data) into.")
    Path out;

    @Option(names = "--quantize", defaultValue = "none",
            description = "none, int8 or int4 (block-wise MatMulNBits), or int8-dynamic (per-channel "
                    + "DynamicQuantizeMatMul) (default: ${DEFAULT-VALUE}).")
    String quantize;

    @Option(names = "--variant", defaultValue = "gqa-shared-kv",
            description = "gqa-shared-kv (fast: GroupQueryAttention, KV updated in place) or standard "
                    + "(plain attention ops; any padding) (default: ${DEFAULT-VALUE}).")
    String variant;

    @Override
    public Integer call() throws Exception {
        BuildOptions options = BuildOptions.defaults()
                .withQuantization(BuildOptions.Quantization.parse(quantize))
                .withVariant(BuildOptions.Variant.parse(variant));
        BuiltGraph graph = OnnxGraphBuilder.build(model, out, options, line -> System.err.println(line));
        System.out.println(graph.modelFile());
        return 0;
    }
}
