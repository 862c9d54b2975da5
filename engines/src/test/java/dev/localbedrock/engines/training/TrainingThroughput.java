package dev.localbedrock.engines.training;

import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Prints training tokens per second, LoRA vs full, on generated Llamas (a manual benchmark, not a test). */
public final class TrainingThroughput {
    private TrainingThroughput() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("throughput");
        measure("smoke", RandomLlamaCheckpoint.write(dir.resolve("smoke"), RandomLlamaCheckpoint.Shape.SMOKE, 1));
        RandomLlamaCheckpoint.Shape m15 = new RandomLlamaCheckpoint.Shape(256, 8, 8, 4, 688, 259, 2048);
        measure("~6M (hidden 256, 8 layers)", RandomLlamaCheckpoint.write(dir.resolve("m"), m15, 1));
    }

    private static void measure(String label, Path ckpt) throws Exception {
        SplittableRandom rnd = new SplittableRandom(3);
        List<TrainingSequence> data = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            int[] ids = new int[64];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = 3 + rnd.nextInt(256);
            }
            data.add(new TrainingSequence(ids, 16));
        }
        for (FineTuning method : FineTuning.values()) {
            TrainingSettings s = new TrainingSettings(method, 8, 16, 2, 8, 1e-3, 0, 0, 1, "cpu", 0);
            try (DecoderTrainer t = DecoderTrainer.open(ckpt, s)) {
                long[] tokens = new long[1];
                long[] nanos = new long[2];
                t.train(data, new TrainingMonitor() {
                    @Override
                    public void step(StepProgress p) {
                        if (p.epoch() == 2) { // the first epoch warms up
                            tokens[0] += p.tokens();
                            nanos[1] = p.elapsedNanos();
                        } else {
                            nanos[0] = p.elapsedNanos();
                        }
                    }

                    @Override
                    public void epochEnd(int epoch, double meanTrainingLoss) {
                    }

                    @Override
                    public boolean stopRequested() {
                        return false;
                    }
                });
                System.out.printf("%s %s: %d trainable, %.0f tokens/s (batch 8 x 64 tokens)%n", label, method,
                        t.trainableParameters(), tokens[0] / ((nanos[1] - nanos[0]) / 1e9));
            }
        }
    }
}
