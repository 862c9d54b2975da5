package dev.localbedrock.engines.onnxbuild;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Small random Llama-family checkpoints for the builder's architecture tests. The tokenizer and config skeleton come
 * from {@link RandomLlamaCheckpoint}; the config is then edited and the weights replaced by values on the grid
 * {@code k/256} ({@code |k| <= 255}), which F32, F16 and BF16 all hold exactly, so twins stored in different types or
 * shards must give identical graphs. Norm weights differ from 1, the head is untied unless asked, Q/K are large
 * enough that attention is sharp (positions, windows and RoPE scaling visibly move the logits), and Q/K/V biases are
 * written when {@code biases}.
 */
final class Checkpoints {
    static final int HIDDEN = 64;
    static final int LAYERS = 2;
    static final int HEADS = 4;
    static final int KV_HEADS = 2;
    static final int INTERMEDIATE = 96;
    static final int VOCAB = RandomLlamaCheckpoint.BYTE_VOCAB;

    enum Storage { F32, F16, BF16 }

    private static final ObjectMapper JSON = new ObjectMapper();

    private Checkpoints() {
    }

    /**
     * Writes a checkpoint into {@code dir}.
     *
     * @param shards number of safetensors files (1: {@code model.safetensors}; more: an index and shards)
     */
    static Path write(Path dir, String modelType, long seed, boolean biases, boolean tied, Storage storage, int shards,
                      Consumer<ObjectNode> edit) throws IOException {
        RandomLlamaCheckpoint.write(dir, new RandomLlamaCheckpoint.Shape(HIDDEN, LAYERS, HEADS, KV_HEADS, INTERMEDIATE,
                VOCAB, 2048), seed);
        Path configFile = dir.resolve("config.json");
        ObjectNode config = (ObjectNode) JSON.readTree(configFile.toFile());
        config.put("model_type", modelType);
        config.put("tie_word_embeddings", tied);
        config.put("attention_bias", biases && !modelType.equals("qwen2"));
        edit.accept(config);
        Files.writeString(configFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
        Files.delete(dir.resolve("model.safetensors"));

        SplittableRandom rng = new SplittableRandom(seed);
        int d = HIDDEN;
        int hd = d / HEADS;
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("model.embed_tokens.weight", random(rng, 0.5, VOCAB, d));
        w.put("model.norm.weight", norm(rng, d));
        if (!tied) {
            w.put("lm_head.weight", random(rng, 0.3, VOCAB, d));
        }
        for (int l = 0; l < LAYERS; l++) {
            String p = "model.layers." + l + ".";
            w.put(p + "input_layernorm.weight", norm(rng, d));
            w.put(p + "post_attention_layernorm.weight", norm(rng, d));
            w.put(p + "self_attn.q_proj.weight", random(rng, 0.4, HEADS * hd, d));
            w.put(p + "self_attn.k_proj.weight", random(rng, 0.4, KV_HEADS * hd, d));
            w.put(p + "self_attn.v_proj.weight", random(rng, 0.2, KV_HEADS * hd, d));
            w.put(p + "self_attn.o_proj.weight", random(rng, 0.2, d, HEADS * hd));
            w.put(p + "mlp.gate_proj.weight", random(rng, 0.2, INTERMEDIATE, d));
            w.put(p + "mlp.up_proj.weight", random(rng, 0.2, INTERMEDIATE, d));
            w.put(p + "mlp.down_proj.weight", random(rng, 0.2, d, INTERMEDIATE));
            if (biases) {
                w.put(p + "self_attn.q_proj.bias", random(rng, 0.3, HEADS * hd));
                w.put(p + "self_attn.k_proj.bias", random(rng, 0.3, KV_HEADS * hd));
                w.put(p + "self_attn.v_proj.bias", random(rng, 0.3, KV_HEADS * hd));
                if (!modelType.equals("qwen2")) {
                    w.put(p + "self_attn.o_proj.bias", random(rng, 0.3, d)); // attention_bias covers o_proj too
                }
            }
        }
        writeSafetensors(dir, w, storage, shards);
        return dir;
    }

    /** Values {@code k/256}, {@code k ≈ N(0, (std·256)²)} clamped to [-255, 255]. */
    record Tensor(long[] shape, float[] data) {
    }

    private static Tensor random(SplittableRandom rng, double std, int... shape) {
        int n = 1;
        long[] s = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            n *= shape[i];
            s[i] = shape[i];
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double g = Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
            long k = Math.max(-255, Math.min(255, Math.round(g * std * 256)));
            v[i] = k / 256f;
        }
        return new Tensor(s, v);
    }

    private static Tensor norm(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (80 + rng.nextInt(96)) / 128f; // 0.625 .. 1.37, 8 significant bits (exact in BF16)
        }
        return new Tensor(new long[] {n}, v);
    }

    private static void writeSafetensors(Path dir, Map<String, Tensor> w, Storage storage, int shards)
            throws IOException {
        List<String> names = new ArrayList<>(w.keySet());
        if (shards <= 1) {
            writeFile(dir.resolve("model.safetensors"), w, names, storage);
            return;
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", 0);
        ObjectNode map = index.putObject("weight_map");
        int per = (names.size() + shards - 1) / shards;
        for (int s = 0; s < shards; s++) {
            String file = String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
            List<String> part = names.subList(Math.min(names.size(), s * per), Math.min(names.size(), (s + 1) * per));
            writeFile(dir.resolve(file), w, part, storage);
            part.forEach(n -> map.put(n, file));
        }
        Files.writeString(dir.resolve("model.safetensors.index.json"), JSON.writeValueAsString(index));
    }

    private static void writeFile(Path file, Map<String, Tensor> w, List<String> names, Storage storage)
            throws IOException {
        int bytes = storage == Storage.F32 ? 4 : 2;
        String dtype = storage.name();
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (String n : names) {
            Tensor t = w.get(n);
            ObjectNode e = header.putObject(n);
            e.put("dtype", dtype);
            var shape = e.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long len = (long) t.data().length * bytes;
            e.putArray("data_offsets").add(offset).add(offset + len);
            offset += len;
        }
        byte[] h = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length);
            out.write(len.array());
            out.write(h);
            for (String n : names) {
                float[] v = w.get(n).data();
                ByteBuffer b = ByteBuffer.allocate(v.length * bytes).order(ByteOrder.LITTLE_ENDIAN);
                for (float x : v) {
                    switch (storage) {
                        case F32 -> b.putFloat(x);
                        case F16 -> b.putShort(toF16Exact(x));
                        case BF16 -> b.putShort((short) (Float.floatToRawIntBits(x) >>> 16));
                    }
                }
                out.write(b.array());
            }
        }
    }

    /** float16 bits of a value that float16 holds exactly (normal range or zero). */
    static short toF16Exact(float x) {
        int bits = Float.floatToRawIntBits(x);
        int sign = (bits >>> 16) & 0x8000;
        if ((bits & 0x7FFFFFFF) == 0) {
            return (short) sign;
        }
        int exp = ((bits >>> 23) & 0xFF) - 127;
        int mant = bits & 0x7FFFFF;
        if (exp < -14 || exp > 15 || (mant & 0x1FFF) != 0) {
            throw new IllegalArgumentException(x + " is not exactly representable as a normal float16");
        }
        return (short) (sign | ((exp + 15) << 10) | (mant >>> 13));
    }
}
