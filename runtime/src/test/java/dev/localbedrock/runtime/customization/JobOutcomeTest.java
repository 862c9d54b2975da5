package dev.localbedrock.runtime.customization;

import dev.localbedrock.engines.TextTokenizer;
import dev.localbedrock.runtime.catalog.CustomizationSettings;
import dev.localbedrock.runtime.events.EventPublisher;
import dev.localbedrock.runtime.state.StateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a training's end becomes the job's status, with the training replaced by fakes: only a training that says
 * Completed and left weights makes a custom model; a dataset problem fails the job with its own message; anything
 * else (an exception, no outcome, Completed without weights) fails it with the guide's internal-error message and
 * leaves no folder behind. Every change is published.
 */
class JobOutcomeTest {
    @TempDir
    Path dir;
    StateStore state;
    final List<String> published = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() {
        state = StateStore.open("jdbc:sqlite:" + dir.resolve("state.db"));
    }

    @AfterEach
    void close() {
        state.close();
    }

    private ModelCustomizationService service(JobTraining training) {
        EventPublisher events = (type, resources, detail) -> published.add(detail.get("jobStatus").asText());
        TrainableBase base = new TrainableBase("base-model", "base-model",
                "arn:aws:bedrock:us-east-1::foundation-model/base-model", dir, new NoTokenizer(), 2, 128);
        return new ModelCustomizationService(state.customization(), id -> base, null, state.provisionedModels(),
                training, new JobStorage(new dev.localbedrock.runtime.storage.LocalDirectoryStore(dir.resolve("s3"))),
                new CustomizationJobEvents(events), CustomizationSettings.under(dir), "us-east-1",
                "000000000000", Clock.systemUTC());
    }

    private static CreateJobRequest request(String name) {
        return new CreateJobRequest(name, name + "-model", "arn:aws:iam::000000000000:role/R", "base-model",
                "FINE_TUNING", Map.of(), "s3://training-data/train.jsonl", null, "s3://job-output/", null, Map.of(), Map.of(), null);
    }

    private CustomizationJob runToEnd(String name, JobTraining training) throws Exception {
        try (ModelCustomizationService s = service(training)) {
            String arn = s.create(request(name)).jobArn();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!s.get(arn).status().terminal()) {
                assertTrue(System.nanoTime() < deadline, "the job ended");
                Thread.sleep(10);
            }
            return s.get(arn);
        }
    }

    private long weightFolders() throws Exception {
        Path models = CustomizationSettings.under(dir).modelsDir();
        if (!Files.isDirectory(models)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(models)) {
            return s.count();
        }
    }

    @Test
    void completedWithWeightsMakesTheCustomModel() throws Exception {
        CustomizationJob job = runToEnd("good", (j, b, control) -> {
            Files.createDirectories(control.modelDirectory());
            Files.writeString(control.modelDirectory().resolve("config.json"), "{}");
            return JobTraining.Outcome.COMPLETED;
        });
        assertEquals(JobStatus.Completed, job.status());
        assertNotNull(job.outputModelArn());
        assertEquals(1, state.customization().listModels().size());
        assertEquals(1, weightFolders());
        assertEquals(List.of("InProgress", "Completed"), published);
    }

    @Test
    void aDatasetProblemFailsTheJobWithItsMessage() throws Exception {
        CustomizationJob job = runToEnd("bad-data", (j, b, control) -> {
            throw new DatasetException("Unable to parse Amazon S3 file: train.jsonl.");
        });
        assertEquals(JobStatus.Failed, job.status());
        assertEquals("Unable to parse Amazon S3 file: train.jsonl.", job.failureMessage());
        assertEquals(List.of("InProgress", "Failed"), published);
    }

    @Test
    void anythingElseFailsWithTheInternalErrorAndLeavesNoWeights() throws Exception {
        List<JobTraining> broken = List.of(
                (j, b, control) -> {
                    Files.createDirectories(control.modelDirectory());
                    throw new IllegalStateException("out of memory, say");
                },
                (j, b, control) -> null,
                (j, b, control) -> JobTraining.Outcome.COMPLETED);
        for (int i = 0; i < broken.size(); i++) {
            published.clear();
            CustomizationJob job = runToEnd("broken-" + i, broken.get(i));
            assertEquals(JobStatus.Failed, job.status(), "training " + i);
            assertEquals(ModelCustomizationService.INTERNAL_ERROR, job.failureMessage());
            assertNull(job.outputModelArn());
            assertEquals(0, weightFolders(), "no half-made model stays");
            assertEquals(0, state.customization().listModels().size());
            assertEquals(List.of("InProgress", "Failed"), published, "training " + i);
        }
    }

    /** The fakes never tokenize. */
    private static final class NoTokenizer implements TextTokenizer {
        @Override
        public int[] encode(String text, boolean addSpecialTokens) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String decode(int[] ids) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }
}
