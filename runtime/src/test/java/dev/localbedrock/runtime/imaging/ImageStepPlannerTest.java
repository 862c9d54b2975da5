package dev.localbedrock.runtime.imaging;

import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.runtime.imaging.ImageStepPlan.Advance;
import dev.localbedrock.runtime.imaging.ImageStepPlan.Retired;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageStepPlannerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration QUEUE_WAIT = Duration.ofSeconds(5);

    private static final class ManualClock implements LongSupplier {
        long now = 1_000_000_000L;

        @Override
        public long getAsLong() {
            return now;
        }

        void advance(Duration d) {
            now += d.toNanos();
        }
    }

    private final ManualClock clock = new ManualClock();

    private ImageStepPlanner<String> planner(int maxRowsPerStep, int maxQueue) {
        return new ImageStepPlanner<>("sdxl", new ImagePlannerLimits(maxRowsPerStep, maxQueue, TIMEOUT, QUEUE_WAIT),
                clock);
    }

    /** A guided job: {@code 2 × samples} rows per step. */
    private static DenoisingJob<String> job(String name, int steps, int samples) {
        return new DenoisingJob<>(name, steps, samples, true);
    }

    private static List<String> advancing(ImageStepPlan<String> plan) {
        return plan.advancing().stream().map(a -> a.job().attachment()).toList();
    }

    private static List<String> admitted(ImageStepPlan<String> plan) {
        return plan.admitted().stream().map(DenoisingJob::attachment).toList();
    }

    private static List<String> retired(ImageStepPlan<String> plan, Retirement reason) {
        return plan.retired().stream().filter(r -> r.reason() == reason).map(r -> r.job().attachment()).toList();
    }

    @Test
    void emptyPlannerPlansNothing() {
        ImageStepPlanner<String> p = planner(8, 4);
        ImageStepPlan<String> plan = p.plan();
        assertTrue(plan.hasNoStep());
        assertTrue(plan.admitted().isEmpty());
        assertTrue(plan.retired().isEmpty());
        assertEquals(0, plan.rows());
        assertTrue(p.isIdle());
        assertEquals(0, p.rowsInLastStep());
    }

    @Test
    void rowsCountBothGuidanceBranchesPerSample() {
        assertEquals(6, job("a", 1, 3).rowsPerStep());
        assertEquals(3, new DenoisingJob<>("a", 1, 3, false).rowsPerStep());
        assertThrows(IllegalArgumentException.class, () -> job("a", 0, 1));
        assertThrows(IllegalArgumentException.class, () -> job("a", 1, 0));
    }

    @Test
    void admitsFifoAndPacksWholeJobsWithoutOvertaking() {
        ImageStepPlanner<String> p = planner(8, 8);
        p.offer(job("a", 5, 1)); // 2 rows
        p.offer(job("b", 5, 2)); // 4 rows: 6 so far
        p.offer(job("c", 5, 2)); // 4 rows: does not fit beside a and b
        p.offer(job("d", 5, 1)); // 2 rows would fit, but may not overtake c
        ImageStepPlan<String> plan = p.plan();
        assertEquals(List.of("a", "b"), admitted(plan));
        assertEquals(List.of("a", "b"), advancing(plan));
        assertEquals(6, plan.rows());
        assertEquals(6, p.rowsInLastStep());
        assertEquals(2, p.running());
        assertEquals(2, p.queued());

        ImageStepPlan<String> second = p.plan();
        assertTrue(second.admitted().isEmpty(), "nothing freed, so c still waits and d stays behind it");
        assertEquals(List.of("a", "b"), advancing(second));
    }

    @Test
    void packsUpToTheLimitExactly() {
        ImageStepPlanner<String> p = planner(8, 8);
        p.offer(job("a", 3, 2));
        p.offer(job("b", 3, 2));
        p.offer(job("c", 3, 1));
        ImageStepPlan<String> plan = p.plan();
        assertEquals(List.of("a", "b"), admitted(plan));
        assertEquals(8, plan.rows());
    }

    @Test
    void jobLargerThanTheLimitRunsAloneOnceNothingElseRuns() {
        ImageStepPlanner<String> p = planner(4, 8);
        p.offer(job("small", 2, 1));    // 2 rows
        p.offer(job("huge", 2, 4));     // 8 rows > 4
        p.offer(job("after", 2, 1));    // 2 rows, waits behind huge
        ImageStepPlan<String> first = p.plan();
        assertEquals(List.of("small"), advancing(first));

        p.plan(); // small's second and last step
        ImageStepPlan<String> third = p.plan();
        assertEquals(List.of("small"), retired(third, Retirement.FINISHED));
        assertEquals(List.of("huge"), admitted(third), "alone rather than starving");
        assertEquals(List.of("huge"), advancing(third));
        assertEquals(8, third.rows());

        assertEquals(List.of("huge"), advancing(p.plan()));
        ImageStepPlan<String> fifth = p.plan();
        assertEquals(List.of("huge"), retired(fifth, Retirement.FINISHED));
        assertEquals(List.of("after"), advancing(fifth));
    }

    @Test
    void jobsOfDifferentStepCountsInterleaveOneStepEachPerPlan() {
        ImageStepPlanner<String> p = planner(8, 8);
        p.offer(job("short", 2, 1));
        p.offer(job("long", 4, 1));
        int[] shortSteps = {0, 1};
        int[] longSteps = {0, 1, 2, 3};
        for (int i = 0; i < 4; i++) {
            ImageStepPlan<String> plan = p.plan();
            List<Advance<String>> adv = plan.advancing();
            if (i < 2) {
                assertEquals(List.of("short", "long"), advancing(plan));
                assertEquals(shortSteps[i], adv.get(0).step());
                assertEquals(longSteps[i], adv.get(1).step());
            } else {
                assertEquals(List.of("long"), advancing(plan));
                assertEquals(longSteps[i], adv.get(0).step());
            }
            if (i == 2) {
                assertEquals(List.of("short"), retired(plan, Retirement.FINISHED));
            }
        }
        ImageStepPlan<String> last = p.plan();
        assertEquals(List.of("long"), retired(last, Retirement.FINISHED));
        assertTrue(last.hasNoStep());
        assertTrue(p.isIdle());
        assertEquals(2, p.imagesCompleted());
    }

    @Test
    void cancelMidwayFreesItsRowsForTheNextPlan() {
        ImageStepPlanner<String> p = planner(4, 8);
        DenoisingJob<String> a = job("a", 10, 2); // all 4 rows
        p.offer(a);
        p.offer(job("b", 10, 2));
        assertEquals(List.of("a"), advancing(p.plan()));
        assertEquals(List.of("a"), advancing(p.plan()));

        a.cancel();
        assertEquals(1, p.running(), "cancellation takes effect at the next plan, not at once");
        ImageStepPlan<String> plan = p.plan();
        assertEquals(List.of("a"), retired(plan, Retirement.CANCELLED));
        assertEquals(List.of("b"), admitted(plan));
        assertEquals(List.of("b"), advancing(plan));
        assertEquals(0, p.imagesCompleted(), "a cancelled job completes no image");
    }

    @Test
    void cancelWhileWaitingLeavesTheQueue() {
        ImageStepPlanner<String> p = planner(2, 8);
        p.offer(job("a", 3, 1));
        DenoisingJob<String> b = job("b", 3, 1);
        p.offer(b);
        p.plan();
        b.cancel();
        ImageStepPlan<String> plan = p.plan();
        assertEquals(List.of("b"), retired(plan, Retirement.CANCELLED));
        assertEquals(0, p.queued());
    }

    @Test
    void runningJobPastItsDeadlineTimesOut() {
        ImageStepPlanner<String> p = planner(8, 8);
        p.offer(job("slow", 100, 1));
        p.plan();
        clock.advance(TIMEOUT);
        assertEquals(List.of("slow"), advancing(p.plan()), "the deadline itself is not past it");
        clock.advance(Duration.ofMillis(1));
        ImageStepPlan<String> plan = p.plan();
        assertEquals(List.of("slow"), retired(plan, Retirement.TIMED_OUT));
        assertTrue(plan.hasNoStep());
        InferenceFailure f = ImageFailures.of(Retirement.TIMED_OUT, p.limits());
        assertEquals(InferenceFailure.Kind.TIMED_OUT, f.kind());
        assertTrue(f.getMessage().contains("10.0 s"), f.getMessage());
    }

    @Test
    void timeoutWinsOverTheLastStepHavingRun() {
        ImageStepPlanner<String> p = planner(8, 8);
        p.offer(job("a", 1, 1));
        p.plan();
        clock.advance(TIMEOUT.plusMillis(1));
        assertEquals(List.of("a"), retired(p.plan(), Retirement.TIMED_OUT));
        assertEquals(0, p.imagesCompleted());
    }

    @Test
    void waitingJobThatWaitsTooLongIsThrottled() {
        ImageStepPlanner<String> p = planner(2, 8);
        p.offer(job("a", 1000, 1));
        p.offer(job("b", 3, 1));
        p.plan();
        clock.advance(QUEUE_WAIT.plusMillis(1));
        ImageStepPlan<String> plan = p.plan();
        assertEquals(List.of("b"), retired(plan, Retirement.WAITED_TOO_LONG));
        assertEquals(List.of("a"), advancing(plan));
        InferenceFailure f = ImageFailures.of(Retirement.WAITED_TOO_LONG, p.limits());
        assertEquals(InferenceFailure.Kind.OVERLOADED, f.kind());
        assertTrue(f.getMessage().contains("5000 ms"), f.getMessage());
    }

    @Test
    void fullQueueRefusesWithAReason() {
        ImageStepPlanner<String> p = planner(8, 2);
        p.offer(job("a", 3, 1));
        p.offer(job("b", 3, 1));
        InferenceFailure f = assertThrows(InferenceFailure.class, () -> p.offer(job("c", 3, 1)));
        assertEquals(InferenceFailure.Kind.OVERLOADED, f.kind());
        assertEquals("Too many requests, please wait before trying again. (sdxl: 2 requests already waiting)",
                f.getMessage());
        assertEquals(2, p.queued());

        p.plan(); // both start, the queue is empty again
        p.offer(job("c", 3, 1));
        assertEquals(1, p.queued());
    }

    @Test
    void zeroQueueStillLetsOneRequestWaitForTheStepBoundary() {
        ImageStepPlanner<String> p = planner(8, 0);
        p.offer(job("a", 1, 1));
        assertThrows(InferenceFailure.class, () -> p.offer(job("b", 1, 1)));
    }

    @Test
    void aJobIsOfferedOnce() {
        ImageStepPlanner<String> p = planner(8, 8);
        DenoisingJob<String> a = job("a", 1, 1);
        p.offer(a);
        assertThrows(IllegalStateException.class, () -> p.offer(a));
    }

    @Test
    void drainReturnsEverythingRunningFirst() {
        ImageStepPlanner<String> p = planner(2, 8);
        p.offer(job("a", 3, 1));
        p.offer(job("b", 3, 1));
        p.plan();
        List<String> drained = p.drain().stream().map(DenoisingJob::attachment).toList();
        assertEquals(List.of("a", "b"), drained);
        assertTrue(p.isIdle());
    }

    @Test
    void limitsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new ImagePlannerLimits(0, 1, TIMEOUT, QUEUE_WAIT));
        assertThrows(IllegalArgumentException.class, () -> new ImagePlannerLimits(1, -1, TIMEOUT, QUEUE_WAIT));
        assertThrows(IllegalArgumentException.class, () -> new ImagePlannerLimits(1, 1, Duration.ZERO, QUEUE_WAIT));
        assertThrows(IllegalArgumentException.class,
                () -> ImageFailures.of(Retirement.FINISHED, new ImagePlannerLimits(1, 1, TIMEOUT, QUEUE_WAIT)));
    }
}
