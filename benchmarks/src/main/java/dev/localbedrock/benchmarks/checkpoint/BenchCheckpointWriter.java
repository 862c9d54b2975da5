package dev.localbedrock.benchmarks.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.engines.synthetic.LlamaCheckpointFiles;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint.Shape;
import dev.localbedrock.engines.synthetic.NewDirectory;
import dev.localbedrock.engines.synthetic.RandomWeights;
import dev.localbedrock.engines.synthetic.RandomWeights.TensorSpec;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes random-initialised Llama checkpoints of benchmark size in the Hugging Face layout ({@code config.json},
 * {@code generation_config.json}, {@code tokenizer_config.json}, {@code tokenizer.json}, float32
 * {@code model.safetensors}), streaming: weights are generated and written in chunks of a few MB per thread, so a
 * 1.1B-parameter (4.4 GB) checkpoint needs no more heap than a 15M one.
 *
 * <p>The weights come from engines' {@link RandomWeights}, the generator of {@code RandomLlamaCheckpoint}: each
 * {@code N(0, 0.02²)} tensor is drawn from a {@code SplittableRandom} seeded with {@code seed ^ fnv1a64(name)}
 * through Box-Muller with {@link StrictMath}; norm weights are 1. With the tied output head and a 259-token
 * vocabulary, {@code model.safetensors} is therefore byte-identical to {@code RandomLlamaCheckpoint}'s. An untied
 * checkpoint adds {@code lm_head.weight}, drawn the same way.
 *
 * <p>The tokenizer is {@link ByteLevelBpe} of the model's vocabulary size. Files are written into a temporary sibling
 * directory that is renamed into place at the end.
 */
public final class BenchCheckpointWriter {
    public static final double INIT_STD = RandomWeights.INIT_STD;
    public static final double RMS_NORM_EPS = LlamaCheckpointFiles.RMS_NORM_EPS;
    public static final double ROPE_THETA = LlamaCheckpointFiles.ROPE_THETA;

    private BenchCheckpointWriter() {
    }

    /** The HF tensors of a Llama of this shape, in the order RandomLlamaCheckpoint lists them. */
    public static List<TensorSpec> tensors(Shape s, boolean tied) {
        return RandomWeights.llamaTensors(s, tied);
    }

    /** Total parameters of the checkpoint (the tied head counted once). */
    public static long parameterCount(Shape s, boolean tied) {
        return tensors(s, tied).stream().mapToLong(TensorSpec::elements).sum();
    }

    /**
     * Standard deviations of the random weights: {@code std} for every matrix, {@code qkStd} for the Q and K
     * projections. {@link #STANDARD} is RandomLlamaCheckpoint's 0.02 everywhere; a larger {@code qkStd} sharpens
     * attention (scores grow with its square), which makes position handling (RoPE, the GGUF Q/K permutation)
     * visible in greedy tokens: at 0.02 attention is nearly uniform and a mis-permuted model often still agrees.
     */
    public record Init(double std, double qkStd) {
        public static final Init STANDARD = new Init(INIT_STD, INIT_STD);
    }

    /** {@link #write(Path, Shape, boolean, long, int)} with one thread per core (at most 4). */
    public static Path write(Path dir, Shape shape, boolean tied, long seed) throws IOException {
        return write(dir, shape, tied, seed, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    /**
     * Writes the checkpoint to {@code dir}, which must not exist (or be an empty directory), and returns it.
     *
     * @param threads tensors generated in parallel (the output does not depend on it)
     * @throws FileAlreadyExistsException when {@code dir} exists and is not an empty directory
     */
    public static Path write(Path dir, Shape shape, boolean tied, long seed, int threads) throws IOException {
        return write(dir, shape, tied, seed, threads, Init.STANDARD);
    }

    /** As {@link #write(Path, Shape, boolean, long, int)} with other initialisation scales (see {@link Init}). */
    public static Path write(Path dir, Shape shape, boolean tied, long seed, int threads, Init init)
            throws IOException {
        return NewDirectory.write(dir, "model", tmp -> {
            ObjectNode config = config(shape, tied);
            if (!init.equals(Init.STANDARD)) {
                config.put("initializer_range", init.std());
                config.put("x_local_bedrock_qk_init_std", init.qkStd());
            }
            LlamaCheckpointFiles.writeJson(tmp.resolve("config.json"), config);
            LlamaCheckpointFiles.writeJson(tmp.resolve("generation_config.json"),
                    LlamaCheckpointFiles.generationConfig(ByteLevelBpe.BOS_ID, ByteLevelBpe.EOS_ID));
            LlamaCheckpointFiles.writeJson(tmp.resolve("tokenizer_config.json"),
                    LlamaCheckpointFiles.tokenizerConfig(shape.maxPositions()));
            LlamaCheckpointFiles.writeJson(tmp.resolve("tokenizer.json"), ByteLevelBpe.tokenizerJson(ByteLevelBpe.build(shape.vocab())));
            RandomWeights.writeSafeTensors(tmp.resolve("model.safetensors"), tensors(shape, tied), seed,
                    Math.max(1, threads), name -> isQk(name) ? init.qkStd() : init.std());
        });
    }

    private static boolean isQk(String tensor) {
        return tensor.endsWith("q_proj.weight") || tensor.endsWith("k_proj.weight");
    }

    static ObjectNode config(Shape s, boolean tied) {
        return LlamaCheckpointFiles.config(s, tied, ByteLevelBpe.BOS_ID, ByteLevelBpe.EOS_ID, INIT_STD);
    }

}
