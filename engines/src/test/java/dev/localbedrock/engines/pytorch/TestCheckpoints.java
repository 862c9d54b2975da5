package dev.localbedrock.engines.pytorch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.engines.hf.HalfFloats;
import dev.localbedrock.engines.hf.SafeTensorsWriter;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Small random Llama-family checkpoints for architecture tests: {@link RandomLlamaCheckpoint} supplies the byte-level
 * tokenizer and the config skeleton, then the config is edited ({@code model_type}, {@code rope_scaling}, ...) and the
 * weights replaced with ones that exercise what the engine folds and fuses: non-unit norm weights, an untied head,
 * Q/K/V biases when the architecture has them, and Q/K weights large enough that attention is sharp, so positions
 * (RoPE scaling, windows) visibly change the logits.
 */
final class TestCheckpoints {
    static final int HIDDEN = 32;
    static final int LAYERS = 2;
    static final int HEADS = 4;
    static final int KV_HEADS = 2;
    static final int INTERMEDIATE = 48;
    static final int VOCAB = RandomLlamaCheckpoint.BYTE_VOCAB;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** How the weights are stored; values are rounded to the type's precision so an F32 twin can hold them exactly. */
    enum Storage { F32, F16, BF16, F32_ROUNDED_TO_F16, F32_ROUNDED_TO_BF16 }

    private TestCheckpoints() {
    }

    /** A float32 checkpoint of {@code modelType} with {@code edit} applied to its {@code config.json}. */
    static Path write(Path dir, String modelType, long seed, Consumer<ObjectNode> edit) throws IOException {
        return write(dir, modelType, seed, edit, Storage.F32);
    }

