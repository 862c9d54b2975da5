package dev.localbedrock.benchmarks;

import dev.localbedrock.benchmarks.gguf.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchToolTest {
    @TempDir
    Path tmp;

    private static int run(StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new BenchTool());
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void writesACustomCheckpointAndItsGguf() throws Exception {
        Path out = tmp.resolve("custom");
        StringWriter err = new StringWriter();
        int code = run(err, "write-checkpoint", "--dim", "64", "--layers", "2", "--heads", "4", "--kv-heads", "2",
                "--hidden-dim", "96", "--vocab", "400", "--ctx", "128", "--out", out.toString(), "--seed", "5",
                "--gguf");
        assertEquals(0, code, err.toString());
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
        GgufFile g = GgufFile.read(out.resolve("model-f32.gguf"));
        assertEquals(2L, g.metadata().get("llama.attention.head_count_kv"));
        assertEquals(128L, g.metadata().get("llama.context_length"));

        Path again = tmp.resolve("again.gguf");
        assertEquals(0, run(err, "gguf", "--model-dir", out.toString(), "--out", again.toString()), err.toString());
        assertEquals(Files.size(out.resolve("model-f32.gguf")), Files.size(again));
    }

    @Test
    void rejectsMixedOrMissingShapes() {
        StringWriter err = new StringWriter();
        assertNotEquals(0, run(err, "write-checkpoint", "--out", tmp.resolve("x").toString()));
        assertNotEquals(0, run(err, "write-checkpoint", "--preset", "tinystories-15m", "--dim", "64", "--out",
                tmp.resolve("y").toString()));
        assertNotEquals(0, run(err, "write-checkpoint", "--preset", "nope", "--out", tmp.resolve("z").toString()));
    }

    @Test
    void measuresTrainingThroughputOnAWrittenCheckpoint() throws Exception {
        Path model = tmp.resolve("small");
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, "write-checkpoint", "--dim", "32", "--layers", "1", "--heads", "2",
                "--hidden-dim", "48", "--vocab", "300", "--ctx", "64", "--out", model.toString()), err.toString());
        Path json = tmp.resolve("training.json");
        assertEquals(0, run(err, "training-throughput", "--model-dir", model.toString(), "--batch", "2",
                "--seq-tokens", "16", "--prompt-tokens", "4", "--warmup-steps", "1", "--steps", "2",
                "--threads", "1", "--json", json.toString()), err.toString());
        var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
        assertEquals(2, doc.path("runs").size(), "LoRA and full");
        for (var r : doc.path("runs")) {
            assertEquals(2, r.path("measured_steps").asInt());
            assertEquals(2 * 2 * 16, r.path("tokens").asLong(), "every token of the measured batches");
            assertTrue(r.path("tokens_per_second").asDouble() > 0);
        }
        assertTrue(doc.path("runs").get(0).path("trainable_parameters").asLong()
                < doc.path("runs").get(1).path("trainable_parameters").asLong(), "LoRA trains fewer weights");
    }

    @Test
    void everyCommandHasHelp() {
        for (String c : new String[] {"write-checkpoint", "gguf", "load", "llamacpp", "bandwidth", "training-throughput",
            "training-interference"}) {
            StringWriter out = new StringWriter();
            CommandLine cl = new CommandLine(new BenchTool());
            cl.setOut(new PrintWriter(out));
            assertEquals(0, cl.execute(c, "--help"), c);
            assertTrue(out.toString().contains("Usage"), c);
        }
    }
}
