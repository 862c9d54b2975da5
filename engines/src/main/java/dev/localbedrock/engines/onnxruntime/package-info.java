/**
 * The ONNX Runtime engine, on the ONNX Runtime Java API directly.
 *
 * <ul>
 *   <li>{@link dev.localbedrock.engines.onnxruntime.OrtDecoderModel}: causal decoders with past/present key-value
 *       tensors. Graphs built from Hugging Face checkpoints by {@code dev.localbedrock.engines.onnxbuild}
 *       ({@code gqa-shared-kv}; f32, int8, int4 or int8-dynamic) run over a shared KV arena updated in place (one
 *       session run for all decode rows, no KV copies); exported graphs (Optimum/GenAI {@code past_key_values.N.*} or legacy GPT-2
 *       {@code past_N}, conventions read from the session's metadata) run on per-sequence caches in direct buffers,
 *       rows batched per session run where the graph allows it.</li>
 *   <li>{@link dev.localbedrock.engines.onnxruntime.OrtEmbeddingModel}: BERT-family sentence encoders with mean or
 *       CLS pooling and L2 normalisation, including the built-in all-MiniLM-L6-v2.</li>
 *   <li>{@link dev.localbedrock.engines.onnxruntime.OrtDiffusionModel}: SDXL text-to-image pipelines in the
 *       diffusers ONNX export layout (two CLIP text encoders, UNet, VAE decoder), inputs fed in the element types the
 *       graphs declare (float16 exports included).</li>
 * </ul>
 *
 * <p>Native memory: every {@code OnnxTensor} and {@code OrtSession.Result} a call creates is closed before it
 * returns; sessions and tokenizers are freed by the models' {@code close()}.
 */
package dev.localbedrock.engines.onnxruntime;
