package dev.localbedrock.runtime.customization;

import dev.localbedrock.engines.hf.SafeTensors;
import dev.localbedrock.engines.hf.SafeTensorsWriter;
import dev.localbedrock.engines.synthetic.RandomLlamaCheckpoint;
import dev.localbedrock.engines.tokenizer.HfTextTokenizer;
import dev.localbedrock.runtime.catalog.CustomizationSettings;
import dev.localbedrock.runtime.storage.LocalDirectoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A training step whose loss is not a finite number fails the job with a reason (the exception the service turns
 * into the job's failureMessage) and writes no NaN metric row and no weights. The base checkpoint has a NaN input
 * embedding row for the byte of one letter (its output head untied and clean), which one record holds.
 */
class FineTuningDivergenceTest {
    @TempDir
    Path tmp;

    @Test
    void aNonFiniteLossFailsTheJobWithAReasonAndWritesNoNaNRow() throws Exception {
        Path base = poisonedCheckpoint();
        HfTextTokenizer tokenizer = HfTextTokenizer.load(base);
        Path storeRoot = Files.createDirectories(tmp.resolve("s3"));
        Files.createDirectories(storeRoot.resolve("out"));
        StringBuilder records = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            records.append("{\"input\": \"Item ").append(i).append(" colour?\", \"output\": \"")
                    .append(i == 5 ? "Zinc" : "red").append("\"}\n");
        }
        Files.createDirectories(storeRoot.resolve("data"));
        Files.writeString(storeRoot.resolve("data/train.jsonl"), records);
        CustomizationJob job = new CustomizationJob("arn:aws:bedrock:us-east-1:000000000000:model-customization-job/"
                + "base/abcdefghijkl", "diverging", "diverging-model", null, "arn:aws:iam::000000000000:role/R",
                JobStatus.InProgress, null, Instant.EPOCH, Instant.EPOCH, null, "base-arn",
                new Hyperparameters(2, 1, 1e-3, 0), "s3://data/train.jsonl", null, "s3://out/runs");
        Path modelDir = tmp.resolve("model");
        JobControl control = new JobControl() {
            @Override
            public boolean stopRequested() {
                return false;
            }

            @Override
            public void progress(TrainingProgress progress) {
            }

            @Override
            public void checkpoint(double trainingLoss, List<Double> validationLosses) {
            }

            @Override
            public Path modelDirectory() {
                return modelDir;
            }
        };
        TrainableBase trainable = new TrainableBase("base", "base", "base-arn", base, tokenizer,
                RandomLlamaCheckpoint.EOS_ID, 128);
        FineTuningRunner runner = new FineTuningRunner(new LocalDirectoryStore(storeRoot),
                CustomizationSettings.under(tmp.resolve("cache")));

        TrainingFailedException e = assertThrows(TrainingFailedException.class,
                () -> runner.run(job, trainable, control));
        assertTrue(e.getMessage().startsWith("Training stopped at step "), e.getMessage());
        assertTrue(e.getMessage().contains("not finite"), e.getMessage());
        assertFalse(Files.exists(modelDir), "no weights are written");
        try (Stream<Path> files = Files.walk(storeRoot.resolve("out"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".csv")).toList()) {
                String csv = Files.readString(f);
                assertFalse(csv.contains("NaN") || csv.contains("Infinity"), f + ":\n" + csv);
            }
        }
    }

    /** The smoke-shaped random Llama with a NaN input embedding row for 'Z' and a clean untied output head. */
    private Path poisonedCheckpoint() throws Exception {
        Path clean = RandomLlamaCheckpoint.write(tmp.resolve("clean"), RandomLlamaCheckpoint.Shape.SMOKE, 7);
        int poisoned = HfTextTokenizer.load(clean).encode("Z", false)[0];
        Path dir = Files.createDirectories(tmp.resolve("poisoned"));
        Map<String, SafeTensorsWriter.Tensor> tensors = new LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(clean)) {
            for (String name : st.names()) {
                tensors.put(name, new SafeTensorsWriter.Tensor(st.info(name).shape(), st.floats(name)));
            }
        }
        SafeTensorsWriter.Tensor embed = tensors.get("model.embed_tokens.weight");
        tensors.put("lm_head.weight", new SafeTensorsWriter.Tensor(embed.shape(), embed.data().clone()));
        int hidden = (int) embed.shape()[1];
        Arrays.fill(embed.data(), poisoned * hidden, (poisoned + 1) * hidden, Float.NaN);
        try (Stream<Path> files = Files.list(clean)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().endsWith(".safetensors")) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
        }
        SafeTensorsWriter.write(dir.resolve(SafeTensors.SINGLE_FILE), tensors);
        Path config = dir.resolve("config.json");
        String untied = Files.readString(config).replaceAll("\"tie_word_embeddings\"\\s*:\\s*true",
                "\"tie_word_embeddings\": false");
        assertTrue(untied.contains("\"tie_word_embeddings\": false"), untied);
        Files.writeString(config, untied);
        return dir;
    }
}
