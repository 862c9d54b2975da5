package dev.localbedrock.engines.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint.Shape;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToDoubleFunction;

/**
 * The deterministic random weights of generated Llama checkpoints ({@link RandomLlamaCheckpoint} and the benchmarks'
 * larger checkpoints), generated and written in chunks so that a checkpoint of any size needs only a few MB of heap.
 *
 * <p>Each random tensor is {@code N(0, std²)}, drawn from a {@link SplittableRandom} seeded with
 * {@code seed ^ fnv1a64(name)} through Box-Muller with {@link StrictMath} (values {@code 2k} and {@code 2k + 1} are the
 * cosine and sine halves of the {@code k}-th pair; an odd-length tensor drops the last sine), so the same seed gives
 * the same floats on every JVM and platform, however the tensor is split into chunks. Norm weights are 1.
 */
public final class RandomWeights {
    /** Standard deviation of the random weights (Hugging Face's {@code initializer_range}). */
    public static final double INIT_STD = 0.02;

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Floats generated per chunk when writing (4 MB). */
    private static final int CHUNK_FLOATS = 1 << 20;

    private RandomWeights() {
    }

    /** One tensor of a checkpoint: its name, shape (outermost first) and whether it is all ones. */
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

    /**
     * The Hugging Face tensors of a Llama of this shape: embeddings, final norm, then per layer the two norms and the
     * seven projections; an untied checkpoint adds {@code lm_head.weight} last.
     */
    public static List<TensorSpec> llamaTensors(Shape s, boolean tied) {
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

    /** The values of the random tensor {@code name}, in order, from the start. */
    public static Normal normal(long seed, String name, double std) {
        return new Normal(new SplittableRandom(seed ^ fnv1a64(name)), std);
    }

    /**
     * A tensor's values as a stream: successive {@code fill} calls continue where the last one stopped, so the values
     * do not depend on how the tensor is cut into chunks. Not thread-safe.
     */
    public static final class Normal {
        private final SplittableRandom rng;
        private final double std;
        private float spare;
        private boolean hasSpare;

        private Normal(SplittableRandom rng, double std) {
            this.rng = rng;
            this.std = std;
        }

        /** The next value. */
        public float next() {
            if (hasSpare) {
                hasSpare = false;
                return spare;
            }
            // Box-Muller: two independent N(0,1) from two uniforms; 1 - u keeps the log argument in (0, 1]
            double u1 = 1.0 - rng.nextDouble();
            double u2 = rng.nextDouble();
            double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
            double a = 2.0 * StrictMath.PI * u2;
            spare = (float) (std * r * StrictMath.sin(a));
            hasSpare = true;
            return (float) (std * r * StrictMath.cos(a));
        }

        /** Fills {@code dst[off, off + len)} with the next {@code len} values. */
        public void fill(float[] dst, int off, int len) {
            for (int i = off; i < off + len; i++) {
                dst[i] = next();
            }
        }

        /** Puts the next {@code len} values into {@code dst}. */
        public void fill(FloatBuffer dst, int len) {
            for (int i = 0; i < len; i++) {
                dst.put(next());
            }
        }
    }

    /**
     * Writes {@code specs} as a float32 safetensors file in the byte layout of
     * {@link dev.localbedrock.engines.hf.SafeTensorsWriter} (tensors in name order, compact header JSON with
     * {@code __metadata__} first, space-padded to a multiple of 8), generating each tensor chunk by chunk: ones for
     * {@link TensorSpec#ones()}, otherwise {@link #normal(long, String, double)} with {@code stdByName(name)}.
     *
     * @param threads tensors generated in parallel (the output does not depend on it; 1 writes on the calling thread)
     */
    public static void writeSafeTensors(Path file, List<TensorSpec> specs, long seed, int threads,
                                        ToDoubleFunction<String> stdByName) throws IOException {
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
            if (threads <= 1) {
                for (int i = 0; i < ordered.size(); i++) {
                    TensorSpec t = ordered.get(i);
                    generate(ch, dataStart + offsets.get(i)[0], t, seed, stdByName.applyAsDouble(t.name()));
                }
                return;
            }
            // largest first, so the parallel tail is short
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < ordered.size(); i++) {
                order.add(i);
            }
            order.sort(Comparator.comparingLong((Integer i) -> -ordered.get(i).elements()).thenComparing(i -> i));
            ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
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
                        generate(ch, at, t, seed, stdByName.applyAsDouble(t.name()));
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    try {
                        f.get();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while writing " + file, e);
                    } catch (ExecutionException e) {
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
        Normal values = t.ones() ? null : normal(seed, t.name(), std);
        long pos = position;
        for (long done = 0; done < n; ) {
            int m = (int) Math.min(CHUNK_FLOATS, n - done);
            floats.clear();
            if (values == null) {
                for (int i = 0; i < m; i++) {
                    floats.put(1f);
                }
            } else {
                values.fill(floats, m);
            }
            buf.clear();
            buf.limit(m * 4);
            writeFully(ch, buf, pos);
            pos += (long) m * 4;
            done += m;
        }
    }

    /** 64-bit FNV-1a of the UTF-8 bytes: a fixed, documented hash (unlike {@link String#hashCode()}'s 32 bits). */
    public static long fnv1a64(String s) {
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
}
