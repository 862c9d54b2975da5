package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.Generation;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.LikelihoodMode;
import dev.localbedrock.codecs.inference.PromptTruncation;
import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.codecs.inference.StopReason;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.runtime.generation.SchedulerFixture.ManualClock;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static dev.localbedrock.runtime.generation.SchedulerFixture.alone;
import static dev.localbedrock.runtime.generation.SchedulerFixture.greedy;
import static dev.localbedrock.runtime.generation.SchedulerFixture.prompt;
import static dev.localbedrock.runtime.generation.SchedulerFixture.runUntilIdle;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the intake does with a prompt too long for the context (refuse, or cut from the start or the end) and with a
 * request for no new tokens. The fake model's context here is 128 tokens (the settings' limit).
 */
class PromptLimitsTest {
    private static final int CONTEXT = 128;

    private final FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
    private final WorkerSettings settings = SchedulerFixture.settings(4, 64, 1 << 20, 4);
    private final ModelScheduler scheduler = SchedulerFixture.scheduler(model, settings, AdmissionPolicy.FIFO,
            SchedulerMetrics.NONE, new ManualClock());

    private static TextGenerationRequest truncating(int maxTokens, PromptTruncation mode) {
        return new TextGenerationRequest("", maxTokens, SamplingParameters.greedy(), List.of(), 1,
                LikelihoodMode.NONE, mode);
    }

    private GenerationOutcome run(int[] promptIds, TextGenerationRequest request, RecordingListener l) {
        scheduler.submitTokens(promptIds, request, l, null);
        runUntilIdle(scheduler);
        return l.result();
    }

    @Test
    void withoutTruncationATooLongPromptIsRefusedAsToday() {
        InferenceFailure e = assertThrows(InferenceFailure.class, () -> scheduler.submitTokens(prompt(CONTEXT, 1),
                truncating(10, PromptTruncation.NONE), new RecordingListener(), null));
        assertEquals(InferenceFailure.Kind.INVALID_REQUEST, e.kind());
        assertTrue(e.getMessage().startsWith("Input is too long for requested model: the prompt is 128 tokens"),
                e.getMessage());
        // A shorter prompt that leaves less room than asked still runs, its generation capped by the context.
        GenerationOutcome capped = run(prompt(120, 1), truncating(50, PromptTruncation.NONE),
                new RecordingListener());
        assertEquals(120, capped.inputTokenCount());
        assertEquals(StopReason.CONTEXT_LENGTH, capped.stopReason());
    }

    @Test
    void endTruncationKeepsTheFirstTokensThatLeaveRoomForTheWholeGeneration() {
        int[] p = prompt(200, 3);
        RecordingListener l = new RecordingListener();
        GenerationOutcome out = run(p, truncating(28, PromptTruncation.END), l);
        int[] kept = Arrays.copyOf(p, CONTEXT - 28);
        assertEquals(100, out.inputTokenCount(), "the tokens the model actually read");
        assertEquals(100, l.started);
        assertEquals(28, out.outputTokenCount(), "the whole generation fits after the cut");
        assertEquals(StopReason.MAX_TOKENS, out.stopReason());
        assertArrayEquals(alone(new FakeDecoderModel(1 << 20, true), settings, kept, greedy(28))
                .generations().get(0).tokenIds(), out.generations().get(0).tokenIds());
        assertEquals(0, model.kvReserved());
    }

    @Test
    void startTruncationKeepsTheLastTokensAndTheLeadingBos() {
        int[] p = prompt(200, 4);
        GenerationOutcome out = run(p, truncating(28, PromptTruncation.START), new RecordingListener());
        int[] kept = new int[100];
        kept[0] = FakeDecoderModel.BOS;
        System.arraycopy(p, 200 - 99, kept, 1, 99);
        assertEquals(100, out.inputTokenCount());
        assertArrayEquals(alone(new FakeDecoderModel(1 << 20, true), settings, kept, greedy(28))
                .generations().get(0).tokenIds(), out.generations().get(0).tokenIds());
    }

    @Test
    void aPromptThatAlreadyFitsIsNotCut() {
        int[] p = prompt(100, 5);
        GenerationOutcome out = run(p, truncating(28, PromptTruncation.START), new RecordingListener());
        assertEquals(100, out.inputTokenCount());
        assertArrayEquals(alone(new FakeDecoderModel(1 << 20, true), settings, p, greedy(28))
                .generations().get(0).tokenIds(), out.generations().get(0).tokenIds());
    }

