package dev.localbedrock.engines.testmodels;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.engines.hf.SafeTensorsWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Writes a random-initialised Llama checkpoint in the Hugging Face layout, so a fresh machine can serve (and tests can
 * exercise) a real Llama graph without downloading anything.
 *
 * <p>The directory holds {@code config.json}, {@code generation_config.json}, {@code tokenizer_config.json}, a
 * float32 {@code model.safetensors} and a {@code tokenizer.json}. Weights are N(0, 0.02²) (norm weights 1, the output
 * head tied to the embeddings), drawn per tensor from a {@link SplittableRandom} seeded with {@code seed} and a fixed
 * hash of the tensor's name, through Box-Muller with {@link StrictMath}, so the same seed gives byte-identical files on
 * every JVM and platform. The tokenizer is a byte-level BPE with no merges: ids 0-2 are {@code <unk>}, {@code <s>},
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
    public static final double INIT_STD = 0.02;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"));

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
        Path target = dir.toAbsolutePath().normalize();
        if (Files.exists(target) && !isEmptyDirectory(target)) {
            throw new FileAlreadyExistsException(target.toString(), null, "will not overwrite an existing model");
        }
        Path parent = target.getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
        Files.createDirectory(tmp);
        try {
            writeFiles(tmp, shape, seed);
            if (Files.exists(target)) {
                Files.delete(target); // the empty directory checked above
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

    private static void writeFiles(Path dir, Shape s, long seed) throws IOException {
        writeJson(dir.resolve("config.json"), config(s));
        ObjectNode gen = JSON.createObjectNode();
        gen.put("bos_token_id", BOS_ID);
        gen.put("eos_token_id", EOS_ID);
        writeJson(dir.resolve("generation_config.json"), gen);
        writeJson(dir.resolve("tokenizer_config.json"), tokenizerConfig(s));
        writeJson(dir.resolve("tokenizer.json"), tokenizer());
        SafeTensorsWriter.write(dir.resolve("model.safetensors"), weights(s, seed));
    }

    private static ObjectNode config(Shape s) {
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
        c.put("rms_norm_eps", 1e-6);
        c.put("rope_theta", 10000.0);
        c.put("hidden_act", "silu");
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        c.put("tie_word_embeddings", true);
        c.put("initializer_range", INIT_STD);
        c.put("bos_token_id", BOS_ID);
        c.put("eos_token_id", EOS_ID);
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

    /** A byte-level BPE {@code tokenizer.json} in the format of the Hugging Face {@code tokenizers} library. */
    private static ObjectNode tokenizer() {
        ObjectNode t = JSON.createObjectNode();
        t.put("version", "1.0");
        t.putNull("truncation");
        t.putNull("padding");
        ArrayNode added = t.putArray("added_tokens");
        String[] specials = {"<unk>", "<s>", "</s>"};
        for (int id = 0; id < specials.length; id++) {
            ObjectNode a = added.addObject();
            a.put("id", id);
            a.put("content", specials[id]);
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", true);
        }
        t.putNull("normalizer");
        t.set("pre_tokenizer", byteLevel(JSON.createObjectNode()));
        t.set("post_processor", byteLevel(JSON.createObjectNode()));
        t.set("decoder", byteLevel(JSON.createObjectNode()));
        ObjectNode model = t.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", "<unk>");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < specials.length; id++) {
            vocab.put(specials[id], id);
        }
        String[] byteChars = byteToUnicode();
        for (int b = 0; b < 256; b++) {
            vocab.put(byteChars[b], specials.length + b);
        }
        model.putArray("merges");
        return t;
    }

    private static ObjectNode byteLevel(ObjectNode n) {
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", false);
        n.put("trim_offsets", true);
        n.put("use_regex", true);
        return n;
    }

    /** GPT-2's reversible byte-to-character table: printable bytes map to themselves, the rest to U+0100 onwards. */
    static String[] byteToUnicode() {
        String[] out = new String[256];
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            out[b] = String.valueOf((char) (printable ? b : 256 + next++));
        }
        return out;
    }

    private static Map<String, SafeTensorsWriter.Tensor> weights(Shape s, long seed) {
        Map<String, SafeTensorsWriter.Tensor> w = new LinkedHashMap<>();
        int d = s.hidden();
        int q = s.heads() * s.headDim();
        int kv = s.kvHeads() * s.headDim();
        int ff = s.intermediate();
        normal(w, seed, "model.embed_tokens.weight", s.vocab(), d);
        ones(w, "model.norm.weight", d);
        for (int l = 0; l < s.layers(); l++) {
            String p = "model.layers." + l + ".";
            ones(w, p + "input_layernorm.weight", d);
            ones(w, p + "post_attention_layernorm.weight", d);
            normal(w, seed, p + "self_attn.q_proj.weight", q, d);
            normal(w, seed, p + "self_attn.k_proj.weight", kv, d);
            normal(w, seed, p + "self_attn.v_proj.weight", kv, d);
            normal(w, seed, p + "self_attn.o_proj.weight", d, q);
            normal(w, seed, p + "mlp.gate_proj.weight", ff, d);
            normal(w, seed, p + "mlp.up_proj.weight", ff, d);
            normal(w, seed, p + "mlp.down_proj.weight", d, ff);
        }
        return w;
    }

    private static void ones(Map<String, SafeTensorsWriter.Tensor> w, String name, int n) {
        float[] v = new float[n];
        Arrays.fill(v, 1f);
        w.put(name, new SafeTensorsWriter.Tensor(new long[] {n}, v));
    }

    private static void normal(Map<String, SafeTensorsWriter.Tensor> w, long seed, String name, int rows, int cols) {
        SplittableRandom rng = new SplittableRandom(seed ^ fnv1a64(name));
        float[] v = new float[Math.multiplyExact(rows, cols)];
        for (int i = 0; i < v.length; i += 2) {
            // Box-Muller: two independent N(0,1) from two uniforms; 1 - u keeps the log argument in (0, 1]
            double u1 = 1.0 - rng.nextDouble();
            double u2 = rng.nextDouble();
            double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
            double a = 2.0 * StrictMath.PI * u2;
            v[i] = (float) (INIT_STD * r * StrictMath.cos(a));
            if (i + 1 < v.length) {
                v[i + 1] = (float) (INIT_STD * r * StrictMath.sin(a));
            }
        }
        w.put(name, new SafeTensorsWriter.Tensor(new long[] {rows, cols}, v));
    }

    /** 64-bit FNV-1a of the UTF-8 bytes: a fixed, documented hash (unlike {@link String#hashCode()}'s 32 bits). */
    static long fnv1a64(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x100000001b3L;
        }
        return h;
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

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException ignored) {
                    // best effort: a leftover temp directory never shadows the target name
                }
            });
        } catch (IOException ignored) {
            // nothing to clean
        }
    }
}
