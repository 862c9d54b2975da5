package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.LikelihoodMode;
import dev.localbedrock.codecs.inference.PromptTruncation;
import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.engines.DecoderModel;
import dev.localbedrock.engines.DecoderModels;
import dev.localbedrock.engines.EngineKind;
import dev.localbedrock.engines.EngineOptions;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.generation.SchedulerFixture.ManualClock;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static dev.localbedrock.runtime.generation.SchedulerFixture.greedy;
import static dev.localbedrock.runtime.generation.SchedulerFixture.runUntilIdle;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Continuous batching on real weights, driven by token ids at the scheduler level: N greedy requests with different
 * prompts, lengths and arrival steps, batched with chunked prefill, each return exactly the tokens they return when
 * they have the model to themselves.
 */
class RealModelBatchingTest {

    @Test
    void tinyLlamaBatchedGreedyEqualsAlone() {
        assertBatchedEqualsAlone(TestServers.tinyLlama(), 32_000);
    }

    @Test
    void tinyGpt2BatchedGreedyEqualsAlone() {
        assertBatchedEqualsAlone(TestServers.tinyGpt2(), 1_000);
    }

    /**
     * A text prompt far longer than a 32-token context, with 8 new tokens asked: the byte-size pre-check refuses it
     * without truncation, while START and END keep 24 of its real tokens and generate exactly what those tokens
     * generate when sent pre-cut.
     */
    @Test
    void aTruncatedTextPromptGeneratesWhatItsKeptTokensGenerate() {
        try (DecoderModel model = DecoderModels.load(TestServers.tinyLlama(), EngineKind.PYTORCH, "cpu",
                new EngineOptions(256, 0))) {
            WorkerSettings settings = new WorkerSettings(32, 16, Duration.ofMinutes(5), null, 4, 64, 1 << 20,
                    Duration.ofMinutes(5));
            String text = "the quick brown fox jumps over the lazy dog and runs away ".repeat(400);
            int[] all = model.tokenizer().encode(text, true);
            int budget = 32 - 8;
            assertTrue(all.length > 10 * budget, "the prompt is far over the context: " + all.length);
            // Long enough that only a window of it is encoded: the kept tokens must be those of the whole text.
            assertTrue(text.length() > 32L * model.tokenizer().maxBytesPerToken() + RequestIntake.WINDOW_MARGIN_CHARS,
                    "span " + model.tokenizer().maxBytesPerToken());
            ModelScheduler s = SchedulerFixture.scheduler(model, settings, AdmissionPolicy.FIFO,
                    SchedulerMetrics.NONE, new ManualClock());
            assertThrows(InferenceFailure.class, () -> s.submit(new TextGenerationRequest(text, 8,
                    SamplingParameters.greedy(), List.of()), new RecordingListener(), null));

            int[] first = Arrays.copyOf(all, budget);
            int[] last = Arrays.copyOfRange(all, all.length - budget, all.length);
            if (all[0] == model.info().bosTokenId()) {
                last[0] = all[0];
                System.arraycopy(all, all.length - (budget - 1), last, 1, budget - 1);
            }
            for (PromptTruncation mode : List.of(PromptTruncation.END, PromptTruncation.START)) {
                RecordingListener cut = new RecordingListener();
                s.submit(new TextGenerationRequest(text, 8, SamplingParameters.greedy(), List.of(), 1,
                        LikelihoodMode.NONE, mode), cut, null);
                runUntilIdle(s);
                RecordingListener pre = new RecordingListener();
                s.submitTokens(mode == PromptTruncation.END ? first : last, greedy(8), pre, null);
                runUntilIdle(s);
                assertEquals(budget, cut.result().inputTokenCount(), mode.name());
                assertEquals(8, cut.result().outputTokenCount(), mode.name());
                assertArrayEquals(pre.result().generations().get(0).tokenIds(),
                        cut.result().generations().get(0).tokenIds(), mode.name());
            }
            assertEquals(0, s.kvReservedTokens());
        }
    }

    private static void assertBatchedEqualsAlone(Path dir, int vocab) {
        try (DecoderModel model = DecoderModels.load(dir, EngineKind.PYTORCH, "cpu", new EngineOptions(256, 0))) {
            WorkerSettings settings = new WorkerSettings(256, 16, Duration.ofMinutes(5), null, 4, 12, 1 << 20,
                    Duration.ofMinutes(5));
            SplittableRandom random = new SplittableRandom(7);
            int[] lengths = {3, 37, 11, 1, 25, 6};
            int[] maxTokens = {24, 9, 17, 30, 5, 13};
            List<int[]> prompts = new ArrayList<>();
            for (int length : lengths) {
                int[] p = new int[length];
                for (int i = 0; i < length; i++) {
                    p[i] = 3 + random.nextInt(vocab - 3);
                }
                prompts.add(p);
            }
            List<int[]> alone = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                ModelScheduler solo = SchedulerFixture.scheduler(model, settings, AdmissionPolicy.FIFO,
                        SchedulerMetrics.NONE, new ManualClock());
                RecordingListener l = new RecordingListener();
                solo.submitTokens(prompts.get(i), greedy(maxTokens[i]), l, null);
                runUntilIdle(solo);
                alone.add(l.result().generations().get(0).tokenIds());
            }
            InMemorySchedulerMetrics metrics = new InMemorySchedulerMetrics();
            ModelScheduler batched = SchedulerFixture.scheduler(model, settings, AdmissionPolicy.FIFO, metrics,
                    new ManualClock());
            List<RecordingListener> listeners = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                RecordingListener l = new RecordingListener();
                listeners.add(l);
                batched.submitTokens(prompts.get(i), greedy(maxTokens[i]), l, null);
                for (int k = 0; k < 2 * i; k++) {
                    batched.step();
                }
            }
            runUntilIdle(batched);
            for (int i = 0; i < prompts.size(); i++) {
                GenerationOutcome out = listeners.get(i).result();
                assertArrayEquals(alone.get(i), out.generations().get(0).tokenIds(), "request " + i);
            }
            assertTrue(metrics.snapshot().batchSize().max() > 1, "requests really shared steps");
            assertTrue(metrics.snapshot().tokensPerStep().max() <= 12);
        }
    }
}
