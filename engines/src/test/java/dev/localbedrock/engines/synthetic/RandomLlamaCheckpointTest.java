package dev.localbedrock.engines.synthetic;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.TextTokenizer;
import dev.localbedrock.engines.hf.HfModelConfig;
import dev.localbedrock.engines.hf.SafeTensors;
import dev.localbedrock.engines.tokenizer.IncrementalDecoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RandomLlamaCheckpointTest {
    private static final List<String> FILES = List.of("config.json", "generation_config.json", "model.safetensors",
            "tokenizer.json", "tokenizer_config.json");

    @TempDir
    Path tmp;

    @Test
    void sameSeedGivesByteIdenticalFiles() throws IOException {
        Path a = RandomLlamaCheckpoint.write(tmp.resolve("a"), RandomLlamaCheckpoint.Shape.SMOKE, 42);
        Path b = RandomLlamaCheckpoint.write(tmp.resolve("b"), RandomLlamaCheckpoint.Shape.SMOKE, 42);
        Path c = RandomLlamaCheckpoint.write(tmp.resolve("c"), RandomLlamaCheckpoint.Shape.SMOKE, 43);
        try (Stream<Path> files = Files.list(a)) {
            assertEquals(FILES, files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        for (String f : FILES) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a.resolve("model.safetensors")),
                Files.readAllBytes(c.resolve("model.safetensors"))));
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(3, left.count(), "no temporary directories are left behind");
        }
    }

    @Test
    void writesTheSmokeShape() throws IOException {
        Path dir = RandomLlamaCheckpoint.write(tmp.resolve("smoke"), RandomLlamaCheckpoint.Shape.SMOKE, 7);
        HfModelConfig c = HfModelConfig.load(dir);
        assertEquals("llama", c.modelType());
        assertEquals(64, c.hiddenSize());
        assertEquals(2, c.numHiddenLayers());
        assertEquals(4, c.numAttentionHeads());
        assertEquals(2, c.numKeyValueHeads());
        assertEquals(172, c.intermediateSize());
        assertEquals(259, c.vocabSize());
        assertEquals(2048, c.maxPositionEmbeddings());
        try (SafeTensors st = SafeTensors.open(dir)) {
            float[] embed = st.floats("model.embed_tokens.weight", 259, 64);
            double sum = 0;
            double sq = 0;
            for (float v : embed) {
                sum += v;
                sq += v * v;
            }
            double mean = sum / embed.length;
            double std = Math.sqrt(sq / embed.length - mean * mean);
            assertEquals(0.0, mean, 0.002);
            assertEquals(0.02, std, 0.001);
            assertArrayEquals(new long[] {32, 64}, st.info("model.layers.1.self_attn.k_proj.weight").shape());
            assertFalse(st.contains("lm_head.weight"), "the head is tied to the embeddings");
        }
    }

    @Test
    void refusesToOverwriteAModel() throws IOException {
        Path dir = RandomLlamaCheckpoint.write(tmp.resolve("m"), RandomLlamaCheckpoint.Shape.SMOKE, 1);
        assertThrows(FileAlreadyExistsException.class,
                () -> RandomLlamaCheckpoint.write(dir, RandomLlamaCheckpoint.Shape.SMOKE, 1));
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        RandomLlamaCheckpoint.write(empty, RandomLlamaCheckpoint.Shape.SMOKE, 1);
        assertTrue(Files.isRegularFile(empty.resolve("config.json")));
    }

    @Test
    void loadsGeneratesAndRoundTripsText() throws IOException {
        Path dir = RandomLlamaCheckpoint.write(tmp.resolve("gen"), RandomLlamaCheckpoint.Shape.SMOKE, 20231128L);
        try (DecoderModel model = DecoderModels.load(dir, EngineKind.PYTORCH, "cpu", EngineOptions.defaults())) {
            TextTokenizer tok = model.tokenizer();
            String text = "Hello, world! 123 ~{}[] tabs\tand\nnewlines";
            int[] ids = tok.encode(text, true);
            assertEquals(RandomLlamaCheckpoint.BOS_ID, ids[0]);
            assertEquals(text.length() + 1, ids.length, "one token per byte plus BOS");
            assertEquals(text, tok.decode(ids));
            assertEquals("é€", tok.decode(tok.encode("é€", false)));

            assertEquals(259, model.info().vocabSize());
            assertTrue(model.info().eosTokenIds().contains(RandomLlamaCheckpoint.EOS_ID));
            IncrementalDecoder detok = new IncrementalDecoder(tok);
            StringBuilder streamed = new StringBuilder();
            int[] generated = new int[16];
            try (SequenceState seq = model.newSequence()) {
                float[] logits = model.forward(List.of(seq), List.of(ids))[0];
                for (int i = 0; i < generated.length; i++) {
                    int next = 0;
                    for (int v = 1; v < logits.length; v++) {
                        next = logits[v] > logits[next] ? v : next;
                    }
                    generated[i] = next;
                    streamed.append(detok.push(next));
                    logits = model.forward(List.of(seq), List.of(new int[] {next}))[0];
                }
                assertEquals(ids.length + generated.length, seq.length());
            }
            streamed.append(detok.flush());
            assertEquals(tok.decode(generated), streamed.toString());
        }
    }

    @Test
    void rejectsShapesTheTokenizerCannotServe() {
        assertThrows(IllegalArgumentException.class, () -> new RandomLlamaCheckpoint.Shape(64, 2, 4, 2, 172, 100, 2048));
        assertThrows(IllegalArgumentException.class, () -> new RandomLlamaCheckpoint.Shape(64, 2, 4, 3, 172, 300, 2048));
    }
}
