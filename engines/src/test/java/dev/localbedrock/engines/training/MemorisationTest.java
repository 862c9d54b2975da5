package dev.localbedrock.engines.training;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint;
import dev.localbedrock.engines.tokenizer.HfTextTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training really changes the model the serving engines run. On the runtime's smoke-shaped random Llama and 24 prompt
 * → answer pairs (3 random letters plus EOS, prompts distinct in a letter): full fine-tuning memorises every answer,
 * and the written checkpoint, loaded by both serving engines, greedy-decodes each one exactly where the base model
 * decodes none; LoRA lowers the loss past a stated threshold, its merged checkpoint has exactly the trained loss and
 * both engines decode it identically.
 *
 * <p>LoRA cannot memorise on this model within a test's budget: the output head is the frozen, tied embedding table
 * (rows of norm {@code 0.02 · √64 = 0.16}) applied to the final RMSNorm's output (norm {@code √64 = 8}, its weight
 * frozen at 1), so no logit exceeds about {@code 1.3} while 258 others stay near 0; the best achievable mean loss is
 * about {@code ln(258 + e^1.3) − 1.3 ≈ 4.3} against {@code ln 259 ≈ 5.58} at the start, and the weak gradients through
 * the random attention make telling prompts apart slow (measured: 0-2 of 24 answers after 100 epochs).
 */
class MemorisationTest {
    private static final int PAIRS = 24;
    /** Between the start (≈ 5.58) and the floor (≈ 4.3) explained above; 40 epochs reach about 4.98. */
    private static final double LORA_LOSS_THRESHOLD = 5.1;

    @TempDir
    static Path tmp;
    static Path base;
    static HfTextTokenizer tokenizer;
    static List<TrainingSequence> data = new ArrayList<>();
    static List<int[]> prompts = new ArrayList<>();
    static List<int[]> answers = new ArrayList<>();

    @BeforeAll
    static void writeModelAndData() throws IOException {
        base = RandomLlamaCheckpoint.write(tmp.resolve("base"), RandomLlamaCheckpoint.Shape.SMOKE, 20240601L);
        tokenizer = HfTextTokenizer.load(base);
        SplittableRandom rnd = new SplittableRandom(77);
        Set<String> seen = new LinkedHashSet<>();
        while (seen.size() < PAIRS) {
            StringBuilder a = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                a.append((char) ('a' + rnd.nextInt(26)));
            }
            seen.add(a.toString());
        }
        int i = 0;
        for (String answer : seen) {
            int[] prompt = concat(new int[] {RandomLlamaCheckpoint.BOS_ID}, tokenizer.encode("Q" + (char) ('A' + i++) + ":", false));
            int[] out = concat(tokenizer.encode(answer, false), new int[] {RandomLlamaCheckpoint.EOS_ID});
            prompts.add(prompt);
            answers.add(out);
            data.add(new TrainingSequence(concat(prompt, out), prompt.length));
        }
    }

    @Test
    void loraLowersTheLossAndTheMergedCheckpointIsTheTrainedModel() throws IOException {
        TrainingSettings s = new TrainingSettings(FineTuning.LORA, 16, 32, 40, 8, 1e-2, 5, 0.0, 1234, "cpu", 0);
        Path merged = tmp.resolve("lora");
        double after = trainAndWrite(s, merged, 40 * 3);
        assertTrue(after < LORA_LOSS_THRESHOLD, "LoRA loss " + after);
        List<int[]> pt = decodeAll(merged, EngineKind.PYTORCH);
        List<int[]> ort = decodeAll(merged, EngineKind.ONNXRUNTIME);
        for (int i = 0; i < PAIRS; i++) {
            assertArrayEquals(pt.get(i), ort.get(i), "engines disagree on pair " + i);
        }
    }

    @Test
    void fullFineTuningMemorisesAndBothEnginesServeTheResult() throws IOException {
        TrainingSettings s = new TrainingSettings(FineTuning.FULL, 0, 0, 60, 8, 3e-3, 5, 0.01, 1234, "cpu", 0);
        Path merged = tmp.resolve("full");
        double after = trainAndWrite(s, merged, 60 * 3);
        assertTrue(after < 0.5, "full fine-tuning loss " + after);
        List<int[]> baseOut = decodeAll(base, EngineKind.PYTORCH);
        List<int[]> pt = decodeAll(merged, EngineKind.PYTORCH);
        List<int[]> ort = decodeAll(merged, EngineKind.ONNXRUNTIME);
        for (int i = 0; i < PAIRS; i++) {
            assertFalse(Arrays.equals(answers.get(i), baseOut.get(i)), "the base model already answers pair " + i);
            assertArrayEquals(answers.get(i), pt.get(i), "pytorch engine, pair " + i);
            assertArrayEquals(answers.get(i), ort.get(i), "onnxruntime engine, pair " + i);
        }
    }

    /** Trains on {@link #data}, writes the model, checks the written one has the trained loss; returns that loss. */
    private static double trainAndWrite(TrainingSettings s, Path merged, int steps) throws IOException {
        List<Double> epochLosses = new ArrayList<>();
        try (DecoderTrainer t = DecoderTrainer.open(base, s)) {
            double before = t.meanLoss(data);
            TrainingOutcome o = t.train(data, new TrainingMonitor() {
                @Override
                public void step(StepProgress p) {
                }

                @Override
                public void epochEnd(int epoch, double mean) {
                    epochLosses.add(mean);
                }

                @Override
                public boolean stopRequested() {
                    return false;
                }
            });
            assertEquals(new TrainingOutcome(false, steps, s.epochs()), o);
            assertEquals(s.epochs(), epochLosses.size());
            double after = t.meanLoss(data);
            System.out.printf("%s: loss %.4f before, %.4f after; epoch means %s%n", s.method(), before, after,
                    epochLosses);
            t.writeMerged(merged);
            try (DecoderTrainer reloaded = DecoderTrainer.open(merged, s)) {
                assertEquals(after, reloaded.meanLoss(data), 1e-4, "the written checkpoint is the trained model");
            }
            return after;
        }
    }

    private static List<int[]> decodeAll(Path dir, EngineKind engine) {
        EngineOptions opts = new EngineOptions(64, 0, 64 * 4).withOnnxCacheDir(tmp.resolve("onnx-cache"));
        List<int[]> out = new ArrayList<>();
        try (DecoderModel m = DecoderModels.load(dir, engine, "cpu", opts)) {
            for (int i = 0; i < PAIRS; i++) {
                out.add(greedy(m, prompts.get(i), answers.get(i).length));
            }
        }
        return out;
    }

    /** Up to {@code max} greedy tokens, stopping after EOS. */
    static int[] greedy(DecoderModel m, int[] prompt, int max) {
        int[] out = new int[max];
        int n = 0;
        try (SequenceState seq = m.newSequence()) {
            float[] logits = m.forward(List.of(seq), List.of(prompt))[0];
            while (n < max) {
                int next = 0;
                for (int v = 1; v < logits.length; v++) {
                    next = logits[v] > logits[next] ? v : next;
                }
                out[n++] = next;
                if (next == RandomLlamaCheckpoint.EOS_ID) {
                    break;
                }
                logits = m.forward(List.of(seq), List.of(new int[] {next}))[0];
            }
        }
        return Arrays.copyOf(out, n);
    }

    static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
