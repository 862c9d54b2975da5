package dev.localbedrock.engines.synthetic;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a random-initialised Llama checkpoint in the Hugging Face layout, so a fresh machine can serve (and tests can
 * exercise) a real Llama graph without downloading anything.
 *
 * <p>The directory holds {@code config.json}, {@code generation_config.json}, {@code tokenizer_config.json}, a
 * float32 {@code model.safetensors} and a {@code tokenizer.json}. Weights are N(0, 0.02²) (norm weights 1, the output
 * head tied to the embeddings), drawn per tensor from a {@code SplittableRandom} seeded with {@code seed} and a fixed
 * hash of the tensor's name, through Box-Muller with {@link StrictMath}, so the same seed gives byte-identical files on
 * every JVM and platform ({@link RandomWeights} generates and writes them chunk by chunk). The tokenizer is a
 * byte-level BPE with no merges ({@link ByteLevelTokenizerJson}): ids 0-2 are {@code <unk>}, {@code <s>},
 * {@code </s>}, ids 3-258 the 256 bytes (GPT-2's byte-to-character mapping), so any text round-trips exactly.
 *
 * <p>Files are written to a temporary sibling directory that is renamed into place at the end: a crash leaves no
 * half-written model under the target name.
 */
public final class RandomLlamaCheckpoint {
    /** {@code <unk>}, {@code <s>}, {@code </s>} and 256 byte tokens. */
    public static final int BYTE_VOCAB = 259;
    public static final int UNK_ID = 0;
    public static final int BOS_ID = 1;
    public static final int EOS_ID = 2;
    /** Standard deviation of the random weights (Hugging Face's {@code initializer_range}). */
    public static final double INIT_STD = RandomWeights.INIT_STD;

    private RandomLlamaCheckpoint() {
    }

    /**
     * The architecture's dimensions.
     *
     * @param hidden       {@code hidden_size}
     * @param layers       {@code num_hidden_layers}
     * @param heads        {@code num_attention_heads}
     * @param kvHeads      {@code num_key_value_heads}
     * @param intermediate {@code intermediate_size}
     * @param vocab        {@code vocab_size}, at least {@value #BYTE_VOCAB} (ids above 258 have no text)
     * @param maxPositions {@code max_position_embeddings}
     */
    public record Shape(int hidden, int layers, int heads, int kvHeads, int intermediate, int vocab,
                        int maxPositions) {
        /** The smoke-test model: 2 layers, hidden 64, 4 heads over 2 KV heads, vocab 259, context 2048. */
        public static final Shape SMOKE = new Shape(64, 2, 4, 2, 172, BYTE_VOCAB, 2048);

        public Shape {
            if (hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || intermediate <= 0 || maxPositions <= 0) {
                throw new IllegalArgumentException("all dimensions must be positive: " + this);
            }
            if (hidden % heads != 0 || (hidden / heads) % 2 != 0) {
                throw new IllegalArgumentException("hidden " + hidden + " must split into " + heads
                        + " heads of even size");
            }
            if (heads % kvHeads != 0) {
                throw new IllegalArgumentException("heads " + heads + " must be a multiple of kvHeads " + kvHeads);
            }
            if (vocab < BYTE_VOCAB) {
                throw new IllegalArgumentException("vocab " + vocab + " is smaller than the byte tokenizer's "
                        + BYTE_VOCAB);
            }
        }

        /** {@code hidden / heads}. */
        public int headDim() {
            return hidden / heads;
        }
    }

    /**
     * Writes the checkpoint to {@code dir}, which must not exist (or be an empty directory), and returns it.
     *
     * @throws FileAlreadyExistsException when {@code dir} exists and is not an empty directory
     */
    public static Path write(Path dir, Shape shape, long seed) throws IOException {
        return NewDirectory.write(dir, "model", tmp -> writeFiles(tmp, shape, seed));
    }

    private static void writeFiles(Path dir, Shape s, long seed) throws IOException {
        LlamaCheckpointFiles.writeJson(dir.resolve("config.json"),
                LlamaCheckpointFiles.config(s, true, BOS_ID, EOS_ID, INIT_STD));
        LlamaCheckpointFiles.writeJson(dir.resolve("generation_config.json"),
                LlamaCheckpointFiles.generationConfig(BOS_ID, EOS_ID));
        LlamaCheckpointFiles.writeJson(dir.resolve("tokenizer_config.json"),
                LlamaCheckpointFiles.tokenizerConfig(s.maxPositions()));
        LlamaCheckpointFiles.writeJson(dir.resolve("tokenizer.json"),
                ByteLevelTokenizerJson.tokenizer(ByteLevelTokenizerJson.baseTokens(), List.of()));
        RandomWeights.writeSafeTensors(dir.resolve("model.safetensors"), RandomWeights.llamaTensors(s, true), seed, 1,
                name -> INIT_STD);
    }
}
