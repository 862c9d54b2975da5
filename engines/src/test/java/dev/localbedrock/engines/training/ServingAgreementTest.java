package dev.localbedrock.engines.training;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.SequenceState;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The training forward computes the model the serving engine runs: its batched, padded loss equals the cross-entropy
 * computed from the PyTorch serving engine's logits, token by token, on a generated Llama with grouped-query attention
 * and an untied-size context (so rotary positions, the GQA mapping, the masks and the tied head all take part).
 */
class ServingAgreementTest {
    @TempDir
    Path tmp;

    @Test
    void lossEqualsCrossEntropyOfServingLogits() throws IOException {
        Path dir = RandomLlamaCheckpoint.write(tmp.resolve("m"), RandomLlamaCheckpoint.Shape.SMOKE, 99);
        SplittableRandom rnd = new SplittableRandom(1);
        List<TrainingSequence> data = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int[] ids = new int[6 + 5 * i];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = 3 + rnd.nextInt(256);
            }
            data.add(new TrainingSequence(ids, 1 + i));
        }
        double expected;
        try (DecoderModel m = DecoderModels.load(dir, EngineKind.PYTORCH, "cpu", new EngineOptions(64, 0, 64 * 2))) {
            double sum = 0;
            long n = 0;
            for (TrainingSequence s : data) {
                int[] t = s.tokens();
                try (SequenceState seq = m.newSequence()) {
                    for (int p = 0; p < t.length - 1; p++) {
                        float[] logits = m.forward(List.of(seq), List.of(new int[] {t[p]}))[0];
                        if (p >= s.promptTokens() - 1) {
                            sum += -logSoftmax(logits, t[p + 1]);
                            n++;
                        }
                    }
                }
            }
            expected = sum / n;
        }
        TrainingSettings s = new TrainingSettings(FineTuning.LORA, 4, 8, 1, 3, 1e-3, 0, 0, 1, "cpu", 0);
        try (DecoderTrainer t = DecoderTrainer.open(dir, s)) {
            assertEquals(expected, t.meanLoss(data), 1e-4);
        }
    }

    private static double logSoftmax(float[] logits, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        return logits[target] - max - Math.log(sum);
    }
}
