package dev.localbedrock.benchmarks.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.engines.hf.DType;
import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.SafeTensors;
import dev.localbedrock.engines.hf.TensorInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts a Hugging Face Llama checkpoint directory (float32/float16/bfloat16 safetensors, a byte-level BPE
 * {@code tokenizer.json}) into an all-F32 GGUF v3 file that llama.cpp loads as architecture {@code llama}, the way
 * llama.cpp's {@code convert_hf_to_gguf.py} does for {@code LlamaForCausalLM}:
 *
 * <ul>
 *   <li>metadata {@code general.architecture = llama} and the {@code llama.*} hyper-parameters (context, embedding,
 *       block count, feed-forward, head counts, rope dimension and base, RMS epsilon, vocabulary size);</li>
 *   <li>tokenizer {@code tokenizer.ggml.model = gpt2}, {@code pre = gpt-2} (the GPT-2 split regex, which is what HF's
 *       ByteLevel pre-tokenizer applies), tokens, token types (specials CONTROL, the rest NORMAL, padding UNUSED),
 *       merges ({@code "left right"}), BOS/EOS/UNK ids and add-BOS/EOS flags;</li>
 *   <li>tensors under llama.cpp's names ({@code token_embd}, {@code blk.N.attn_norm|attn_q|attn_k|attn_v|attn_output|
 *       ffn_norm|ffn_gate|ffn_up|ffn_down}, {@code output_norm}, {@code output} when the head is not tied), dims
 *       listed fastest-first, 32-byte aligned;</li>
 *   <li>Q and K rows permuted from HF's rotate-half layout to llama.cpp's interleaved-pair rotary layout: within each
 *       head (of {@code n_head} for Q, {@code n_head_kv} for K), new row {@code 2i + s} is old row
 *       {@code s·head_dim/2 + i}.</li>
 * </ul>
 *
 * Tensors are streamed (a Q/K head or a 4 MiB chunk at a time), so a 1.1B checkpoint converts in little heap.
 */
public final class HfToGguf {
    public static final int TOKEN_NORMAL = 1;
    public static final int TOKEN_CONTROL = 3;
    public static final int TOKEN_USER_DEFINED = 4;
    public static final int TOKEN_UNUSED = 5;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK_BYTES = 4 << 20;

    private HfToGguf() {
    }

    /** Converts {@code hfDir} into {@code ggufFile} (replaced atomically), with the Q/K rotary permutation. */
    public static void convert(Path hfDir, Path ggufFile) throws IOException {
        convert(hfDir, ggufFile, true);
    }

    /**
     * As {@link #convert(Path, Path)}; {@code permuteQk = false} skips the rotary permutation, which gives a file that
     * loads but computes a different model (a negative control for agreement tests).
     */
    public static void convert(Path hfDir, Path ggufFile, boolean permuteQk) throws IOException {
        HfModelConfig c = HfModelConfig.load(hfDir);
        if (!c.modelType().equals("llama") && !c.modelType().equals("mistral")) {
            throw new IllegalArgumentException("only Llama-architecture checkpoints convert (model_type "
                    + c.modelType() + ")");
        }
        if (c.ropeScaling() != null) {
            throw new IllegalArgumentException("rope_scaling is not supported by this converter");
        }
        Vocab vocab = readVocab(hfDir.resolve("tokenizer.json"), c.vocabSize());

        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "llama");
        w.putString("general.name", hfDir.toAbsolutePath().normalize().getFileName().toString());
        w.putU32("general.alignment", GgufWriter.ALIGNMENT);
        w.putU32("general.file_type", 0); // ALL_F32
        w.putU32("llama.vocab_size", c.vocabSize());
        w.putU32("llama.context_length", c.maxPositionEmbeddings());
        w.putU32("llama.embedding_length", c.hiddenSize());
        w.putU32("llama.block_count", c.numHiddenLayers());
        w.putU32("llama.feed_forward_length", c.intermediateSize());
        w.putU32("llama.attention.head_count", c.numAttentionHeads());
        w.putU32("llama.attention.head_count_kv", c.numKeyValueHeads());
        w.putU32("llama.rope.dimension_count", c.headDim());
        if (c.headDim() * c.numAttentionHeads() != c.hiddenSize()) {
            w.putU32("llama.attention.key_length", c.headDim());
            w.putU32("llama.attention.value_length", c.headDim());
        }
        w.putF32("llama.rope.freq_base", (float) c.ropeTheta());
        w.putF32("llama.attention.layer_norm_rms_epsilon", (float) c.rmsNormEps());
        w.putString("tokenizer.ggml.model", "gpt2");
        w.putString("tokenizer.ggml.pre", "gpt-2");
        w.putStrings("tokenizer.ggml.tokens", vocab.tokens());
        w.putI32s("tokenizer.ggml.token_type", vocab.types());
        w.putStrings("tokenizer.ggml.merges", vocab.merges());
        if (c.bosTokenId() >= 0) {
            w.putU32("tokenizer.ggml.bos_token_id", c.bosTokenId());
        }
        if (!c.eosTokenIds().isEmpty()) {
            w.putU32("tokenizer.ggml.eos_token_id", c.eosTokenIds().get(0));
        }
        if (vocab.unkId() >= 0) {
            w.putU32("tokenizer.ggml.unknown_token_id", vocab.unkId());
        }
        if (c.padTokenId() >= 0) {
            w.putU32("tokenizer.ggml.padding_token_id", c.padTokenId());
        }
        boolean addBos = c.addBosToken() == null ? c.bosTokenId() >= 0 : c.addBosToken();
        w.putBool("tokenizer.ggml.add_bos_token", addBos);
        w.putBool("tokenizer.ggml.add_eos_token", c.addEosToken());

