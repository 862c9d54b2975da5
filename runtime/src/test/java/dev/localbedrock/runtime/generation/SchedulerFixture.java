package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.engines.DecoderModel;

import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

/** Builds schedulers driven step by step on a manual clock, and requests for them. */
final class SchedulerFixture {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final Duration QUEUE_WAIT = Duration.ofSeconds(5);

    private SchedulerFixture() {
    }

    static final class ManualClock implements LongSupplier {
        long now = 1_000_000_000L;

        @Override
        public long getAsLong() {
            return now;
        }

        void advance(Duration d) {
            now += d.toNanos();
        }
    }

    static WorkerSettings settings(int maxRunning, int maxTokensPerStep, long kvCacheTokens, int maxQueue) {
        return new WorkerSettings(128, maxQueue, TIMEOUT, null, maxRunning, maxTokensPerStep, kvCacheTokens,
                QUEUE_WAIT);
    }

    /** {@link #settings} with an explicit {@code reservedStepTokens}. */
    static WorkerSettings settings(int maxRunning, int maxTokensPerStep, long kvCacheTokens, int maxQueue,
                                   int reservedStepTokens) {
        return new WorkerSettings(128, maxQueue, TIMEOUT, null, maxRunning, maxTokensPerStep, kvCacheTokens,
                QUEUE_WAIT, reservedStepTokens);
    }

    static ModelScheduler scheduler(DecoderModel model, WorkerSettings settings, AdmissionPolicy policy,
                                    SchedulerMetrics metrics, LongSupplier clock) {
        return new ModelScheduler("test", model, settings, new WorkerHooks(policy, metrics), clock);
    }

    static TextGenerationRequest greedy(int maxTokens) {
        return new TextGenerationRequest("", maxTokens, SamplingParameters.greedy(), List.of());
    }

    static TextGenerationRequest request(int maxTokens, SamplingParameters sampling) {
        return new TextGenerationRequest("", maxTokens, sampling, List.of());
    }

    /** BOS then {@code length - 1} ids derived from {@code salt}, all ordinary tokens of the fake vocabulary. */
    static int[] prompt(int length, int salt) {
        int[] ids = new int[length];
        ids[0] = FakeDecoderModel.BOS;
        for (int i = 1; i < length; i++) {
            ids[i] = 3 + Math.floorMod(salt * 7 + i * 13, FakeDecoderModel.VOCAB - 3);
        }
        return ids;
    }

    /** Steps until nothing is left to do; returns the number of steps that did something. */
    static int runUntilIdle(ModelScheduler scheduler) {
        int steps = 0;
        while (scheduler.step()) {
            if (++steps > 100_000) {
                throw new AssertionError("scheduler never went idle");
            }
        }
        return steps;
    }

    /** What a request produces when it has the scheduler to itself. */
    static GenerationOutcome alone(DecoderModel model, WorkerSettings settings, int[] prompt,
                                   TextGenerationRequest request) {
        ModelScheduler s = scheduler(model, settings, AdmissionPolicy.FIFO, SchedulerMetrics.NONE, new ManualClock());
        RecordingListener l = new RecordingListener();
        s.submitTokens(prompt, request, l, null);
        runUntilIdle(s);
        return l.result();
    }
}
