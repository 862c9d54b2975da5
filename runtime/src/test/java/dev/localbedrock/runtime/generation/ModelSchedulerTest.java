package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.Generation;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.LikelihoodMode;
import dev.localbedrock.codecs.inference.Penalty;
import dev.localbedrock.codecs.inference.RepetitionPenalties;
import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.codecs.inference.StopReason;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.codecs.inference.TokenLikelihood;
import dev.localbedrock.runtime.generation.SchedulerFixture.ManualClock;
import dev.localbedrock.runtime.sampling.LogProbs;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.localbedrock.runtime.generation.SchedulerFixture.alone;
import static dev.localbedrock.runtime.generation.SchedulerFixture.greedy;
import static dev.localbedrock.runtime.generation.SchedulerFixture.prompt;
import static dev.localbedrock.runtime.generation.SchedulerFixture.request;
import static dev.localbedrock.runtime.generation.SchedulerFixture.runUntilIdle;
import static dev.localbedrock.runtime.generation.SchedulerFixture.scheduler;
import static dev.localbedrock.runtime.generation.SchedulerFixture.settings;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The step loop on a deterministic fake engine, stepped by hand on a manual clock. */
class ModelSchedulerTest {
    private final ManualClock clock = new ManualClock();
    private final InMemorySchedulerMetrics metrics = new InMemorySchedulerMetrics();

    private ModelScheduler scheduler(FakeDecoderModel model, WorkerSettings settings) {
        return SchedulerFixture.scheduler(model, settings, AdmissionPolicy.FIFO, metrics, clock);
    }