        try (SafeTensors st = SafeTensors.open(hfDir)) {
            Map<String, Source> sources = new LinkedHashMap<>();
            int hd = c.headDim();
            map(w, st, sources, "model.embed_tokens.weight", "token_embd.weight", 0, 0);
            for (int l = 0; l < c.numHiddenLayers(); l++) {
                String p = "model.layers." + l + ".";
                String b = "blk." + l + ".";
                map(w, st, sources, p + "input_layernorm.weight", b + "attn_norm.weight", 0, 0);
                map(w, st, sources, p + "self_attn.q_proj.weight", b + "attn_q.weight",
                        permuteQk ? c.numAttentionHeads() : 0, hd);
                map(w, st, sources, p + "self_attn.k_proj.weight", b + "attn_k.weight",
                        permuteQk ? c.numKeyValueHeads() : 0, hd);
                map(w, st, sources, p + "self_attn.v_proj.weight", b + "attn_v.weight", 0, 0);
                map(w, st, sources, p + "self_attn.o_proj.weight", b + "attn_output.weight", 0, 0);
                map(w, st, sources, p + "post_attention_layernorm.weight", b + "ffn_norm.weight", 0, 0);
                map(w, st, sources, p + "mlp.gate_proj.weight", b + "ffn_gate.weight", 0, 0);
                map(w, st, sources, p + "mlp.up_proj.weight", b + "ffn_up.weight", 0, 0);
                map(w, st, sources, p + "mlp.down_proj.weight", b + "ffn_down.weight", 0, 0);
            }
            map(w, st, sources, "model.norm.weight", "output_norm.weight", 0, 0);
            if (!c.tieWordEmbeddings() && st.contains("lm_head.weight")) {
                map(w, st, sources, "lm_head.weight", "output.weight", 0, 0);
            }
            Path parent = ggufFile.toAbsolutePath().normalize().getParent();
            Files.createDirectories(parent);
            Path tmp = parent.resolve("." + ggufFile.getFileName() + ".tmp");
            try {
                w.write(tmp, (tensor, sink) -> sources.get(tensor.name()).copy(st, sink));
                Files.move(tmp, ggufFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Where a GGUF tensor's bytes come from: an HF tensor, optionally with Q/K rows permuted per head. */
    private record Source(TensorInfo hf, int permuteHeads, int headDim) {
        void copy(SafeTensors st, GgufWriter.TensorSink sink) throws IOException {
            long[] shape = hf.shape();
            if (hf.dtype() != DType.F32) {
                float[] f = st.floats(hf.name());
                if (permuteHeads > 0) {
                    f = permuteRows(f, (int) shape[0], (int) shape[1], permuteHeads, headDim);
                }
                ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(f);
                sink.write(b);
                return;
            }
            try (FileChannel ch = FileChannel.open(hf.file(), StandardOpenOption.READ)) {
                if (permuteHeads == 0) {
                    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, Math.max(1, hf.byteLength())));
                    for (long done = 0; done < hf.byteLength(); ) {
                        buf.clear();
                        buf.limit((int) Math.min(buf.capacity(), hf.byteLength() - done));
                        readFully(ch, buf, hf.offset() + done);
                        done += buf.position();
                        buf.flip();
                        sink.write(buf);
                    }
                    return;
                }
                long rows = shape[0];
                long rowBytes = shape[1] * 4;
                if (rows != (long) permuteHeads * headDim) {
                    throw new IllegalArgumentException(hf.name() + " has " + rows + " rows, expected "
                            + permuteHeads + " heads × " + headDim);
                }
                int headBytes = Math.toIntExact(headDim * rowBytes);
                ByteBuffer in = ByteBuffer.allocate(headBytes);
                ByteBuffer out = ByteBuffer.allocate(headBytes);
                int half = headDim / 2;
                for (int h = 0; h < permuteHeads; h++) {
                    in.clear();
                    readFully(ch, in, hf.offset() + (long) h * headBytes);
                    out.clear();
                    for (int nr = 0; nr < headDim; nr++) {
                        int i = nr / 2;
                        int s = nr % 2;
                        int old = s * half + i;
                        out.put(in.array(), (int) (old * rowBytes), (int) rowBytes);
                    }
                    out.flip();
                    sink.write(out);
                }
            }
        }
    }

    /** The llama.cpp rotary permutation of a row-major [rows, cols] matrix (for tests and non-F32 sources). */
    public static float[] permuteRows(float[] w, int rows, int cols, int heads, int headDim) {
        if (rows != heads * headDim) {
            throw new IllegalArgumentException(rows + " rows are not " + heads + " heads × " + headDim);
        }
        float[] out = new float[w.length];
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            for (int nr = 0; nr < headDim; nr++) {
                int old = (nr % 2) * half + nr / 2;
                System.arraycopy(w, (h * headDim + old) * cols, out, (h * headDim + nr) * cols, cols);
            }
        }
        return out;
    }

