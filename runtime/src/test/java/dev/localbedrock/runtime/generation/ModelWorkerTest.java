package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.InferenceFailure;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.localbedrock.runtime.generation.SchedulerFixture.greedy;
import static dev.localbedrock.runtime.generation.SchedulerFixture.prompt;
import static dev.localbedrock.runtime.generation.SchedulerFixture.settings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The worker thread around the scheduler: it runs submissions to completion and shuts down cleanly. */
class ModelWorkerTest {

    @Test
    void theThreadRunsEverySubmissionToCompletion() throws Exception {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        try (ModelWorker worker = new ModelWorker("fake", model, settings(4, 32, 1 << 20, 64))) {
            List<RecordingListener> listeners = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                RecordingListener l = new RecordingListener();
                listeners.add(l);
                worker.submitTokens(prompt(3 + i, i), greedy(10 + i), l);
            }
            for (int i = 0; i < listeners.size(); i++) {
                assertEquals(10 + i, listeners.get(i).outcome.get(30, TimeUnit.SECONDS).outputTokenCount());
            }
        }
    }

    @Test
    void shutdownEndsWhatCannotFinishAndRefusesNewWork() throws Exception {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        AdmissionPolicy never = new AdmissionPolicy() {
            @Override
            public boolean mayStart(QueuedRequest request, SchedulerLoad load) {
                return false;
            }
        };
        ModelWorker worker = new ModelWorker("fake", model, settings(4, 32, 1 << 20, 64),
                new WorkerHooks(never, SchedulerMetrics.NONE));
        RecordingListener held = new RecordingListener();
        worker.submitTokens(prompt(4, 1), greedy(5), held);
        worker.shutdown(50);
        assertThrows(Exception.class, () -> held.outcome.get(30, TimeUnit.SECONDS));
        assertEquals(InferenceFailure.Kind.UNAVAILABLE, held.error.kind());
        InferenceFailure refused = assertThrows(InferenceFailure.class,
                () -> worker.submitTokens(prompt(4, 2), greedy(5), new RecordingListener()));
        assertEquals(InferenceFailure.Kind.UNAVAILABLE, refused.kind());
        assertEquals(0, model.liveSequences());
    }
}
