package dev.localbedrock.runtime.state;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Jobs and custom models round-trip; completing a job and creating its model is one transaction. */
class CustomizationRepositoryTest {
    @TempDir
    Path dir;

    static StoredCustomizationJob job(String arn, String name, String token) {
        Instant t = Instant.parse("2026-12-07T10:00:00.123456Z");
        return new StoredCustomizationJob(arn, name, "amazon.titan-text-express-v1",
                "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1", name + "-model", null,
                "arn:aws:iam::000000000000:role/R", "InProgress", null, Map.of("epochCount", "2"),
                "s3://b/train.jsonl", null, "s3://b/out/", null, Map.of("team", "a"), null, List.of(), t, t, null,
                token);
    }

    @Test
    void jobsAndModelsRoundTrip() {
        try (StateStore store = StateStore.open("jdbc:sqlite:" + dir.resolve("state.db"))) {
            CustomizationRepository repo = store.customization();
            StoredCustomizationJob a = job("arn:job/a", "a", "tok");
            repo.createJob(a, Map.of("k", "v"));
            assertEquals(a.createdAt().toEpochMilli(), repo.findJobByName("a").orElseThrow().createdAt()
                    .toEpochMilli(), "milliseconds kept");
            assertEquals(a, repo.findJobByArn("arn:job/a").orElseThrow());
            assertEquals(a, repo.findJobByClientRequestToken("tok").orElseThrow());
            assertEquals(Map.of("k", "v"), store.tags().list("arn:job/a"));
            assertThrows(DuplicateResourceException.class, () -> repo.createJob(job("arn:job/b", "a", null),
                    Map.of()), "job names are unique");

            Instant end = Instant.parse("2026-12-07T11:00:00Z");
            StoredCustomizationJob done = new StoredCustomizationJob(a.arn(), a.name(), a.baseModelId(),
                    a.baseModelArn(), a.customModelName(), "arn:model/m", a.roleArn(), "Completed", null,
                    a.hyperParameters(), a.trainingS3Uri(), a.validationS3Uri(), a.outputS3Uri(), a.kmsKeyId(),
                    a.customModelTags(), 0.25, List.of(0.5), a.createdAt(), end, end, a.clientRequestToken());
            StoredCustomModel model = new StoredCustomModel("arn:model/m", "a-model", a.arn(), "/weights/m", end);
            repo.completeJob(done, model, Map.of("team", "a"));
            assertEquals(done, repo.findJobByArn(a.arn()).orElseThrow());
            assertEquals(List.of(model), repo.listModels());
            assertEquals(Map.of("team", "a"), store.tags().list("arn:model/m"));

            // The model's name is taken: neither the model nor the job's completion is written.
            repo.createJob(job("arn:job/c", "c", null), Map.of());
            StoredCustomizationJob cDone = new StoredCustomizationJob("arn:job/c", "c", a.baseModelId(),
                    a.baseModelArn(), "a-model", "arn:model/n", a.roleArn(), "Completed", null, Map.of(),
                    a.trainingS3Uri(), null, a.outputS3Uri(), null, Map.of(), 0.1, List.of(), a.createdAt(), end,
                    end, null);
            assertThrows(DuplicateResourceException.class, () -> repo.completeJob(cDone,
                    new StoredCustomModel("arn:model/n", "a-model", "arn:job/c", "/weights/n", end), Map.of()));
            assertEquals("InProgress", repo.findJobByArn("arn:job/c").orElseThrow().status(), "rolled back");
            assertFalse(repo.findModelByArn("arn:model/n").isPresent());

            assertTrue(repo.deleteModel("arn:model/m"));
            assertEquals(Map.of(), store.tags().list("arn:model/m"), "its tags go with it");
            assertTrue(repo.findJobByArn(a.arn()).isPresent(), "the job stays");
            assertEquals(2, repo.listJobs().size());
        }
    }
}