    static Path write(Path dir, String modelType, long seed, Consumer<ObjectNode> edit, Storage storage)
            throws IOException {
        RandomLlamaCheckpoint.write(dir, new RandomLlamaCheckpoint.Shape(HIDDEN, LAYERS, HEADS, KV_HEADS, INTERMEDIATE,
                VOCAB, 2048), seed);
        Path configFile = dir.resolve("config.json");
        ObjectNode config = (ObjectNode) JSON.readTree(configFile.toFile());
        config.put("model_type", modelType);
        config.put("tie_word_embeddings", false);
        config.remove("architectures");
        edit.accept(config);
        Files.writeString(configFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
        boolean qkvBias = modelType.equals("qwen2") || config.path("attention_bias").asBoolean(false);

        Map<String, SafeTensorsWriter.Tensor> w = new LinkedHashMap<>();
        int hd = HIDDEN / HEADS;
        int q = HEADS * hd;
        int kv = KV_HEADS * hd;
        SplittableRandom rng = new SplittableRandom(seed);
        w.put("model.embed_tokens.weight", normal(rng, 1.0, 0, VOCAB, HIDDEN));
        w.put("lm_head.weight", normal(rng, 0.2, 0, VOCAB, HIDDEN));
        w.put("model.norm.weight", normal(rng, 0.1, 1, HIDDEN));
        for (int l = 0; l < LAYERS; l++) {
            String p = "model.layers." + l + ".";
            w.put(p + "input_layernorm.weight", normal(rng, 0.1, 1, HIDDEN));
            w.put(p + "post_attention_layernorm.weight", normal(rng, 0.1, 1, HIDDEN));
            w.put(p + "self_attn.q_proj.weight", normal(rng, 0.35, 0, q, HIDDEN));
            w.put(p + "self_attn.k_proj.weight", normal(rng, 0.35, 0, kv, HIDDEN));
            w.put(p + "self_attn.v_proj.weight", normal(rng, 0.2, 0, kv, HIDDEN));
            w.put(p + "self_attn.o_proj.weight", normal(rng, 0.2, 0, HIDDEN, q));
            if (qkvBias) {
                w.put(p + "self_attn.q_proj.bias", normal(rng, 0.5, 0, q));
                w.put(p + "self_attn.k_proj.bias", normal(rng, 0.5, 0, kv));
                w.put(p + "self_attn.v_proj.bias", normal(rng, 0.5, 0, kv));
            }
            if (config.path("attention_bias").asBoolean(false)) {
                w.put(p + "self_attn.o_proj.bias", normal(rng, 0.5, 0, HIDDEN));
            }
            w.put(p + "mlp.gate_proj.weight", normal(rng, 0.2, 0, INTERMEDIATE, HIDDEN));
            w.put(p + "mlp.up_proj.weight", normal(rng, 0.2, 0, INTERMEDIATE, HIDDEN));
            w.put(p + "mlp.down_proj.weight", normal(rng, 0.2, 0, HIDDEN, INTERMEDIATE));
        }
        Path file = dir.resolve("model.safetensors");
        switch (storage) {
            case F32 -> SafeTensorsWriter.write(file, w);
            case F16, BF16 -> writeHalf(file, w, storage == Storage.BF16);
            case F32_ROUNDED_TO_F16, F32_ROUNDED_TO_BF16 -> {
                boolean bf16 = storage == Storage.F32_ROUNDED_TO_BF16;
                Map<String, SafeTensorsWriter.Tensor> rounded = new LinkedHashMap<>();
                w.forEach((name, t) -> {
                    float[] v = t.data().clone();
                    for (int i = 0; i < v.length; i++) {
                        short bits = bf16 ? toBf16(v[i]) : toF16(v[i]);
                        v[i] = bf16 ? HalfFloats.bf16ToF32(bits) : HalfFloats.f16ToF32(bits);
                    }
                    rounded.put(name, new SafeTensorsWriter.Tensor(t.shape(), v));
                });
                SafeTensorsWriter.write(file, rounded);
            }
            default -> throw new AssertionError(storage);
        }
        return dir;
    }

    /** Replaces one tensor of a float32 checkpoint (to provoke shape and name errors). */
    static void rewrite(Path dir, Consumer<Map<String, SafeTensorsWriter.Tensor>> edit) throws IOException {
        Map<String, SafeTensorsWriter.Tensor> all = new TreeMap<>();
        try (var st = dev.localbedrock.engines.hf.SafeTensors.open(dir)) {
            for (String name : st.names()) {
                all.put(name, new SafeTensorsWriter.Tensor(st.info(name).shape(), st.floats(name)));
            }
        }
        edit.accept(all);
        SafeTensorsWriter.write(dir.resolve("model.safetensors"), all);
    }

    private static SafeTensorsWriter.Tensor normal(SplittableRandom rng, double std, double mean, int... shape) {
        long[] s = Arrays.stream(shape).asLongStream().toArray();
        float[] v = new float[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < v.length; i++) {
            double u1 = 1.0 - rng.nextDouble();
            double u2 = rng.nextDouble();
            v[i] = (float) (mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return new SafeTensorsWriter.Tensor(s, v);
    }

    /** float32 to IEEE binary16 by truncation (the values here are normal and small). */
    static short toF16(float f) {
        int b = Float.floatToIntBits(f);
        int sign = (b >>> 16) & 0x8000;
        int exp = ((b >>> 23) & 0xff) - 127 + 15;
        int mant = b & 0x7fffff;
        if (exp <= 0) {
            return (short) sign;
        }
        if (exp >= 31) {
            return (short) (sign | 0x7c00);
        }
        return (short) (sign | exp << 10 | mant >>> 13);
    }

    /** float32 to bfloat16 by truncation. */
    static short toBf16(float f) {
        return (short) (Float.floatToIntBits(f) >>> 16);
    }

    /** A safetensors file of F16 or BF16 tensors (same layout rules as {@link SafeTensorsWriter}). */
    private static void writeHalf(Path file, Map<String, SafeTensorsWriter.Tensor> tensors, boolean bf16)
            throws IOException {
        Map<String, SafeTensorsWriter.Tensor> sorted = new TreeMap<>(tensors);
        ObjectNode root = JSON.createObjectNode();
        root.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, SafeTensorsWriter.Tensor> e : sorted.entrySet()) {
            ObjectNode entry = root.putObject(e.getKey());
            entry.put("dtype", bf16 ? "BF16" : "F16");
            ArrayNode shape = entry.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            long end = offset + 2L * e.getValue().data().length;
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = JSON.writeValueAsBytes(root);
        int padded = (json.length + 7) & ~7;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        ByteBuffer data = ByteBuffer.allocate((int) offset).order(ByteOrder.LITTLE_ENDIAN);
        for (SafeTensorsWriter.Tensor t : sorted.values()) {
            for (float v : t.data()) {
                data.putShort(bf16 ? toBf16(v) : toF16(v));
            }
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
            out.write(data.array());
        }
    }
}
