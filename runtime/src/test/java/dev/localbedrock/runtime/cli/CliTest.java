package dev.localbedrock.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command-line contract scripts rely on: generate --json on both engines, build-onnx. */
class CliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path sharedModels() {
        String configured = System.getProperty("shared.models.dir");
        return (configured != null ? Path.of(configured) : Path.of("..", "..", "shared", "models"))
                .toAbsolutePath().normalize();
    }

    private record Run(int exit, String out) {
    }

    private static Run run(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            int exit = Main.commandLine().execute(args);
            return new Run(exit, buffer.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }

    private static JsonNode generate(String model, String engine) throws Exception {
        Run r = run("generate", "--model", model, "--engine", engine, "--prompt-ids", "1,15043,3186",
                "--prompt-ids", "1,450,4996,17354,1701,432", "--max-new-tokens", "10", "--greedy", "--json");
        assertEquals(0, r.exit, r.out);
        return JSON.readTree(r.out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
    }

    @Test
    void generateGivesTheSameGreedyTokensOnBothEnginesAndWithoutTheKvCache() throws Exception {
        String llama = sharedModels().resolve("tiny-random-llama").toString();
        JsonNode pytorch = generate(llama, "pytorch");
        JsonNode onnx = generate(llama, "onnxruntime");
        assertEquals(2, pytorch.get("sequences").size());
        for (int row = 0; row < 2; row++) {
            JsonNode seq = pytorch.get("sequences").get(row);
            assertEquals(10, seq.get("generated_ids").size(), seq.toString());
            assertEquals(seq.get("generated_ids"), onnx.get("sequences").get(row).get("generated_ids"));
            assertTrue(seq.get("text").isTextual());
        }
        Run recompute = run("generate", "--model", llama, "--prompt-ids", "1,15043,3186", "--max-new-tokens", "10",
                "--no-kv-cache", "--json");
        assertEquals(0, recompute.exit);
        JsonNode oracle = JSON.readTree(recompute.out.strip());
        assertEquals(pytorch.get("sequences").get(0).get("generated_ids"),
                oracle.get("sequences").get(0).get("generated_ids"));
    }

    /** GPT-2's 512 positions are below the 2048 default: with no context flag the context follows the model. */
    @Test
    void generateOnAModelWithAShortContextNeedsNoContextFlag() throws Exception {
        String gpt2 = sharedModels().resolve("tiny-random-gpt2").toString();
        for (String engine : new String[] {"pytorch", "onnxruntime"}) {
            Run r = run("generate", "--model", gpt2, "--engine", engine, "--prompt-ids", "98,64,275",
                    "--max-new-tokens", "6", "--greedy", "--json");
            assertEquals(0, r.exit, engine + ": " + r.out);
            JsonNode out = JSON.readTree(r.out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
            assertEquals(6, out.get("sequences").get(0).get("generated_ids").size(), engine + ": " + out);
        }
        assertEquals(1, run("generate", "--model", gpt2, "--max-context-tokens", "1024", "--prompt-ids", "98",
                "--max-new-tokens", "2").exit, "an explicit context above the model's 512 is an error");
    }

    @Test
    void buildOnnxWritesAGraphFromTheHuggingFaceDirectory(@TempDir Path out) {
        Run r = run("build-onnx", "--model", sharedModels().resolve("tiny-random-llama").toString(),
                "--out", out.resolve("graph").toString());
        assertEquals(0, r.exit, r.out);
        assertTrue(Files.isRegularFile(out.resolve("graph").resolve("model.onnx")));
    }

    @Test
    void badArgumentsFailWithAUsageErrorNotAStackTrace() {
        assertEquals(2, run("generate", "--model", "x", "--prompt-ids", "1,a", "--max-new-tokens", "2").exit);
        assertEquals(2, run("generate", "--prompt-ids", "1").exit);
        assertEquals(1, run("generate", "--model", "/nonexistent", "--prompt-ids", "1", "--max-new-tokens", "2").exit);
    }
}
