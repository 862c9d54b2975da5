/**
 * Builds ONNX decoder graphs from Hugging Face checkpoints, in Java, for ONNX Runtime's CPU provider.
 *
 * <ul>
 *   <li>{@link dev.localbedrock.engines.onnxbuild.OnnxGraphBuilder#build(java.nio.file.Path, java.nio.file.Path,
 *       dev.localbedrock.engines.onnxbuild.BuildOptions)}: checkpoint directory → {@code model.onnx}
 *       (+ {@code model.onnx.data}) + {@code graph.json}; its Javadoc is the driving contract (inputs, outputs,
 *       padding, shared KV buffers).</li>
 *   <li>{@link dev.localbedrock.engines.onnxbuild.OnnxGraphCache#resolve(java.nio.file.Path,
 *       dev.localbedrock.engines.onnxbuild.BuildOptions, java.nio.file.Path)}: the same, built once per checkpoint
 *       fingerprint and options under a cache root, atomically, and reused afterwards.</li>
 *   <li>{@link dev.localbedrock.engines.onnxbuild.BuildOptions}: variant ({@code standard} | {@code gqa-shared-kv}),
 *       quantization ({@code none} | {@code int8}), last-token or all logits, table length, external data.</li>
 *   <li>{@link dev.localbedrock.engines.onnxbuild.GraphSpec}: what an engine needs to drive a built graph (also in the
 *       model's {@code metadata_props} as {@code localbedrock.*}).</li>
 * </ul>
 *
 * <p>Also random-weight diffusion graphs with the interfaces of diffusers' SDXL ONNX export, for tests and benchmarks
 * ({@link dev.localbedrock.engines.synthetic.RandomSdxlPipeline} assembles them into a pipeline directory):
 * {@link dev.localbedrock.engines.onnxbuild.ClipTextGraph}, {@link dev.localbedrock.engines.onnxbuild.UnetGraph},
 * {@link dev.localbedrock.engines.onnxbuild.VaeDecoderGraph}; each can also count its parameters without writing.
 *
 * <p>The ONNX protobuf is written with the classes {@code org.tribuo:tribuo-util-onnx} ships
 * ({@code ai.onnx.proto.OnnxMl}); weights stream from the memory-mapped safetensors into the initializers.
 */
package dev.localbedrock.engines.onnxbuild;