    @Test
    void concurrentGreedyRequestsReturnExactlyWhatEachReturnsAlone() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        WorkerSettings settings = settings(3, 8, 1 << 20, 16);
        int[][] prompts = {prompt(3, 1), prompt(40, 2), prompt(9, 3), prompt(17, 4), prompt(2, 5), prompt(25, 6)};
        int[] maxTokens = {20, 7, 15, 30, 11, 5};
        ModelScheduler s = scheduler(model, settings);
        List<RecordingListener> listeners = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
            RecordingListener l = new RecordingListener();
            listeners.add(l);
            s.submitTokens(prompts[i], greedy(maxTokens[i]), l, null);
            for (int k = 0; k < i; k++) {
                s.step(); // staggered arrivals: request i arrives i(i-1)/2 steps after the first
            }
        }
        runUntilIdle(s);
        for (int i = 0; i < prompts.length; i++) {
            GenerationOutcome batched = listeners.get(i).result();
            GenerationOutcome solo = alone(new FakeDecoderModel(1 << 20, true), settings, prompts[i],
                    greedy(maxTokens[i]));
            assertArrayEquals(solo.generations().get(0).tokenIds(), batched.generations().get(0).tokenIds(),
                    "request " + i);
            assertEquals(solo.text(), batched.text());
            assertEquals(StopReason.MAX_TOKENS, batched.stopReason());
            assertEquals(maxTokens[i], batched.outputTokenCount());
            assertEquals(batched.text(), listeners.get(i).streamedText(), "streamed text is the whole text");
        }
        for (int[] call : model.forwardCalls) {
            assertTrue(Arrays.stream(call).sum() <= 8, "a step exceeded its token budget");
            assertTrue(call.length <= 3, "a step exceeded max running sequences");
        }
        assertEquals(0, model.kvReserved());
        assertEquals(0, model.liveSequences());
    }

    @Test
    void aLongPromptIsChunkedAndNeverStallsARunningDecode() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        ModelScheduler s = scheduler(model, settings(2, 6, 1 << 20, 4));
        RecordingListener shortOne = new RecordingListener();
        s.submitTokens(prompt(4, 1), greedy(12), shortOne, null);
        s.step(); // prefill of the short prompt; it samples its first token
        RecordingListener longOne = new RecordingListener();
        s.submitTokens(prompt(50, 2), greedy(3), longOne, null);
        int steps = 1;
        while (!shortOne.done()) {
            s.step();
            steps++;
        }
        assertEquals(12, steps, "the short request got one token in every step while the long prompt prefilled");
        List<int[]> calls = model.forwardCalls;
        for (int i = 1; i < calls.size(); i++) {
            assertTrue(Arrays.stream(calls.get(i)).sum() <= 6);
        }
        // Steps 2..10 carried the decode (1 token) plus a 5-token chunk of the 50-token prompt.
        assertArrayEquals(new int[] {1, 5}, calls.get(1));
        assertArrayEquals(new int[] {1, 5}, calls.get(9));
        runUntilIdle(s);
        assertArrayEquals(alone(new FakeDecoderModel(1 << 20, true), settings(2, 6, 1 << 20, 4), prompt(50, 2),
                greedy(3)).generations().get(0).tokenIds(), longOne.result().generations().get(0).tokenIds());
    }

    @Test
    void kvReservationGatesAdmissionAndComesBackWhenSequencesEnd() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        // Each request reserves 10 + 20 = 30 tokens; the ledger holds 70, so two run and the third waits.
        ModelScheduler s = scheduler(model, settings(8, 64, 70, 8));
        List<RecordingListener> ls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RecordingListener l = new RecordingListener();
            ls.add(l);
            s.submitTokens(prompt(10, i), greedy(20), l, null);
        }
        s.step();
        StepStats first = metrics.snapshot().lastStep();
        assertEquals(2, first.runningSequences());
        assertEquals(1, first.queueLength());
        assertEquals(60, first.kvReservedTokens());
        assertEquals(10, first.freeKvTokens());
        assertEquals(60, model.kvReserved(), "the engine saw the same reservations");
        assertEquals(-1, ls.get(2).started);
        runUntilIdle(s);
        ls.forEach(l -> assertEquals(20, l.result().outputTokenCount()));
        StepStats last = metrics.snapshot().lastStep();
        assertEquals(0, last.kvReservedTokens());
        assertEquals(0, model.kvReserved());
    }

    @Test
    void theEnginesOwnFreeKvAlsoGatesAdmission() {
        FakeDecoderModel model = new FakeDecoderModel(45, true); // the engine holds one 30-token sequence only
        ModelScheduler s = scheduler(model, settings(8, 64, 1000, 8));
        RecordingListener a = new RecordingListener();
        RecordingListener b = new RecordingListener();
        s.submitTokens(prompt(10, 1), greedy(20), a, null);
        s.submitTokens(prompt(10, 2), greedy(20), b, null);
        s.step();
        assertEquals(1, metrics.snapshot().lastStep().runningSequences());
        runUntilIdle(s);
        assertTrue(a.done() && b.done());
        assertEquals(0, model.kvReserved());
    }

    @Test
    void aCancelledSequenceLeavesTheBatchAtTheNextStepAndFreesItsKv() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        ModelScheduler s = scheduler(model, settings(4, 64, 1 << 20, 4));
        RecordingListener stays = new RecordingListener();
        RecordingListener leaves = new RecordingListener();
        s.submitTokens(prompt(5, 1), greedy(50), stays, null);
        GenerationJob job = s.submitTokens(prompt(6, 2), greedy(50), leaves, null);
        s.step();
        s.step();
        assertEquals(2, model.forwardCalls.get(1).length);
        long before = model.kvReserved();
        job.cancel();
        s.step();
        assertEquals(1, model.forwardCalls.get(2).length, "the cancelled sequence is not in the next batch");
        assertEquals(before - (6 + 50), model.kvReserved(), "its KV is freed in that step");
        StepStats step = metrics.snapshot().lastStep();
        assertEquals(1, step.retiredSequences());
        assertEquals(5 + 50, step.kvReservedTokens());
        assertFalse(leaves.done(), "a client that went away gets no more callbacks");
        assertNull(leaves.error);
        runUntilIdle(s);
        assertEquals(50, stays.result().outputTokenCount());
    }

    @Test
    void requestsPastTheirDeadlineEndWithModelTimeoutAndFreeTheirSlots() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        ModelScheduler s = scheduler(model, settings(1, 64, 1 << 20, 4));
        RecordingListener running = new RecordingListener();
        RecordingListener queued = new RecordingListener();
        s.submitTokens(prompt(5, 1), greedy(100), running, null);
        s.submitTokens(prompt(5, 2), greedy(100), queued, null);
        s.step();
        s.step();
        assertEquals(1, model.liveSequences());
        clock.advance(SchedulerFixture.TIMEOUT.plusMillis(1));
        s.step();
        assertEquals(InferenceFailure.Kind.TIMED_OUT, running.error.kind());
        assertEquals(InferenceFailure.Kind.TIMED_OUT, queued.error.kind());
        assertEquals(0, model.liveSequences());
        assertEquals(0, model.kvReserved());
        assertFalse(s.hasWork());
    }

    @Test
    void aFullQueueRefusesAtOnceAndALongWaitIsThrottled() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        AdmissionPolicy hold = new AdmissionPolicy() {
            @Override
            public boolean mayStart(QueuedRequest request, SchedulerLoad load) {
                return false;
            }
        };
        ModelScheduler s = SchedulerFixture.scheduler(model, settings(4, 64, 1 << 20, 2), hold, metrics, clock);
        RecordingListener a = new RecordingListener();
        RecordingListener b = new RecordingListener();
        s.submitTokens(prompt(5, 1), greedy(5), a, null);
        s.submitTokens(prompt(5, 2), greedy(5), b, null);
        InferenceFailure e = assertThrows(InferenceFailure.class,
                () -> s.submitTokens(prompt(5, 3), greedy(5), new RecordingListener(), null));
        assertEquals(InferenceFailure.Kind.OVERLOADED, e.kind());
        assertFalse(s.step());
        clock.advance(SchedulerFixture.QUEUE_WAIT.plusMillis(1));
        s.step();
        assertEquals(InferenceFailure.Kind.OVERLOADED, a.error.kind());
        assertEquals(InferenceFailure.Kind.OVERLOADED, b.error.kind());
        assertEquals(3, metrics.snapshot().throttled());
        assertEquals(0, s.queueLength());
    }

    @Test
    void priorityOrdersAdmissionAndAHeldRequestLetsOthersPass() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        List<String> admittedOrder = new ArrayList<>();
        AdmissionPolicy policy = new AdmissionPolicy() {
            @Override
            public int priority(QueuedRequest request) {
                return "reserved".equals(request.capacityTag()) ? 10 : 0;
            }

            @Override
            public boolean mayStart(QueuedRequest request, SchedulerLoad load) {
                return !"held".equals(request.capacityTag());
            }
        };
        ModelScheduler s = SchedulerFixture.scheduler(model, settings(1, 64, 1 << 20, 8), policy, metrics, clock);
        for (String tag : new String[] {"held", "plain", "reserved"}) {
            s.submit(new TextGenerationRequest("ab", 2, SamplingParameters.greedy(), List.of()),
                    new RecordingListener() {
                        @Override
                        public void onStart(int inputTokenCount) {
                            admittedOrder.add(tag);
                        }
                    }, tag);
        }
        s.step();
        s.step();
        s.step();
        s.step();
        assertEquals(List.of("reserved", "plain"), admittedOrder, "priority first, then FIFO; the held one waits");
        assertEquals(1, s.queueLength());
    }

    @Test
    void severalGenerationsShareOnePrefillThroughFork() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        WorkerSettings settings = settings(8, 64, 1 << 20, 4);
        ModelScheduler s = scheduler(model, settings);
        int[] p = prompt(12, 3);
        SamplingParameters sampled = new SamplingParameters(1f, 1f, 0, 77L);
        RecordingListener l = new RecordingListener();
        s.submitTokens(p, new TextGenerationRequest("", 9, sampled, List.of(), 3, LikelihoodMode.NONE), l, null);
        runUntilIdle(s);
        GenerationOutcome out = l.result();
        assertEquals(3, out.generations().size());
        assertEquals(2, model.forks);
        assertEquals(1, model.newSequences);
        assertEquals(12, model.forwardCalls.get(0)[0], "the prompt was prefilled once");
        assertEquals(27, out.outputTokenCount());
        for (int j = 0; j < 3; j++) {
            Generation g = out.generations().get(j);
            assertEquals(j, g.index());
            GenerationOutcome single = alone(new FakeDecoderModel(1 << 20, true), settings, p,
                    request(9, sampled.withSeed(77L + j)));
            assertArrayEquals(single.generations().get(0).tokenIds(), g.tokenIds(), "generation " + j + " = seed+j");
        }
        assertEquals(out.generations().get(0).text(), out.text());
        assertTrue(l.indexedTexts.stream().anyMatch(t -> t.startsWith("2:")), "each generation streams");
        assertEquals(0, model.kvReserved());
    }

    @Test
    void withoutForkEachGenerationPrefillsItsOwnPromptAndTheResultIsTheSame() {
        WorkerSettings settings = settings(8, 64, 1 << 20, 4);
        int[] p = prompt(7, 4);
        SamplingParameters sampled = new SamplingParameters(0.8f, 0.9f, 10, 5L);
        TextGenerationRequest r = new TextGenerationRequest("", 6, sampled, List.of(), 2, LikelihoodMode.NONE);
        FakeDecoderModel forking = new FakeDecoderModel(1 << 20, true);
        ModelScheduler a = scheduler(forking, settings);
        RecordingListener la = new RecordingListener();
        a.submitTokens(p, r, la, null);
        runUntilIdle(a);
        FakeDecoderModel plain = new FakeDecoderModel(1 << 20, false);
        ModelScheduler b = scheduler(plain, settings);
        RecordingListener lb = new RecordingListener();
        RecordingListener lc = new RecordingListener();
        b.submitTokens(p, r, lb, null);
        runUntilIdle(b);
        b.submitTokens(p, r, lc, null); // the scheduler now knows: both prompts prefill from admission
        runUntilIdle(b);
        for (int j = 0; j < 2; j++) {
            assertArrayEquals(la.result().generations().get(j).tokenIds(), lb.result().generations().get(j).tokenIds());
            assertArrayEquals(la.result().generations().get(j).tokenIds(), lc.result().generations().get(j).tokenIds());
        }
        assertEquals(0, plain.forks);
        assertEquals(4, plain.newSequences);
        int prefilled = plain.forwardCalls.stream().flatMapToInt(Arrays::stream).filter(n -> n == 7).map(n -> 1).sum();
        assertEquals(4, prefilled, "every generation prefilled the 7-token prompt itself");
    }

    @Test
    void likelihoodsAreLogProbabilitiesUnderTheUnmodifiedDistribution() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        ModelScheduler s = scheduler(model, settings(4, 64, 1 << 20, 4));
        int[] p = prompt(6, 9);
        // Penalties, bias and temperature change what is picked, not the reported likelihoods.
        SamplingParameters sampling = new SamplingParameters(0.7f, 1f, 0, 3L,
                new RepetitionPenalties(Penalty.of(1f), Penalty.NONE, Penalty.NONE), Map.of(5, 3f));
        RecordingListener l = new RecordingListener();
        s.submitTokens(p, new TextGenerationRequest("", 5, sampling, List.of(), 1, LikelihoodMode.ALL), l, null);
        runUntilIdle(s);
        GenerationOutcome out = l.result();
        List<TokenLikelihood> prompt = out.promptLikelihoods();
        assertEquals(6, prompt.size());
        assertTrue(Float.isNaN(prompt.get(0).logProb()));
        List<Integer> history = new ArrayList<>();
        history.add(p[0]);
        for (int i = 1; i < p.length; i++) {
            float[] logits = FakeDecoderModel.logitsAfter(history, 0);
            assertEquals(p[i], prompt.get(i).tokenId());
            assertEquals(LogProbs.logProb(logits, p[i]), prompt.get(i).logProb());
            history.add(p[i]);
        }
        for (int i = 0; i < 6; i++) {
            assertEquals(1, model.forwardCalls.get(i)[0], "ALL prefills one prompt token per step");
        }
        Generation g = out.generations().get(0);
        assertEquals(5, g.likelihoods().size());
        for (int i = 0; i < 5; i++) {
            int token = g.tokenIds()[i];
            assertEquals(LogProbs.logProb(FakeDecoderModel.logitsAfter(history, 0), token),
                    g.likelihoods().get(i).logProb());
            assertEquals(FakeDecoderModel.TOKENIZER.decode(new int[] {token}), g.likelihoods().get(i).token());
            history.add(token);
        }
    }

    @Test
    void seededSamplingIsReproducibleWhateverElseIsInTheBatch() {
        WorkerSettings settings = settings(6, 64, 1 << 20, 16);
        SamplingParameters seeded = new SamplingParameters(0.9f, 0.95f, 20, 1234L);
        int[] p = prompt(8, 11);
        GenerationOutcome solo = alone(new FakeDecoderModel(1 << 20, true), settings, p, request(30, seeded));
        ModelScheduler s = scheduler(new FakeDecoderModel(1 << 20, true), settings);
        for (int i = 0; i < 4; i++) {
            s.submitTokens(prompt(3 + i * 5, i), request(25, new SamplingParameters(1.1f, 1f, 0, null)),
                    new RecordingListener(), null);
        }
        s.step();
        RecordingListener l = new RecordingListener();
        s.submitTokens(p, request(30, seeded), l, null);
        runUntilIdle(s);
        assertArrayEquals(solo.generations().get(0).tokenIds(), l.result().generations().get(0).tokenIds());
    }

    @Test
    void stopReasonsEndOfSequenceStopSequenceMaxTokensAndContext() {
        FakeDecoderModel eos = new FakeDecoderModel(1 << 20, true);
        eos.eosAtLength = 9;
        GenerationOutcome ended = alone(eos, settings(2, 64, 1 << 20, 2), prompt(5, 1), greedy(50));
        assertEquals(StopReason.END_OF_SEQUENCE, ended.stopReason());
        assertEquals(4, ended.outputTokenCount(), "EOS is not part of the output");

        GenerationOutcome full = alone(new FakeDecoderModel(1 << 20, true), settings(2, 64, 1 << 20, 2),
                prompt(120, 1), greedy(50));
        assertEquals(StopReason.CONTEXT_LENGTH, full.stopReason());
        assertEquals(8, full.outputTokenCount(), "128-token context minus the 120-token prompt");

        GenerationOutcome plain = alone(new FakeDecoderModel(1 << 20, true), settings(2, 64, 1 << 20, 2),
                prompt(5, 1), greedy(12));
        String text = plain.text();
        String stop = text.substring(4, 6);
        int at = text.indexOf(stop);
        GenerationOutcome stopped = alone(new FakeDecoderModel(1 << 20, true), settings(2, 64, 1 << 20, 2),
                prompt(5, 1), new TextGenerationRequest("", 12, SamplingParameters.greedy(), List.of(stop)));
        assertEquals(StopReason.STOP_SEQUENCE, stopped.stopReason());
        assertEquals(text.substring(0, at), stopped.text());
        assertEquals(stop, stopped.stopSequence(), "the outcome names the stop sequence that matched");
        assertEquals(null, plain.stopSequence(), "none when the generation ended otherwise");
    }

    @Test
    void requestsThatCanNeverRunAreValidationErrors() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        ModelScheduler s = scheduler(model, settings(2, 64, 200, 2));
        RecordingListener l = new RecordingListener();
        assertEquals(InferenceFailure.Kind.INVALID_REQUEST, assertThrows(InferenceFailure.class,
                () -> s.submitTokens(new int[] {1, 999}, greedy(3), l, null)).kind());
        assertEquals(InferenceFailure.Kind.INVALID_REQUEST, assertThrows(InferenceFailure.class,
                () -> s.submitTokens(prompt(4, 1), new TextGenerationRequest("", 3, SamplingParameters.greedy(),
                        List.of(), 3, LikelihoodMode.NONE), l, null)).kind());
        assertEquals(InferenceFailure.Kind.INVALID_REQUEST, assertThrows(InferenceFailure.class,
                () -> s.submitTokens(prompt(100, 1), new TextGenerationRequest("", 100, SamplingParameters.greedy(),
                        List.of(), 2, LikelihoodMode.NONE), l, null)).kind());
        assertEquals(InferenceFailure.Kind.INVALID_REQUEST, assertThrows(InferenceFailure.class,
                () -> s.submitTokens(prompt(4, 1), request(3, SamplingParameters.greedy()
                        .withLogitBias(Map.of(40, 1f))), l, null)).kind());
    }

    @Test
    void metricsSeeEveryStepAndEveryToken() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        ModelScheduler s = scheduler(model, settings(4, 64, 1 << 20, 8));
        for (int i = 0; i < 3; i++) {
            s.submitTokens(prompt(4 + i, i), greedy(10), new RecordingListener(), null);
        }
        int steps = runUntilIdle(s);
        InMemorySchedulerMetrics.Snapshot m = metrics.snapshot();
        assertEquals(steps, m.steps());
        assertEquals(3, m.timeToFirstTokenNanos().count());
        assertEquals(3 * 9, m.interTokenLatencyNanos().count());
        assertEquals(3, m.batchSize().max());
        assertEquals(4 + 5 + 6, m.tokensPerStep().max(), "the first step prefilled all three prompts");
        assertEquals(steps, metrics.recentSteps().size());
        assertEquals(0, m.lastStep().runningSequences());
    }

    @Test
    void theExpectedWaitFollowsTheObservedAdmissionRate() {
        WaitEstimator e = new WaitEstimator();
        assertEquals(0, e.expectedWaitNanos(5), "no estimate yet");
        e.onAdmission(0, 3);
        e.onAdmission(Duration.ofSeconds(2).toNanos(), 2);
        assertEquals(Duration.ofSeconds(10).toNanos(), e.expectedWaitNanos(5));
        e.onAdmission(Duration.ofSeconds(3).toNanos(), 0);  // 1 s: mean 2 + 0.2 × (1 − 2) = 1.8 s
        assertEquals(Duration.ofMillis(3600).toNanos(), e.expectedWaitNanos(2), 1000);
        e.onAdmission(Duration.ofSeconds(100).toNanos(), 0); // the queue was empty meanwhile: idle time ignored
        assertEquals(Duration.ofMillis(1800).toNanos(), e.expectedWaitNanos(1), 1000);
        assertEquals(0, e.expectedWaitNanos(0));
    }

    @Test
    void anExpectedWaitBeyondTheLimitIsRefusedAtOnce() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        ModelScheduler s = scheduler(model, settings(1, 64, 1 << 20, 64));
        for (int i = 0; i < 4; i++) {
            s.submitTokens(prompt(5, i), greedy(3), new RecordingListener(), null);
        }
        // One sequence at a time, 3 steps each, 1 s per step: the second admission comes 3 s after the first.
        s.step();
        clock.advance(Duration.ofSeconds(1));
        while (s.queueLength() == 3) {
            s.step();
            clock.advance(Duration.ofSeconds(1));
        }
        assertEquals(2, s.queueLength());
        InferenceFailure e = assertThrows(InferenceFailure.class,
                () -> s.submitTokens(prompt(5, 9), greedy(3), new RecordingListener(), null));
        assertEquals(InferenceFailure.Kind.OVERLOADED, e.kind());
        assertTrue(e.getMessage().contains("expected wait"), e.getMessage());
        runUntilIdle(s);
    }
}
