/**
 * Synthetic checkpoints: random-weight models in the Hugging Face layout, written deterministically (the same seed
 * gives byte-identical files on every JVM and platform), so a fresh machine can serve a real decoder graph without
 * downloading anything.
 *
 * <ul>
 *   <li>{@link dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint}: a whole Llama checkpoint directory (the
 *       server's default generated model, and the fixture of engine tests and benchmarks).</li>
 *   <li>{@link dev.localbedrock.engines.synthetic.RandomSdxlPipeline}: a whole Stable Diffusion XL pipeline in the
 *       diffusers ONNX export layout (text encoders, UNet, VAE decoder, tokenizers, scheduler), for the image path's
 *       tests ({@code SMOKE}) and benchmarks ({@code SD_512}).</li>
 *   <li>{@link dev.localbedrock.engines.synthetic.RandomWeights}: the seeded tensors and their streaming
 *       safetensors writer.</li>
 *   <li>{@link dev.localbedrock.engines.synthetic.ByteLevelTokenizerJson}: the byte-level BPE {@code tokenizer.json}
 *       that makes any text round-trip exactly.</li>
 * </ul>
 */
package dev.localbedrock.engines.synthetic;
