package dev.localbedrock.benchmarks.checkpoint;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.engines.testmodels.RandomLlamaCheckpoint.Shape;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Writes random-initialised Llama checkpoints of benchmark size in the Hugging Face layout ({@code config.json},
 * {@code generation_config.json}, {@code tokenizer_config.json}, {@code tokenizer.json}, float32
 * {@code model.safetensors}), streaming: weights are generated and written in chunks of a few MB per thread, so a
 * 1.1B-parameter (4.4 GB) checkpoint needs no more heap than a 15M one.
 *
 * <p>The weights are exactly those of engines' {@code RandomLlamaCheckpoint} for the same shape and seed: each
 * {@code N(0, 0.02²)} tensor is drawn from a {@link SplittableRandom} seeded with {@code seed ^ fnv1a64(name)}
 * through Box-Muller with {@link StrictMath}; norm weights are 1. With the tied output head and a 259-token
 * vocabulary, {@code model.safetensors} is byte-identical to {@code RandomLlamaCheckpoint}'s. (That class holds every
 * tensor in memory and its Box-Muller helper is private, so the generator is re-implemented here rather than
 * reused; engines belongs to another engineer.) An untied checkpoint adds {@code lm_head.weight}, drawn the same way.
 *
 * <p>The tokenizer is {@link ByteLevelBpe} of the model's vocabulary size. Files are written into a temporary sibling
 * directory that is renamed into place at the end.
 */
public final class BenchCheckpointWriter {
    public static final double INIT_STD = 0.02;
    public static final double RMS_NORM_EPS = 1e-6;
    public static final double ROPE_THETA = 10000.0;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"));
    /** Floats generated per chunk (an even number: Box-Muller pairs never straddle chunks). */
    private static final int CHUNK_FLOATS = 1 << 20;

    private BenchCheckpointWriter() {
    }

    /** One tensor of the checkpoint: its name, shape (outermost first) and whether it is all ones. */
    public record TensorSpec(String name, long[] shape, boolean ones) {
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }

