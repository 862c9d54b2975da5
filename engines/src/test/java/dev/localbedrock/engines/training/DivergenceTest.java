package dev.localbedrock.engines.training;

import dev.localbedrock.engines.hf.SafeTensors;
import dev.localbedrock.engines.hf.SafeTensorsWriter;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A loss that is not a finite number stops the training before the monitor hears of it and before any update: the
 * checkpoint here has a NaN input-embedding row for one token (its output head untied and clean), which only one of
 * the sequences holds, so the step that meets it has a NaN loss and the steps before it are finite.
 */
class DivergenceTest {
    /** The token whose embedding row is NaN. */
    private static final int POISONED = 77;

    @TempDir
    static Path tmp;
    static Path base;

    @BeforeAll
    static void writeCheckpoint() throws IOException {
        Path clean = RandomLlamaCheckpoint.write(tmp.resolve("clean"), RandomLlamaCheckpoint.Shape.SMOKE, 11);
        base = Files.createDirectories(tmp.resolve("poisoned"));
        Map<String, SafeTensorsWriter.Tensor> tensors = new LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(clean)) {
            for (String name : st.names()) {
                tensors.put(name, new SafeTensorsWriter.Tensor(st.info(name).shape(), st.floats(name)));
            }
        }
        SafeTensorsWriter.Tensor embed = tensors.get("model.embed_tokens.weight");
        // An untied head (the clean table): a NaN row in a tied head would make every logit row NaN.
        tensors.put("lm_head.weight", new SafeTensorsWriter.Tensor(embed.shape(), embed.data().clone()));
        int hidden = (int) embed.shape()[1];
        java.util.Arrays.fill(embed.data(), POISONED * hidden, (POISONED + 1) * hidden, Float.NaN);
        try (var files = Files.list(clean)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().endsWith(".safetensors")) {
                    Files.copy(f, base.resolve(f.getFileName()));
                }
            }
        }
        SafeTensorsWriter.write(base.resolve(SafeTensors.SINGLE_FILE), tensors);
        Path config = base.resolve("config.json");
        String untied = Files.readString(config).replaceAll("\"tie_word_embeddings\"\\s*:\\s*true",
                "\"tie_word_embeddings\": false");
        assertTrue(untied.contains("\"tie_word_embeddings\": false"), untied);
        Files.writeString(config, untied);
    }

    private static List<TrainingSequence> data() {
        List<TrainingSequence> data = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            data.add(new TrainingSequence(new int[] {1, 10 + i, 20 + i, 30 + i, 2}, 3));
        }
        data.add(new TrainingSequence(new int[] {1, 40, POISONED, 50, 2}, 3));
        return data;
    }

    @Test
    void aNonFiniteLossStopsTheTrainingBeforeItIsReportedOrApplied() throws IOException {
        List<StepProgress> steps = new ArrayList<>();
        try (DecoderTrainer t = DecoderTrainer.open(base, TrainingSettings.lora(2, 1, 1e-3, 3))) {
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () ->
                    t.train(data(), new TrainingMonitor() {
                        @Override
                        public void step(StepProgress p) {
                            steps.add(p);
                        }

                        @Override
                        public void epochEnd(int epoch, double mean) {
                        }

                        @Override
                        public boolean stopRequested() {
                            return false;
                        }
                    }));
            assertTrue(Double.isNaN(e.loss()), e.getMessage());
            assertEquals(steps.size() + 1, e.step(), "the failing step is the one after the last reported");
            assertEquals(1, e.epoch(), "the poisoned sequence is met in the first epoch");
            assertTrue(e.getMessage().contains("step " + e.step()), e.getMessage());
            assertTrue(steps.stream().allMatch(p -> Double.isFinite(p.loss())), "only finite losses reported");
            for (Parameter p : t.parameters()) {
                float[] values = p.value().toFloatArray();
                for (float v : values) {
                    assertFalse(Float.isNaN(v) || Float.isInfinite(v), p.name() + " was updated with a NaN gradient");
                }
            }
        }
    }

    @Test
    void aNonFiniteMeanLossIsRefused() throws IOException {
        try (DecoderTrainer t = DecoderTrainer.open(base, TrainingSettings.lora(1, 2, 1e-3, 3))) {
            assertTrue(Double.isFinite(t.meanLoss(data().subList(0, 6))), "finite without the poisoned token");
            assertThrows(TrainingDivergedException.class, () -> t.meanLoss(data()));
        }
    }
}
