package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.LikelihoodMode;
import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.codecs.inference.TextGenerationRequest;
import dev.localbedrock.runtime.generation.SchedulerFixture.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.localbedrock.runtime.generation.SchedulerFixture.greedy;
import static dev.localbedrock.runtime.generation.SchedulerFixture.prompt;
import static dev.localbedrock.runtime.generation.SchedulerFixture.runUntilIdle;
import static dev.localbedrock.runtime.generation.SchedulerFixture.settings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reserved capacity for provisioned throughput, on the fake engine stepped by hand on a manual clock. */
class ReservedCapacityTest {
    private static final String ARN = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/a1";
    private static final String OTHER = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/b2";

    private final ManualClock clock = new ManualClock();
    private final InMemorySchedulerMetrics metrics = new InMemorySchedulerMetrics();

    private ModelScheduler scheduler(FakeDecoderModel model, WorkerSettings settings) {
        return SchedulerFixture.scheduler(model, settings, AdmissionPolicy.FIFO, metrics, clock);
    }

    private static List<RecordingListener> submit(ModelScheduler s, int count, int promptTokens, int maxTokens,
                                                  String tag) {
        List<RecordingListener> ls = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            RecordingListener l = new RecordingListener();
            ls.add(l);
            s.submitTokens(prompt(promptTokens, ls.size() * 31 + promptTokens), greedy(maxTokens), l, tag);
        }
        return ls;
    }

    private static long started(List<RecordingListener> ls) {
        return ls.stream().filter(l -> l.started >= 0).count();
    }

    private void assertNothingLeaks(ModelScheduler s, FakeDecoderModel model) {
        assertFalse(s.hasWork());
        assertEquals(0, model.kvReserved(), "engine KV");
        assertEquals(0, model.liveSequences(), "engine sequences");
        assertEquals(0, s.kvReservedTokens(), "ledger KV");
        assertTrue(s.usage().isEmpty(), "per-class usage");
        assertEquals(0, s.usage().sequences(ARN));
        assertEquals(0, s.usage().sequences(null));
    }

    @Test
    void reservationsAreReplacedReleasedAndRefusedBeyondAllButOneSlot() {
        CapacityReservations r = new CapacityReservations(8, 800);
        assertEquals(7, r.reservableSequences(), "one slot always stays on-demand");
        assertTrue(r.reserve(ARN, 3));
        assertEquals(300, r.kvTokens(ARN), "KV in proportion: 3 × 800 / 8");
        assertTrue(r.has(ARN));
        assertEquals(4, r.reservableSequences());
        assertTrue(r.reserve(OTHER, 4));
        assertEquals(7, r.reservedSequences());
        assertEquals(0, r.reservableSequences());
        assertFalse(r.reserve("arn:third", 1), "would leave on-demand no slot");
        assertFalse(r.has("arn:third"));
        assertFalse(r.reserve(ARN, 4), "a replacement is checked against the others too");
        assertEquals(3, r.sequences(ARN), "a refused replacement changes nothing");
        assertTrue(r.reserve(ARN, 1), "replaces, not adds");
        assertEquals(5, r.reservedSequences());
        assertEquals(100, r.kvTokens(ARN));
        r.release(ARN);
        r.release(ARN);
        r.release("arn:never-reserved");
        assertFalse(r.has(ARN));
        assertEquals(0, r.kvTokens(ARN));
        assertEquals(4, r.reservedSequences());
        assertEquals(3, r.reservableSequences());
        assertFalse(r.has(null), "on-demand traffic has no reservation");
        assertThrows(IllegalArgumentException.class, () -> r.reserve(ARN, 0));
        assertThrows(NullPointerException.class, () -> r.reserve(null, 1));
        assertFalse(new CapacityReservations(1, 100).reserve(ARN, 1), "a one-slot batch can reserve nothing");
    }

    @Test
    void eachWorkerHasItsOwnReservations() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        try (ModelWorker worker = new ModelWorker("fake", model, settings(4, 32, 1 << 20, 8))) {
            assertTrue(worker.reservations().reserve(ARN, 3));
            assertEquals(0, worker.reservations().reservableSequences());
        }
    }

    @Test
    void anOnDemandFloodCannotTakeReservedSlotsAndATaggedRequestStartsAtOnce() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        ModelScheduler s = scheduler(model, settings(4, 64, 1 << 20, 32));
        assertTrue(s.reservations().reserve(ARN, 2));
        List<RecordingListener> onDemand = submit(s, 6, 5, 30, null);
        s.step();
        assertEquals(2, started(onDemand), "2 of 4 slots are reserved");
        s.step();
        assertEquals(2, started(onDemand), "free slots stay free for the reservation");
        RecordingListener tagged = submit(s, 1, 5, 10, ARN).get(0);
        s.step();
        assertTrue(tagged.started >= 0, "the provisioned request starts at the next step");
        assertEquals(2, started(onDemand));
        assertEquals(3, metrics.snapshot().lastStep().runningSequences());
        runUntilIdle(s);
        assertEquals(10, tagged.result().outputTokenCount());
        onDemand.forEach(l -> assertEquals(30, l.result().outputTokenCount()));
        assertNothingLeaks(s, model);
    }

    @Test
    void anOnDemandFloodCannotTakeReservedKv() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        // 8 slots and 800 KV tokens; 2 reserved slots hold back 200 of them. Each request reserves 20 + 100 = 120,
        // more than a slot's average share of 100, so KV runs out before slots do.
        ModelScheduler s = scheduler(model, settings(8, 256, 800, 32));
        assertTrue(s.reservations().reserve(ARN, 2));
        List<RecordingListener> onDemand = submit(s, 6, 20, 100, null);
        s.step();
        assertEquals(5, started(onDemand), "800 − 5 × 120 = 200 is left: exactly the reserved KV");
        assertEquals(200, metrics.snapshot().lastStep().freeKvTokens());
        assertEquals(5, metrics.snapshot().lastStep().runningSequences(), "one unreserved slot is free, KV is not");
        s.step();
        assertEquals(5, started(onDemand));
        RecordingListener tagged = submit(s, 1, 20, 100, ARN).get(0);
        s.step();
        assertTrue(tagged.started >= 0, "the reserved KV was still there for the provisioned request");
        assertEquals(5, started(onDemand));
        runUntilIdle(s);
        assertEquals(100, tagged.result().outputTokenCount());
        onDemand.forEach(l -> assertEquals(100, l.result().outputTokenCount()));
        assertNothingLeaks(s, model);
    }

    @Test
    void aProvisionedBurstUsesFreeCapacityButLeavesOtherReservations() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        ModelScheduler s = scheduler(model, settings(6, 64, 1 << 20, 32));
        assertTrue(s.reservations().reserve(ARN, 1));
        assertTrue(s.reservations().reserve(OTHER, 2));
        List<RecordingListener> burst = submit(s, 6, 4, 20, ARN);
        s.step();
        assertEquals(4, started(burst), "its own slot plus the 3 unreserved ones, not OTHER's 2");
        List<RecordingListener> onDemand = submit(s, 2, 4, 20, null);
        List<RecordingListener> other = submit(s, 3, 4, 20, OTHER);
        s.step();
        assertEquals(2, started(other), "OTHER gets its reservation at once although the batch was busy");
        assertEquals(0, started(onDemand), "nothing is left for on-demand traffic");
        assertEquals(4, started(burst));
        runUntilIdle(s);
        burst.forEach(l -> assertEquals(20, l.result().outputTokenCount()));
        other.forEach(l -> assertEquals(20, l.result().outputTokenCount()));
        onDemand.forEach(l -> assertEquals(20, l.result().outputTokenCount()));
        assertNothingLeaks(s, model);
    }

    @Test
    void aLargeRequestThatDoesNotFitNeverBlocksAnotherTagsReservation() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        ModelScheduler s = scheduler(model, settings(6, 64, 1 << 20, 32));
        assertTrue(s.reservations().reserve(OTHER, 1));
        List<RecordingListener> onDemand = submit(s, 3, 4, 30, null);
        s.step();
        assertEquals(3, started(onDemand));
        // 3 slots free, 1 of them OTHER's. A request for 4 generations cannot fit; queued ahead of a small on-demand
        // one and of OTHER's, it stops the small one (no overtaking) but not OTHER's guaranteed slot.
        RecordingListener large = new RecordingListener();
        s.submitTokens(prompt(4, 1), new TextGenerationRequest("", 5, SamplingParameters.greedy(), List.of(), 4,
                LikelihoodMode.NONE), large, null);
        List<RecordingListener> late = submit(s, 1, 4, 5, null);
        RecordingListener other = submit(s, 1, 4, 5, OTHER).get(0);
        s.step();
        assertTrue(other.started >= 0);
        assertEquals(-1, large.started);
        assertEquals(-1, late.get(0).started, "no overtaking of the large request in the shared pool");
        runUntilIdle(s);
        assertEquals(20, large.result().outputTokenCount());
        assertEquals(5, late.get(0).result().outputTokenCount());
        assertEquals(5, other.result().outputTokenCount());
        assertNothingLeaks(s, model);
    }

    @Test
    void aQueueFullOfOnDemandRequestsDoesNotRefuseAReservedOne() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, true);
        ModelScheduler s = scheduler(model, settings(4, 64, 1 << 20, 2));
        assertTrue(s.reservations().reserve(ARN, 1));
        List<RecordingListener> onDemand = submit(s, 2, 5, 5, null);
        InferenceFailure full = assertThrows(InferenceFailure.class, () -> submit(s, 1, 5, 5, null));
        assertEquals(InferenceFailure.Kind.OVERLOADED, full.kind());
        List<RecordingListener> reserved = submit(s, 2, 5, 5, ARN);
        assertEquals(4, s.queueLength());
        InferenceFailure reservedFull = assertThrows(InferenceFailure.class, () -> submit(s, 1, 5, 5, ARN));
        assertEquals(InferenceFailure.Kind.OVERLOADED, reservedFull.kind(), "reserved requests have their own bound");
        assertTrue(reservedFull.getMessage().contains("2 requests already waiting"), reservedFull.getMessage());
        s.step();
        reserved.forEach(l -> assertTrue(l.started >= 0, "reserved requests are admitted first"));
        assertEquals(2, started(onDemand), "the rest of the batch was still free for on-demand traffic");
        runUntilIdle(s);
        onDemand.forEach(l -> assertEquals(5, l.result().outputTokenCount()));
        reserved.forEach(l -> assertEquals(5, l.result().outputTokenCount()));
        assertNothingLeaks(s, model);
    }

    @Test
    void cancelsTimeoutsAndAbortsOfBothClassesLeakNoSlotOrKv() {
        FakeDecoderModel model = new FakeDecoderModel(1 << 20, false);
        ModelScheduler s = scheduler(model, settings(6, 64, 1 << 20, 32));
        assertTrue(s.reservations().reserve(ARN, 2));
        TextGenerationRequest twoGenerations = new TextGenerationRequest("", 50, SamplingParameters.greedy(),
                List.of(), 2, LikelihoodMode.NONE);
        List<GenerationJob> jobs = new ArrayList<>();
        for (String tag : new String[] {ARN, null}) {
            jobs.add(s.submitTokens(prompt(6, 1), twoGenerations, new RecordingListener(), tag));
            jobs.add(s.submitTokens(prompt(7, 2), greedy(50), new RecordingListener(), tag));
            jobs.add(s.submitTokens(prompt(8, 3), greedy(50), new RecordingListener(), tag));
        }
        s.step();
        s.step();
        assertTrue(s.usage().sequences(ARN) > 0 && s.usage().sequences(null) > 0);
        jobs.get(0).cancel(); // running, reserved, two generations
        jobs.get(3).cancel(); // on-demand, two generations
        jobs.get(5).cancel(); // on-demand, queued or running
        s.step();
        assertEquals(metrics.snapshot().lastStep().kvReservedTokens(), s.usage().kvTokens(ARN)
                + s.usage().kvTokens(null), "usage and ledger agree");
        s.reservations().release(ARN); // a release mid-flight leaves the running requests to finish as unreserved
        clock.advance(SchedulerFixture.TIMEOUT.plusMillis(1));
        s.step();
        s.abortAll(new InferenceFailure(InferenceFailure.Kind.UNAVAILABLE, "shutting down"));
        runUntilIdle(s);
        assertNothingLeaks(s, model);

        // Finished normally, with and without a reservation, after the release.
        assertTrue(s.reservations().reserve(ARN, 2));
        submit(s, 3, 5, 8, ARN);
        submit(s, 4, 5, 8, null);
        runUntilIdle(s);
        assertNothingLeaks(s, model);
    }

    /** Per forward call: 5 ms fixed (weights, launch) plus 0.1 ms per token, so step time follows its token count. */
    private static final long FIXED_NANOS = Duration.ofMillis(5).toNanos();
    private static final long PER_TOKEN_NANOS = Duration.ofMillis(1).toNanos() / 10;

    /**
     * The tagged request's inter-token gaps (p99, ns) in a 4-slot batch with a 256-token step budget, either alone or
     * while on-demand requests with 100-token prompts keep the batch and the queue full.
     */
    private long p99InterTokenGap(boolean reserve, boolean flood) {
        FakeDecoderModel model = new FakeDecoderModel(1 << 22, true);
        model.onForward = tokens -> clock.now += FIXED_NANOS + PER_TOKEN_NANOS * tokens;
        ModelScheduler s = scheduler(model, settings(4, 256, 1 << 22, 64)); // reservedStepTokens: the default, 8
        if (reserve) {
            assertTrue(s.reservations().reserve(ARN, 1));
        }
        List<Long> tokenTimes = new ArrayList<>();
        RecordingListener tagged = new RecordingListener() {
            @Override
            public synchronized void onText(String text, int outputTokenCount) {
                while (tokenTimes.size() < outputTokenCount) {
                    tokenTimes.add(clock.now);
                }
            }
        };
        s.submitTokens(prompt(5, 1), greedy(40), tagged, ARN);
        int salt = 100;
        while (!tagged.done()) {
            while (flood && s.queueLength() < 8) {
                s.submitTokens(prompt(100, salt++), greedy(4), new RecordingListener(), null);
            }
            s.step();
        }
        assertEquals(40, tagged.result().outputTokenCount());
        assertEquals(40, tokenTimes.size());
        runUntilIdle(s);
        assertNothingLeaks(s, model);
        if (flood) {
            assertTrue(salt - 100 > 8, "on-demand requests kept arriving and were served");
        }
        long[] gaps = new long[tokenTimes.size() - 1];
        for (int i = 1; i < tokenTimes.size(); i++) {
            gaps[i - 1] = tokenTimes.get(i) - tokenTimes.get(i - 1);
        }
        Arrays.sort(gaps);
        return gaps[(int) Math.ceil(0.99 * gaps.length) - 1];
    }

    @Test
    void aReservationKeepsInterTokenLatencyWhileOnDemandPromptsSaturateTheBatch() {
        long idle = p99InterTokenGap(true, false);
        long saturated = p99InterTokenGap(true, true);
        assertTrue(saturated <= idle * 3 / 2, "p99 idle " + idle + " ns, saturated " + saturated + " ns");
    }

    @Test
    void withoutAReservationTheSameFloodInflatesInterTokenLatency() {
        long idle = p99InterTokenGap(false, false);
        long saturated = p99InterTokenGap(false, true);
        assertTrue(saturated > idle * 3, "p99 idle " + idle + " ns, saturated " + saturated + " ns");
    }
}