        public long bytes() {
            return 4 * elements();
        }
    }

    /** The HF tensors of a Llama of this shape, in the order RandomLlamaCheckpoint lists them. */
    public static List<TensorSpec> tensors(Shape s, boolean tied) {
        List<TensorSpec> w = new ArrayList<>();
        long d = s.hidden();
        long q = (long) s.heads() * s.headDim();
        long kv = (long) s.kvHeads() * s.headDim();
        long ff = s.intermediate();
        w.add(new TensorSpec("model.embed_tokens.weight", new long[] {s.vocab(), d}, false));
        w.add(new TensorSpec("model.norm.weight", new long[] {d}, true));
        for (int l = 0; l < s.layers(); l++) {
            String p = "model.layers." + l + ".";
            w.add(new TensorSpec(p + "input_layernorm.weight", new long[] {d}, true));
            w.add(new TensorSpec(p + "post_attention_layernorm.weight", new long[] {d}, true));
            w.add(new TensorSpec(p + "self_attn.q_proj.weight", new long[] {q, d}, false));
            w.add(new TensorSpec(p + "self_attn.k_proj.weight", new long[] {kv, d}, false));
            w.add(new TensorSpec(p + "self_attn.v_proj.weight", new long[] {kv, d}, false));
            w.add(new TensorSpec(p + "self_attn.o_proj.weight", new long[] {d, q}, false));
            w.add(new TensorSpec(p + "mlp.gate_proj.weight", new long[] {ff, d}, false));
            w.add(new TensorSpec(p + "mlp.up_proj.weight", new long[] {ff, d}, false));
            w.add(new TensorSpec(p + "mlp.down_proj.weight", new long[] {d, ff}, false));
        }
        if (!tied) {
            w.add(new TensorSpec("lm_head.weight", new long[] {s.vocab(), d}, false));
        }
        return w;
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
            writeSafeTensors(tmp.resolve("model.safetensors"), tensors(shape, tied), seed, threads, init);
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

    // ---------------------------------------------------------------------------------------------------------------
    // safetensors, streamed

    /**
     * Writes a safetensors file in the byte layout of engines' {@code SafeTensorsWriter} (tensors in name order,
     * compact header JSON with {@code __metadata__} first, space-padded to a multiple of 8), generating each tensor
     * chunk by chunk.
     */
    static void writeSafeTensors(Path file, List<TensorSpec> specs, long seed, int threads, Init init)
            throws IOException {
        TreeMap<String, TensorSpec> sorted = new TreeMap<>();
        for (TensorSpec t : specs) {
            sorted.put(t.name(), t);
        }
        ObjectNode root = JSON.createObjectNode();
        root.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        List<long[]> offsets = new ArrayList<>();
        for (TensorSpec t : sorted.values()) {
            ObjectNode entry = root.putObject(t.name());
            entry.put("dtype", "F32");
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long end = offset + t.bytes();
            entry.putArray("data_offsets").add(offset).add(end);
            offsets.add(new long[] {offset, end});
            offset = end;
        }
        byte[] json = JSON.writeValueAsBytes(root);
        int padded = (json.length + 7) & ~7;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        long dataStart = 8L + header.length;

        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeFully(ch, len, 0);
            writeFully(ch, ByteBuffer.wrap(header), 8);
            List<TensorSpec> ordered = new ArrayList<>(sorted.values());
            // largest first, so the parallel tail is short
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < ordered.size(); i++) {
                order.add(i);
            }
            order.sort(Comparator.comparingLong((Integer i) -> -ordered.get(i).elements()).thenComparing(i -> i));
            ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
                Thread t = new Thread(r, "checkpoint-writer");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int i : order) {
                    TensorSpec t = ordered.get(i);
                    long at = dataStart + offsets.get(i)[0];
                    futures.add(pool.submit(() -> {
                        boolean qk = t.name().endsWith("q_proj.weight") || t.name().endsWith("k_proj.weight");
                        generate(ch, at, t, seed, qk ? init.qkStd() : init.std());
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    try {
                        f.get();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while writing " + file, e);
                    } catch (java.util.concurrent.ExecutionException e) {
                        Throwable c = e.getCause();
                        if (c instanceof IOException io) {
                            throw io;
                        }
                        if (c instanceof UncheckedIOException u) {
                            throw u.getCause();
                        }
                        throw new IOException("writing " + file + " failed: " + c, c);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Generates one tensor into {@code ch} at {@code position}, chunk by chunk. */
    private static void generate(FileChannel ch, long position, TensorSpec t, long seed, double std)
            throws IOException {
        long n = t.elements();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(n, CHUNK_FLOATS) * 4).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer floats = buf.asFloatBuffer();
        SplittableRandom rng = t.ones() ? null : new SplittableRandom(seed ^ fnv1a64(t.name()));
        long pos = position;
        for (long done = 0; done < n; ) {
            int m = (int) Math.min(CHUNK_FLOATS, n - done);
            floats.clear();
            if (rng == null) {
                for (int i = 0; i < m; i++) {
                    floats.put(1f);
                }
            } else {
                for (int i = 0; i < m; i += 2) {
                    // Box-Muller exactly as RandomLlamaCheckpoint: 1 - u keeps the log argument in (0, 1]
                    double u1 = 1.0 - rng.nextDouble();
                    double u2 = rng.nextDouble();
                    double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
                    double a = 2.0 * StrictMath.PI * u2;
                    floats.put((float) (std * r * StrictMath.cos(a)));
                    if (i + 1 < m) {
                        floats.put((float) (std * r * StrictMath.sin(a)));
                    }
                }
            }
            buf.clear();
            buf.limit(m * 4);
            writeFully(ch, buf, pos);
            pos += (long) m * 4;
            done += m;
        }
    }

    /** 64-bit FNV-1a of the UTF-8 bytes, as RandomLlamaCheckpoint seeds each tensor. */
    static long fnv1a64(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x100000001b3L;
        }
        return h;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            p += ch.write(b, p);
        }
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
