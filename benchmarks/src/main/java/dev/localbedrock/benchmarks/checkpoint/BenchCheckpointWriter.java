package dev.localbedrock.benchmarks.checkpoint;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint.Shape;
import dev.localbedrock.engines.synthetic.RandomWeights;
import dev.localbedrock.engines.synthetic.RandomWeights.TensorSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

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
    public static final double RMS_NORM_EPS = 1e-6;
    public static final double ROPE_THETA = 10000.0;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"));

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
        Path target = dir.toAbsolutePath().normalize();
        if (Files.exists(target) && !isEmptyDirectory(target)) {
            throw new FileAlreadyExistsException(target.toString(), null, "will not overwrite an existing model");
        }
        Path parent = target.getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
        Files.createDirectory(tmp);
        try {
            ObjectNode config = config(shape, tied);
            if (!init.equals(Init.STANDARD)) {
                config.put("initializer_range", init.std());
                config.put("x_local_bedrock_qk_init_std", init.qkStd());
            }
            writeJson(tmp.resolve("config.json"), config);
            ObjectNode gen = JSON.createObjectNode();
            gen.put("bos_token_id", ByteLevelBpe.BOS_ID);
            gen.put("eos_token_id", ByteLevelBpe.EOS_ID);
            writeJson(tmp.resolve("generation_config.json"), gen);
            writeJson(tmp.resolve("tokenizer_config.json"), tokenizerConfig(shape));
            writeJson(tmp.resolve("tokenizer.json"), ByteLevelBpe.tokenizerJson(ByteLevelBpe.build(shape.vocab())));
            RandomWeights.writeSafeTensors(tmp.resolve("model.safetensors"), tensors(shape, tied), seed,
                    Math.max(1, threads), name -> isQk(name) ? init.qkStd() : init.std());
            if (Files.exists(target)) {
                Files.delete(target);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (DirectoryNotEmptyException e) {
            deleteRecursively(tmp);
            throw new FileAlreadyExistsException(target.toString(), null, "another writer created it first");
        } catch (IOException | RuntimeException e) {
            deleteRecursively(tmp);
            throw e;
        }
    }

    private static boolean isQk(String tensor) {
        return tensor.endsWith("q_proj.weight") || tensor.endsWith("k_proj.weight");
    }

    static ObjectNode config(Shape s, boolean tied) {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", s.hidden());
        c.put("intermediate_size", s.intermediate());
        c.put("num_hidden_layers", s.layers());
        c.put("num_attention_heads", s.heads());
        c.put("num_key_value_heads", s.kvHeads());
        c.put("head_dim", s.headDim());
        c.put("max_position_embeddings", s.maxPositions());
        c.put("vocab_size", s.vocab());
        c.put("rms_norm_eps", RMS_NORM_EPS);
        c.put("rope_theta", ROPE_THETA);
        c.put("hidden_act", "silu");
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        c.put("tie_word_embeddings", tied);
        c.put("initializer_range", INIT_STD);
        c.put("bos_token_id", ByteLevelBpe.BOS_ID);
        c.put("eos_token_id", ByteLevelBpe.EOS_ID);
        c.put("torch_dtype", "float32");
        return c;
    }

    private static ObjectNode tokenizerConfig(Shape s) {
        ObjectNode c = JSON.createObjectNode();
        c.put("add_bos_token", true);
        c.put("add_eos_token", false);
        c.put("bos_token", "<s>");
        c.put("eos_token", "</s>");
        c.put("unk_token", "<unk>");
        c.put("clean_up_tokenization_spaces", false);
        c.put("model_max_length", s.maxPositions());
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        return c;
    }

    private static void writeJson(Path file, ObjectNode node) throws IOException {
        String text = JSON.writer(PRETTY).writeValueAsString(node) + "\n";
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    static void deleteRecursively(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // nothing to clean
        }
    }
}
