package dev.localbedrock.benchmarks.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.engines.hf.SafeTensors;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint.Shape;
import dev.localbedrock.engines.tokenizer.HfTextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCheckpointWriterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void weightsAreByteIdenticalToRandomLlamaCheckpoint() throws Exception {
        Path ours = BenchCheckpointWriter.write(tmp.resolve("ours"), Shape.SMOKE, true, 7, 3);
        Path theirs = RandomLlamaCheckpoint.write(tmp.resolve("theirs"), Shape.SMOKE, 7);
        assertArrayEquals(Files.readAllBytes(theirs.resolve("model.safetensors")),
                Files.readAllBytes(ours.resolve("model.safetensors")));
        // same tokenizer too, for the 259-token byte vocabulary
        assertEquals(JSON.readTree(theirs.resolve("tokenizer.json").toFile()),
                JSON.readTree(ours.resolve("tokenizer.json").toFile()));
    }

    @Test
    void outputDoesNotDependOnThreadsAndSeedsDiffer() throws Exception {
        Shape s = new Shape(48, 2, 4, 2, 80, 600, 128);
        Path a = BenchCheckpointWriter.write(tmp.resolve("a"), s, false, 3, 1);
        Path b = BenchCheckpointWriter.write(tmp.resolve("b"), s, false, 3, 4);
        Path c = BenchCheckpointWriter.write(tmp.resolve("c"), s, false, 4, 2);
        for (String f : new String[] {"model.safetensors", "tokenizer.json", "config.json"}) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
        assertFalse(Arrays.equals(Files.readAllBytes(a.resolve("model.safetensors")),
                Files.readAllBytes(c.resolve("model.safetensors"))));
    }

    @Test
    void untiedCheckpointsHaveTheirOwnHeadAndTheRightShapes() throws Exception {
        Shape s = new Shape(64, 2, 4, 2, 96, 700, 256);
        Path dir = BenchCheckpointWriter.write(tmp.resolve("m"), s, false, 1, 2);
        JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
        assertFalse(config.get("tie_word_embeddings").asBoolean());
        assertEquals(700, config.get("vocab_size").asInt());
        try (SafeTensors st = SafeTensors.open(dir)) {
            st.info("lm_head.weight").requireShape(700, 64);
            st.info("model.layers.1.self_attn.k_proj.weight").requireShape(32, 64);
            st.info("model.layers.0.mlp.down_proj.weight").requireShape(64, 96);
            float[] norm = st.floats("model.norm.weight");
            for (float f : norm) {
                assertEquals(1f, f);
            }
            float[] emb = st.floats("model.embed_tokens.weight");
            double sq = 0;
            for (float f : emb) {
                sq += f * f;
            }
            assertEquals(0.02, Math.sqrt(sq / emb.length), 0.002);
            assertFalse(Arrays.equals(emb, st.floats("lm_head.weight")));
        }
        assertEquals(BenchCheckpointWriter.parameterCount(s, false),
                (Files.size(dir.resolve("model.safetensors")) - 8 - headerLength(dir)) / 4);
    }

    @Test
    void tokenizerLoadsInHuggingFaceTokenizersAndRoundTrips() throws Exception {
        Path dir = BenchCheckpointWriter.write(tmp.resolve("t"), new Shape(32, 1, 2, 2, 64, 4000, 64), true, 0, 2);
        try (HfTextTokenizer tok = HfTextTokenizer.load(dir)) {
            String text = "Once upon a time, there was a little girl named Lily. She liked 3 red balls! ÿ日本\n";
            int[] ids = tok.encode(text, true);
            assertEquals(1, ids[0], "BOS first");
            assertEquals(text, tok.decode(ids));
            assertTrue(ids.length < text.length() / 2, "English compresses: " + ids.length + " tokens");
            for (int id : ids) {
                assertTrue(id >= 0 && id < 4000);
            }
        }
    }

    @Test
    void presetsHaveTheirPublishedSizes() {
        assertEquals(15_191_712, BenchCheckpointWriter.parameterCount(CheckpointPreset.TINYSTORIES_15M.shape(), true));
        assertEquals(1_100_048_384L, BenchCheckpointWriter.parameterCount(CheckpointPreset.TINYLLAMA_1_1B.shape(),
                false));
        assertEquals(CheckpointPreset.TINYSTORIES_110M, CheckpointPreset.parse("TinyStories-110M"));
        assertEquals(4, CheckpointPreset.TINYLLAMA_1_1B.shape().kvHeads());
        assertThrows(IllegalArgumentException.class, () -> CheckpointPreset.parse("llama-70b"));
    }

    @Test
    void refusesToOverwrite() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(dir.resolve("x"), "x");
        assertThrows(FileAlreadyExistsException.class,
                () -> BenchCheckpointWriter.write(dir, Shape.SMOKE, true, 0, 1));
    }

    private static long headerLength(Path dir) throws Exception {
        byte[] b = Files.readAllBytes(dir.resolve("model.safetensors"));
        return java.nio.ByteBuffer.wrap(b, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }
}
