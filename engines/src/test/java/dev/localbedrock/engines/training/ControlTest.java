package dev.localbedrock.engines.training;

import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stopping, the schedule, step accounting, the written directory and refusals. */
class ControlTest {
    @TempDir
    static Path tmp;
    static Path base;
    static final List<TrainingSequence> DATA = new ArrayList<>();

    @BeforeAll
    static void setUp() throws IOException {
        base = RandomLlamaCheckpoint.write(tmp.resolve("base"), RandomLlamaCheckpoint.Shape.SMOKE, 5);
        for (int i = 0; i < 10; i++) {
            DATA.add(new TrainingSequence(new int[] {1, 10 + i, 20 + i, 30 + i, 2}, 3));
        }
    }

    @Test
    void stopRequestedEndsAfterTheStepInFlight() throws IOException {
        List<StepProgress> steps = new ArrayList<>();
        try (DecoderTrainer t = DecoderTrainer.open(base, TrainingSettings.lora(5, 4, 1e-3, 1))) {
            TrainingOutcome o = t.train(DATA, new TrainingMonitor() {
                @Override
                public void step(StepProgress p) {
                    steps.add(p);
                }

                @Override
                public void epochEnd(int epoch, double mean) {
                }

                @Override
                public boolean stopRequested() {
                    return steps.size() >= 4; // asked for during step 4
                }
            });
            assertEquals(new TrainingOutcome(true, 4, 1), o);
            assertEquals(4, steps.size());
            StepProgress last = steps.get(3);
            assertEquals(15, last.totalSteps(), "5 epochs x ceil(10 / 4)");
            assertEquals(2, last.epoch());
            assertEquals(4, last.step());
            assertEquals(10, steps.get(2).tokens(), "the last partial batch of epoch 1 holds 2 sequences");
            assertThrows(IllegalStateException.class, () -> t.train(DATA, TrainingMonitor.NONE));
        }
    }

    @Test
    void fullFineTuningLowersTheLossAndTrainsEveryWeight() throws IOException {
        TrainingSettings s = new TrainingSettings(FineTuning.FULL, 0, 0, 3, 5, 3e-3, 1, 0.01, 2, "cpu", 0);
        try (DecoderTrainer t = DecoderTrainer.open(base, s)) {
            // 259·64 embeddings + final norm + per layer: 2 norms, q/o 64·64, k/v 32·64, gate/up/down 172·64
            long perLayer = 2 * 64 + 2 * 64 * 64 + 2 * 32 * 64 + 3 * 172 * 64;
            assertEquals(259 * 64 + 64 + 2 * perLayer, t.trainableParameters());
            double before = t.meanLoss(DATA);
            t.train(DATA, TrainingMonitor.NONE);
            double after = t.meanLoss(DATA);
            assertTrue(after < before - 0.5, before + " -> " + after);
        }
    }

    @Test
    void loraCountsOnlyAdapters() throws IOException {
        try (DecoderTrainer t = DecoderTrainer.open(base, TrainingSettings.lora(1, 4, 1e-3, 1))) {
            // rank 8: A [8, in] + B [out, 8] for q, k, v, o, gate, up, down
            long perLayer = 8 * ((64 + 64) + (64 + 32) + (64 + 32) + (64 + 64) + 2 * (64 + 172) + (172 + 64));
            assertEquals(2 * perLayer, t.trainableParameters());
        }
    }

    @Test
    void writtenModelAppearsWholeAndExistingTargetsAreRefused() throws IOException {
        Path out = tmp.resolve("out");
        try (DecoderTrainer t = DecoderTrainer.open(base, TrainingSettings.lora(1, 5, 1e-3, 1))) {
            t.train(DATA, TrainingMonitor.NONE);
            t.writeMerged(out);
            assertThrows(FileAlreadyExistsException.class, () -> t.writeMerged(out));
            Path empty = Files.createDirectory(tmp.resolve("empty"));
            assertThrows(FileAlreadyExistsException.class, () -> t.writeMerged(empty));
        }
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                "generation_config.json")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temp directory left");
        }
        try (DecoderModel m = DecoderModels.load(out, EngineKind.PYTORCH, "cpu", new EngineOptions(32, 0, 64))) {
            assertEquals(259, m.info().vocabSize());
        }
    }

    @Test
    void scheduleIsTransformersLinearWarmup() {
        LinearWarmupSchedule s = new LinearWarmupSchedule(2, 10);
        assertEquals(0.0, s.factor(0));
        assertEquals(0.5, s.factor(1));
        assertEquals(1.0, s.factor(2));
        assertEquals(7.0 / 8, s.factor(3));
        assertEquals(1.0 / 8, s.factor(9));
        assertEquals(1.0, new LinearWarmupSchedule(0, 4).factor(0));
        assertEquals(0.25, new LinearWarmupSchedule(0, 4).factor(3));
    }

    @Test
    void refusesWhatItCannotTrain() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> new TrainingSequence(new int[] {1, 2}, 2));
        assertThrows(IllegalArgumentException.class,
                () -> new TrainingSettings(FineTuning.LORA, 0, 16, 1, 1, 1e-3, 0, 0, 1, "cpu", 0));
        assertThrows(IllegalArgumentException.class, () -> DecoderTrainer.open(base,
                new TrainingSettings(FineTuning.LORA, 4, 8, 1, 1, 1e-3, 0, 0, 1, "tpu", 0)));
        try (DecoderTrainer t = DecoderTrainer.open(base, TrainingSettings.lora(1, 1, 1e-3, 1))) {
            assertThrows(IllegalArgumentException.class,
                    () -> t.train(List.of(new TrainingSequence(new int[] {1, 259}, 1)), TrainingMonitor.NONE));
            assertThrows(IllegalArgumentException.class, () -> t.meanLoss(List.of()));
        }
    }
}