    private static void map(GgufWriter w, SafeTensors st, Map<String, Source> sources, String hfName,
                            String ggufName, int permuteHeads, int headDim) {
        TensorInfo t = st.info(hfName);
        if (!t.dtype().convertibleToF32()) {
            throw new IllegalArgumentException(hfName + " has dtype " + t.dtype() + ", which does not convert to F32");
        }
        w.addTensor(ggufName, t.shape());
        sources.put(ggufName, new Source(t, permuteHeads, headDim));
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            int n = ch.read(b, p);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            p += n;
        }
    }

    /** Tokenizer tables for GGUF. */
    record Vocab(List<String> tokens, int[] types, List<String> merges, int unkId) {
    }

    /**
     * Reads a byte-level BPE {@code tokenizer.json}: vocabulary by id (padded with {@code [PADn]} UNUSED entries up to
     * the model's vocabulary size), added tokens as CONTROL (special) or USER_DEFINED, merges as {@code "a b"}.
     */
    static Vocab readVocab(Path tokenizerJson, int vocabSize) throws IOException {
        JsonNode t = JSON.readTree(tokenizerJson.toFile());
        JsonNode model = t.path("model");
        if (!"BPE".equals(model.path("type").asText())) {
            throw new IllegalArgumentException("only BPE tokenizers convert (model.type "
                    + model.path("type").asText() + ")");
        }
        if (!"ByteLevel".equals(t.path("pre_tokenizer").path("type").asText())) {
            throw new IllegalArgumentException("only byte-level BPE tokenizers convert to tokenizer.ggml.model gpt2"
                    + " (pre_tokenizer " + t.path("pre_tokenizer").path("type").asText() + "); SentencePiece-style"
                    + " Llama tokenizers need the llama tokenizer model, which this converter does not write");
        }
        Map<Integer, String> byId = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = model.path("vocab").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            byId.put(e.getValue().asInt(), e.getKey());
        }
        Map<Integer, Integer> addedTypes = new HashMap<>();
        for (JsonNode a : t.path("added_tokens")) {
            int id = a.path("id").asInt();
            byId.put(id, a.path("content").asText());
            addedTypes.put(id, a.path("special").asBoolean(false) ? TOKEN_CONTROL : TOKEN_USER_DEFINED);
        }
        int n = Math.max(vocabSize, byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1);
        if (n != vocabSize) {
            throw new IllegalArgumentException("tokenizer has ids up to " + (n - 1) + " but the model's vocab_size is "
                    + vocabSize);
        }
        List<String> tokens = new ArrayList<>(n);
        int[] types = new int[n];
        for (int id = 0; id < n; id++) {
            String s = byId.get(id);
            if (s == null) {
                tokens.add("[PAD" + id + "]");
                types[id] = TOKEN_UNUSED;
            } else {
                tokens.add(s);
                types[id] = addedTypes.getOrDefault(id, TOKEN_NORMAL);
            }
        }
        List<String> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            if (m.isArray()) {
                merges.add(m.get(0).asText() + " " + m.get(1).asText());
            } else {
                merges.add(m.asText());
            }
        }
        String unk = model.path("unk_token").isTextual() ? model.path("unk_token").asText() : null;
        int unkId = -1;
        if (unk != null) {
            unkId = tokens.indexOf(unk);
        }
        return new Vocab(tokens, types, merges, unkId);
    }
}
