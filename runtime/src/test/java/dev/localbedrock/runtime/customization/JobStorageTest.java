package dev.localbedrock.runtime.customization;

import dev.localbedrock.runtime.storage.LocalDirectoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobStorageTest {
    @TempDir
    Path root;

    @Test
    void aDatasetIsReadThroughTheStoreAndAMissingOneHasTheGuidesMessage() throws Exception {
        LocalDirectoryStore store = new LocalDirectoryStore(root);
        byte[] line = "{\"input\": \"a\", \"output\": \"b\"}\n".getBytes(StandardCharsets.UTF_8);
        store.put("training-data-bucket", "data/train.jsonl", line);
        JobStorage storage = new JobStorage(store);
        JobStorage.S3Location train = JobStorage.S3Location.parse("s3://training-data-bucket/data/train.jsonl");
        assertEquals("train.jsonl", train.fileName());
        assertArrayEquals(line, storage.readDataset(train));
        DatasetException missing = assertThrows(DatasetException.class, () -> storage.readDataset(
                JobStorage.S3Location.parse("s3://validation-data-bucket/validation.jsonl")));
        assertEquals("Could not validate GetObject permissions to access Amazon S3 bucket: validation-data-bucket at"
                + " key validation.jsonl", missing.getMessage());
    }

    @Test
    void theOutputLocationIsProbedAndTheProbeRemoved() throws Exception {
        LocalDirectoryStore store = new LocalDirectoryStore(root);
        JobStorage storage = new JobStorage(store);
        storage.checkOutputWritable(JobStorage.S3Location.parse("s3://bedrock-output-bucket/output"));
        assertTrue(store.list("bedrock-output-bucket", "output/").isEmpty(), "the probe object was removed");
        // A bucket the store cannot write into (here a plain file where its folder should be).
        Files.writeString(root.resolve("read-only-bucket"), "not a folder");
        DatasetException refused = assertThrows(DatasetException.class, () -> storage.checkOutputWritable(
                JobStorage.S3Location.parse("s3://read-only-bucket/output/")));
        assertEquals("Amazon S3 perms missing (PutObject): Could not validate PutObject permissions to access S3"
                + " bucket: read-only-bucket at key output/.write_access_check_file.tmp", refused.getMessage());
    }

    @Test
    void onlyS3UrisWithABucketAreLocations() {
        for (String bad : new String[] {"https://bucket/key", "s3:///key", "bucket/key", "s3://"}) {
            assertThrows(IllegalArgumentException.class, () -> JobStorage.S3Location.parse(bad), bad);
        }
        assertEquals(new JobStorage.S3Location("b", ""), JobStorage.S3Location.parse("s3://b"));
    }

    @Test
    void metricsFilesAreReadBackAsWrittenAndAbsentOnesAsNoRows() {
        LocalDirectoryStore store = new LocalDirectoryStore(root);
        JobStorage storage = new JobStorage(store);
        JobStorage.S3Location out = JobStorage.S3Location.parse("s3://job-output/runs");
        JobMetrics none = storage.readMetrics(out, "abc123def456");
        assertEquals("s3://job-output/runs/model-customization-job-abc123def456/", none.folder());
        assertTrue(none.steps().isEmpty() && none.validation().isEmpty() && none.files().isEmpty());

        java.util.List<TrainingMetricsFiles.Row> steps = java.util.List.of(new TrainingMetricsFiles.Row(1, 1, 2.5),
                new TrainingMetricsFiles.Row(2, 1, 1.25), new TrainingMetricsFiles.Row(3, 2, 0.625));
        store.put("job-output", TrainingMetricsFiles.stepWiseKey("runs", "abc123def456"),
                (TrainingMetricsFiles.csv(TrainingMetricsFiles.STEP_HEADER, steps) + "4,2,not-a-number,1\n5,2")
                        .getBytes(StandardCharsets.UTF_8));
        JobMetrics some = storage.readMetrics(out, "abc123def456");
        assertEquals(steps, some.steps(), "whole rows only: the malformed tail is skipped");
        assertEquals(java.util.List.of("s3://job-output/runs/model-customization-job-abc123def456/training_artifacts/"
                + "step_wise_training_metrics.csv"), some.files());
    }
}
