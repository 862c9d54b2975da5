package dev.localbedrock.benchmarks.gguf;

import dev.localbedrock.benchmarks.checkpoint.BenchCheckpointWriter;
import dev.localbedrock.benchmarks.checkpoint.ByteLevelBpe;
import dev.localbedrock.engines.hf.SafeTensors;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint.Shape;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HfToGgufTest {
    /** 4 query heads over 2 key/value heads of 16, untied head, a 300-token vocabulary. */
    static final Shape SHAPE = new Shape(64, 2, 4, 2, 96, 300, 512);

    @TempDir
    static Path tmp;
    static Path hf;
    static Path gguf;
    static GgufFile file;

    @BeforeAll
    static void convert() throws Exception {
        hf = BenchCheckpointWriter.write(tmp.resolve("hf"), SHAPE, false, 11, 2);
        gguf = tmp.resolve("model.gguf");
        HfToGguf.convert(hf, gguf);
        file = GgufFile.read(gguf);
    }

    @Test
    void headerAndLlamaMetadata() {
        assertEquals(3, file.version());
        assertEquals(32, file.alignment());
        Map<String, Object> m = file.metadata();
        assertEquals("llama", m.get("general.architecture"));
        assertEquals(512L, m.get("llama.context_length"));
        assertEquals(64L, m.get("llama.embedding_length"));
        assertEquals(2L, m.get("llama.block_count"));
        assertEquals(96L, m.get("llama.feed_forward_length"));
        assertEquals(4L, m.get("llama.attention.head_count"));
        assertEquals(2L, m.get("llama.attention.head_count_kv"));
        assertEquals(16L, m.get("llama.rope.dimension_count"));
        assertEquals(10000.0, (double) m.get("llama.rope.freq_base"), 0);
        assertEquals(1e-6, (double) m.get("llama.attention.layer_norm_rms_epsilon"), 1e-12);
        assertEquals(300L, m.get("llama.vocab_size"));
        assertEquals(0L, m.get("general.file_type"));
    }

    @Test
    void tokenizerTablesMatchTheHfTokenizer() {
        Map<String, Object> m = file.metadata();
        assertEquals("gpt2", m.get("tokenizer.ggml.model"));
        assertEquals("gpt-2", m.get("tokenizer.ggml.pre"));
        ByteLevelBpe.Vocabulary v = ByteLevelBpe.build(300);
        assertEquals(v.tokens(), m.get("tokenizer.ggml.tokens"));
        List<?> types = (List<?>) m.get("tokenizer.ggml.token_type");
        assertEquals(300, types.size());
        assertEquals(List.of(3L, 3L, 3L, 1L), types.subList(0, 4), "specials are CONTROL, the rest NORMAL");
        List<?> merges = (List<?>) m.get("tokenizer.ggml.merges");
        assertEquals(300 - 259, merges.size());
        assertEquals(v.merges().get(0)[0] + " " + v.merges().get(0)[1], merges.get(0));
        assertEquals(1L, m.get("tokenizer.ggml.bos_token_id"));
        assertEquals(2L, m.get("tokenizer.ggml.eos_token_id"));
        assertEquals(0L, m.get("tokenizer.ggml.unknown_token_id"));
        assertEquals(true, m.get("tokenizer.ggml.add_bos_token"));
        assertEquals(false, m.get("tokenizer.ggml.add_eos_token"));
    }

    @Test
    void tensorsHaveLlamaCppNamesDimsFastestFirstAndAlignedOffsets() {
        List<String> names = file.tensors().stream().map(GgufFile.Tensor::name).toList();
        assertEquals("token_embd.weight", names.get(0));
        assertTrue(names.containsAll(List.of("blk.0.attn_norm.weight", "blk.0.attn_q.weight", "blk.0.attn_k.weight",
                "blk.0.attn_v.weight", "blk.0.attn_output.weight", "blk.0.ffn_norm.weight", "blk.0.ffn_gate.weight",
                "blk.0.ffn_up.weight", "blk.1.ffn_down.weight", "output_norm.weight", "output.weight")));
        assertEquals(2 + 2 * 9 + 1, names.size());
        assertArrayEquals(new long[] {64, 300}, file.tensor("token_embd.weight").ne());
        assertArrayEquals(new long[] {64, 32}, file.tensor("blk.0.attn_k.weight").ne());
        assertArrayEquals(new long[] {96, 64}, file.tensor("blk.1.ffn_down.weight").ne());
        assertArrayEquals(new long[] {64}, file.tensor("output_norm.weight").ne());
        for (GgufFile.Tensor t : file.tensors()) {
            assertEquals(0, t.offset() % 32, t.name());
            assertEquals(GgufWriter.GGML_TYPE_F32, t.type());
        }
        assertEquals(0, file.dataStart() % 32);
    }

    @Test
    void dataIsTheHfDataWithQAndKPermutedPerHead() throws Exception {
        try (SafeTensors st = SafeTensors.open(hf)) {
            float[] q = st.floats("model.layers.1.self_attn.q_proj.weight");
            float[] k = st.floats("model.layers.1.self_attn.k_proj.weight");
            assertArrayEquals(HfToGguf.permuteRows(q, 64, 64, 4, 16), file.floats("blk.1.attn_q.weight"));
            assertArrayEquals(HfToGguf.permuteRows(k, 32, 64, 2, 16), file.floats("blk.1.attn_k.weight"));
            assertFalse(java.util.Arrays.equals(q, file.floats("blk.1.attn_q.weight")));
            assertArrayEquals(st.floats("model.layers.1.self_attn.v_proj.weight"), file.floats("blk.1.attn_v.weight"));
            assertArrayEquals(st.floats("model.layers.0.mlp.down_proj.weight"), file.floats("blk.0.ffn_down.weight"));
            assertArrayEquals(st.floats("lm_head.weight"), file.floats("output.weight"));
            assertArrayEquals(st.floats("model.embed_tokens.weight"), file.floats("token_embd.weight"));
        }
        long last = file.tensors().stream().mapToLong(t -> t.offset() + t.elements() * 4).max().orElseThrow();
        assertEquals(file.dataStart() + (last + 31) / 32 * 32, Files.size(gguf));
    }

    @Test
    void permutationInterleavesTheTwoRotaryHalves() {
        // one head of 4 rows (one column each): rows 0,1 are the first rotary half, 2,3 the second
        float[] w = {0, 1, 2, 3, 10, 11, 12, 13};
        assertArrayEquals(new float[] {0, 2, 1, 3, 10, 12, 11, 13}, HfToGguf.permuteRows(w, 8, 1, 2, 4));
    }

    @Test
    void tiedCheckpointsHaveNoOutputTensor() throws Exception {
        Path tied = BenchCheckpointWriter.write(tmp.resolve("tied"), new Shape(32, 1, 2, 2, 48, 259, 64), true, 0, 1);
        Path out = tmp.resolve("tied.gguf");
        HfToGguf.convert(tied, out);
        GgufFile g = GgufFile.read(out);
        assertTrue(g.tensors().stream().noneMatch(t -> t.name().equals("output.weight")));
        assertEquals(List.of(), g.metadata().get("tokenizer.ggml.merges"));
    }

    @Test
    void sentencePieceTokenizersAreRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("spm"));
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(hf.resolve(f), dir.resolve(f));
        }
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\":{\"type\":\"BPE\",\"vocab\":{}},"
                + "\"pre_tokenizer\":{\"type\":\"Metaspace\"}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HfToGguf.convert(dir, tmp.resolve("spm.gguf")));
        assertTrue(e.getMessage().contains("byte-level"), e.getMessage());
    }
}
