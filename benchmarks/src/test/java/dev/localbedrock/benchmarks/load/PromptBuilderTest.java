package dev.localbedrock.benchmarks.load;

import dev.localbedrock.benchmarks.checkpoint.BenchCheckpointWriter;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint.Shape;
import dev.localbedrock.engines.tokenizer.HfTextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PromptBuilderTest {
    @TempDir
    Path tmp;

    @Test
    void exactTokenCountsWithARealTokenizer() throws Exception {
        Path dir = BenchCheckpointWriter.write(tmp.resolve("m"), new Shape(32, 1, 2, 2, 64, 32000, 64), true, 0, 2);
        try (HfTextTokenizer tok = HfTextTokenizer.load(dir)) {
            for (int p : new int[] {2, 3, 17, 128, 512}) {
                String prompt = PromptBuilder.build(p, t -> tok.encode(t, true).length);
                assertEquals(p, tok.encode(prompt, true).length, "P = " + p + ": " + prompt);
            }
        }
    }

    @Test
    void exactTokenCountsWithBytesOnly() throws Exception {
        // the 259-token byte tokenizer: one token per byte, so the builder must stop mid-sentence and pad
        Path dir = BenchCheckpointWriter.write(tmp.resolve("b"), Shape.SMOKE, true, 0, 1);
        try (HfTextTokenizer tok = HfTextTokenizer.load(dir)) {
            String prompt = PromptBuilder.build(100, t -> tok.encode(t, true).length);
            assertEquals(100, tok.encode(prompt, true).length);
        }
    }

    @Test
    void refusesImpossibleTargets() {
        assertThrows(IllegalArgumentException.class, () -> PromptBuilder.build(1, t -> 1 + t.length()));
    }
}
