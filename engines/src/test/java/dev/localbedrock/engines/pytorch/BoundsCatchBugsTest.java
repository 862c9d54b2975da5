package dev.localbedrock.engines.pytorch;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.numerics.F32Bounds;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mutation checks for {@link F32Bounds}: bounds derived from float32 rounding are only worth having if they still
 * reject the bugs the numerics tests exist for. On both engines, the same bound that accepts the real logits must
 * reject (a) a decode step rotated at the wrong RoPE position and (b) a decode step that reads the wrong KV history
 * (a neighbour's slot, or its own history shifted by one token). The checkpoint is {@link TestCheckpoints}' Llama,
 * whose sharp attention makes positions and history visible in the logits.
 */
class BoundsCatchBugsTest {
    private static final int LENGTH = 24;
    /** The first decode position checked: early enough to be cheap, late enough that there is history to rotate. */
    private static final int FIRST_CHECKED = 8;

    @TempDir
    Path tmp;

    /** ONNX Runtime builds the graph from the checkpoint: the standard variant, as head_dim 8 rules out GQA's. */
    private DecoderModel load(Path dir, EngineKind engine) {
        EngineOptions options = new EngineOptions(64, 1, 6 * 64);
        return DecoderModels.load(dir, engine, "cpu", engine == EngineKind.PYTORCH ? options
                : options.withOnnxCacheDir(tmp.resolve("onnx-cache")).withOnnxVariant("standard"));
    }

    /** (a) A wrong RoPE offset: logits of the newest token computed at position p+1 (or p−1) instead of p. */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void aWrongRopePositionFailsTheBoundTheEnginePasses(EngineKind engine) throws IOException {
        Path dir = TestCheckpoints.write(tmp.resolve("llama"), "llama", 42, c -> { });
        int[] ids = DecoderChecks.randomIds(new Random(11), LENGTH, TestCheckpoints.VOCAB);
        F32Bounds.Bound bound = F32Bounds.againstExact("mutation: rope offset", F32Bounds.Shape.of(dir, LENGTH));
        try (ReferenceDecoder ref = new ReferenceDecoder(dir); DecoderModel m = load(dir, engine);
             SequenceState seq = m.newSequence()) {
            for (int p = 0; p < LENGTH; p++) {
                float[] actual = m.forward(List.of(seq), List.of(new int[] {ids[p]}))[0];
                if (p < FIRST_CHECKED) {
                    continue;
                }
                int[] prefix = Arrays.copyOf(ids, p + 1);
                double[] right = ref.logits(prefix)[p];
                assertTrue(bound.accepts(right, actual), engine + " position " + p + ": the engine itself");
                for (int shift : new int[] {1, -1}) {
                    double[] wrong = ref.logits(prefix, shift)[p];
                    assertFalse(bound.accepts(wrong, actual), engine + " position " + p + ": rotated at p"
                            + (shift > 0 ? "+" : "") + shift + " passes the bound " + bound.limit(wrong));
                }
            }
        }
    }

    /** (b) A KV slot off by one: the decode step reads a neighbour's slot, or its own history one token shifted. */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void aKvSlotOffByOneFailsTheBoundTheEnginePasses(EngineKind engine) throws IOException {
        Path dir = TestCheckpoints.write(tmp.resolve("llama"), "llama", 42, c -> { });
        Random rng = new Random(5);
        int[] a = DecoderChecks.randomIds(rng, 12, TestCheckpoints.VOCAB);
        int[] b = DecoderChecks.randomIds(rng, 12, TestCheckpoints.VOCAB);
        int[] c = DecoderChecks.randomIds(rng, 12, TestCheckpoints.VOCAB);
        int[] next = DecoderChecks.randomIds(rng, 3, TestCheckpoints.VOCAB);
        F32Bounds.Bound bound = F32Bounds.betweenF32("mutation: kv slot", F32Bounds.Shape.of(dir, 16));
        try (DecoderModel m = load(dir, engine)) {
            float[][] batched;
            try (SequenceState sa = m.newSequence(); SequenceState sb = m.newSequence();
                 SequenceState sc = m.newSequence()) {
                m.forward(List.of(sa, sb, sc), List.of(a, b, c));
                batched = m.forward(List.of(sa, sb, sc), List.of(new int[] {next[0]}, new int[] {next[1]},
                        new int[] {next[2]}));
            }
            int[][] histories = {a, b, c};
            for (int r = 0; r < 3; r++) {
                float[] alone = DecoderChecks.recompute(m, Greedy.append(histories[r], next[r]));
                assertTrue(bound.accepts(alone, batched[r]), engine + " row " + r + ": the engine itself");
                // the row's token on the next row's slot
                float[] neighbour = DecoderChecks.recompute(m, Greedy.append(histories[(r + 1) % 3], next[r]));
                assertFalse(bound.accepts(alone, neighbour), engine + " row " + r + ": a neighbour's slot passes");
                // its own slot read one token late: the history starts at its second token
                float[] shifted = DecoderChecks.recompute(m, Greedy.append(
                        Arrays.copyOfRange(histories[r], 1, histories[r].length), next[r]));
                assertFalse(bound.accepts(alone, shifted), engine + " row " + r + ": a shifted history passes");
            }
        }
    }
}