    @Test
    void aGenerationAsLongAsTheContextLeavesOnePromptToken() {
        int[] p = prompt(50, 6);
        GenerationOutcome out = run(p, truncating(1000, PromptTruncation.START), new RecordingListener());
        assertEquals(1, out.inputTokenCount(), "contextTokens - min(maxTokens, contextTokens - 1)");
        assertEquals(CONTEXT - 1, out.outputTokenCount());
        assertEquals(StopReason.CONTEXT_LENGTH, out.stopReason());
        GenerationOutcome end = run(p, truncating(1000, PromptTruncation.END), new RecordingListener());
        assertEquals(1, end.inputTokenCount());
        assertArrayEquals(alone(new FakeDecoderModel(1 << 20, true), settings, new int[] {p[0]}, greedy(1000))
                .generations().get(0).tokenIds(), end.generations().get(0).tokenIds());
    }

    @Test
    void theByteSizePreCheckRefusesOnlyARequestThatMayNotBeCut() {
        FakeDecoderModel spanned = new FakeDecoderModel(1 << 20, true);
        spanned.maxBytesPerToken = 1;
        ModelScheduler s = SchedulerFixture.scheduler(spanned, settings, AdmissionPolicy.FIFO,
                SchedulerMetrics.NONE, new ManualClock());
        String text = "abcdefghij".repeat(30); // 300 bytes, 301 tokens with BOS
        InferenceFailure refused = assertThrows(InferenceFailure.class, () -> s.submit(new TextGenerationRequest(
                text, 10, SamplingParameters.greedy(), List.of()), new RecordingListener(), null));
        assertTrue(refused.getMessage().contains("300 bytes"), refused.getMessage());
        RecordingListener l = new RecordingListener();
        s.submit(new TextGenerationRequest(text, 10, SamplingParameters.greedy(), List.of(), 1, LikelihoodMode.NONE,
                PromptTruncation.END), l, null);
        runUntilIdle(s);
        assertEquals(CONTEXT - 10, l.result().inputTokenCount());
        assertEquals(10, l.result().outputTokenCount());
    }

    @Test
    void zeroMaxTokensCompletesAtOnceWithoutTheModel() {
        RecordingListener l = new RecordingListener();
        scheduler.submitTokens(prompt(10, 7), new TextGenerationRequest("", 0, SamplingParameters.greedy(),
                List.of(), 3, LikelihoodMode.GENERATION), l, null);
        assertTrue(l.done(), "completed before submit returned");
        assertEquals(10, l.started);
        GenerationOutcome out = l.result();
        assertEquals(10, out.inputTokenCount());
        assertEquals(0, out.outputTokenCount());
        assertEquals(StopReason.MAX_TOKENS, out.stopReason());
        assertEquals("", out.text());
        assertEquals(3, out.generations().size());
        for (Generation g : out.generations()) {
            assertEquals(StopReason.MAX_TOKENS, g.stopReason());
            assertEquals(0, g.tokenIds().length);
            assertTrue(g.likelihoods().isEmpty());
        }
        assertFalse(scheduler.step(), "nothing was queued");
        assertEquals(0, scheduler.queueLength());
        assertEquals(0, scheduler.kvReservedTokens());
        assertTrue(model.forwardCalls.isEmpty());
        assertEquals(0, model.liveSequences());
    }

    @Test
    void zeroMaxTokensWithTruncationFillsTheWholeContext() {
        RecordingListener l = new RecordingListener();
        scheduler.submitTokens(prompt(300, 8), truncating(0, PromptTruncation.START), l, null);
        assertEquals(CONTEXT, l.result().inputTokenCount());
        assertEquals(StopReason.MAX_TOKENS, l.result().stopReason());
    }

    @Test
    void zeroMaxTokensForThePromptsLikelihoodsRunsThePrefillAndEndsOnTheLimitEvenAtEndOfSequence() {
        model.eosAtLength = 6; // end-of-sequence is the top logit right after the prompt
        RecordingListener l = new RecordingListener();
        GenerationOutcome out = run(prompt(6, 9), new TextGenerationRequest("", 0, SamplingParameters.greedy(),
                List.of(), 2, LikelihoodMode.ALL), l);
        assertEquals(6, out.promptLikelihoods().size());
        assertEquals(6, out.inputTokenCount());
        assertEquals(0, out.outputTokenCount());
        for (Generation g : out.generations()) {
            assertEquals(StopReason.MAX_TOKENS, g.stopReason());
            assertEquals(0, g.tokenIds().length);
        }
        assertEquals(0, scheduler.kvReservedTokens());
        assertEquals(0, model.kvReserved());
        assertEquals(0, model.liveSequences());
    }
}
