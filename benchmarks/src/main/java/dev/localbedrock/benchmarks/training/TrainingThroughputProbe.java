package dev.localbedrock.benchmarks.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.engines.training.DecoderTrainer;
import dev.localbedrock.engines.training.FineTuning;
import dev.localbedrock.engines.training.StepProgress;
import dev.localbedrock.engines.training.TrainingMonitor;
import dev.localbedrock.engines.training.TrainingSequence;
import dev.localbedrock.engines.training.TrainingSettings;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Training tokens per second of the engines' {@link DecoderTrainer} on one checkpoint, the way a fine-tuning job runs
 * it (float32, AdamW, loss on the tokens after the prompt), without the server around it: random token sequences of
 * a fixed length, {@code warmupSteps} unmeasured optimizer steps (libtorch's first steps allocate and pick kernels),
 * then {@code steps} measured ones. Tokens are every token of each batch (the forward and backward run over all of
 * them; padding there is none, every sequence has the same length).
 */
public final class TrainingThroughputProbe {
    /** One method's figures. */
    public record Result(FineTuning method, long trainableParameters, int steps, long tokens, double seconds) {
        public double tokensPerSecond() {
            return tokens / seconds;
        }

        public double millisPerStep() {
            return seconds * 1000 / steps;
        }
    }

    private TrainingThroughputProbe() {
    }

    /**
     * @param seqTokens    tokens per sequence (at most the model's context)
     * @param promptTokens of them, the prompt (no loss on it)
     * @param threads      libtorch intra-op threads (0: libtorch's default, one per core)
     */
    public static Result run(Path checkpoint, FineTuning method, int batch, int seqTokens, int promptTokens,
                             int warmupSteps, int steps, int threads) throws IOException {
        int vocab = new ObjectMapper().readTree(checkpoint.resolve("config.json").toFile()).path("vocab_size")
                .asInt();
        if (vocab <= 3) {
            throw new IOException(checkpoint + "/config.json has no usable vocab_size");
        }
        SplittableRandom rnd = new SplittableRandom(3);
        List<TrainingSequence> data = new ArrayList<>();
        for (int i = 0; i < batch * (warmupSteps + steps); i++) {
            int[] ids = new int[seqTokens];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = 3 + rnd.nextInt(vocab - 3); // past BOS, EOS and padding ids
            }
            data.add(new TrainingSequence(ids, promptTokens));
        }
        // LoRA rank 8, alpha 16: the server's defaults (CustomizationSettings).
        TrainingSettings settings = new TrainingSettings(method, 8, 16, 1, batch, 1e-4, 0, 0.0, 1, "cpu", threads);
        try (DecoderTrainer trainer = DecoderTrainer.open(checkpoint, settings)) {
            long[] measured = new long[3]; // tokens, start nanos, end nanos
            int[] done = new int[1];
            trainer.train(data, new TrainingMonitor() {
                @Override
                public void step(StepProgress p) {
                    done[0] = p.step();
                    if (p.step() == warmupSteps) {
                        measured[1] = p.elapsedNanos();
                    } else if (p.step() > warmupSteps) {
                        measured[0] += p.tokens();
                        measured[2] = p.elapsedNanos();
                    }
                }

                @Override
                public void epochEnd(int epoch, double meanTrainingLoss) {
                }

                @Override
                public boolean stopRequested() {
                    return done[0] >= warmupSteps + steps;
                }
            });
            return new Result(method, trainer.trainableParameters(), done[0] - warmupSteps, measured[0],
                    (measured[2] - measured[1]) / 1e9);
        }
    }
}
