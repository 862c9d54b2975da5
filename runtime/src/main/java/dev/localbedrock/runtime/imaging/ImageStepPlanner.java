package dev.localbedrock.runtime.imaging;

import dev.localbedrock.codecs.inference.InferenceFailure;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Decides each denoising step's UNet batch from counts alone (steps left, rows per step, the clock); it never sees a
 * latent. Each {@link #plan} is one step boundary:
 *
 * <ol>
 *   <li>Jobs leave: running ones that are cancelled, past their deadline or out of steps; waiting ones that are
 *       cancelled, past their deadline or have waited longer than {@code maxQueueWait} (see {@link Retirement} for
 *       which reason wins). Their rows are free for this same plan.</li>
 *   <li>Waiting jobs start in arrival order while their rows fit, whole, in {@code maxRowsPerStep} beside the running
 *       ones. The first that does not fit stops admission (no overtaking, so a large request is not starved by small
 *       ones behind it), except that a job larger than the limit starts when nothing else runs, and then runs
 *       alone.</li>
 *   <li>Every running job advances one step.</li>
 * </ol>
 *
 * <p>Fairness: admission is the only gate. Since the running rows never exceed {@code maxRowsPerStep} (or one job
 * runs alone), every running job fits in every step, so none is ever paused or left behind in favour of another:
 * jobs of different step counts interleave, one step each per plan, and each finishes after exactly its own number
 * of plans. Waiting jobs are served strictly first come, first served, so a request waits only for earlier ones to
 * finish, never for later ones. Round-robin among running jobs is therefore never needed.
 *
 * <p>The planner starts no thread and never blocks beyond its own lock: submitting threads {@link #offer}, the
 * scheduler thread plans, and a client's thread may {@link DenoisingJob#cancel} at any time.
 *
 * @param <A> the jobs' attachment type
 */
public final class ImageStepPlanner<A> {
    private final String name;
    private final ImagePlannerLimits limits;
    private final int capacity;
    private final long timeoutNanos;
    private final long maxWaitNanos;
    private final LongSupplier clock;
    private final ArrayDeque<DenoisingJob<A>> waiting = new ArrayDeque<>();
    /** Admitted and not retired, oldest first. */
    private final List<DenoisingJob<A>> running = new ArrayList<>();
    private int runningRows;
    private int rowsInLastStep;
    private long imagesCompleted;

    /**
     * @param name  the model's name, quoted in refusals
     * @param clock nanoseconds, e.g. {@code System::nanoTime}
     */
    public ImageStepPlanner(String name, ImagePlannerLimits limits, LongSupplier clock) {
        this.name = name;
        this.limits = limits;
        this.capacity = Math.max(1, limits.maxQueue());
        this.timeoutNanos = limits.requestTimeout().toNanos();
        this.maxWaitNanos = limits.maxQueueWait().toNanos();
        this.clock = clock;
    }

    /**
     * Queues {@code job}; its deadline is now plus {@code requestTimeout}.
     *
     * @throws InferenceFailure OVERLOADED when {@code maxQueue} requests are already waiting
     */
    public synchronized void offer(DenoisingJob<A> job) {
        if (waiting.size() >= capacity) {
            throw ImageFailures.throttled("(" + name + ": " + waiting.size() + " requests already waiting)");
        }
        job.queued(clock.getAsLong(), timeoutNanos);
        waiting.addLast(job);
    }

    /** One step boundary: retirements, admissions, and the step's batch (see the class comment). */
    public synchronized ImageStepPlan<A> plan() {
        long now = clock.getAsLong();
        ImageStepPlan<A> plan = new ImageStepPlan<>();
        retireRunning(plan, now);
        retireWaiting(plan, now);
        while (!waiting.isEmpty()) {
            DenoisingJob<A> next = waiting.peekFirst();
            if (next.rowsPerStep() > limits.maxRowsPerStep() - runningRows && !running.isEmpty()) {
                break;
            }
            waiting.removeFirst();
            running.add(next);
            runningRows += next.rowsPerStep();
            plan.admit(next);
        }
        for (DenoisingJob<A> job : running) {
            plan.advance(job);
        }
        rowsInLastStep = plan.rows();
        return plan;
    }

    private void retireRunning(ImageStepPlan<A> plan, long now) {
        for (Iterator<DenoisingJob<A>> it = running.iterator(); it.hasNext(); ) {
            DenoisingJob<A> job = it.next();
            Retirement reason = job.isCancelled() ? Retirement.CANCELLED
                    : job.pastDeadline(now) ? Retirement.TIMED_OUT
                    : job.remainingSteps() == 0 ? Retirement.FINISHED
                    : null;
            if (reason != null) {
                it.remove();
                runningRows -= job.rowsPerStep();
                if (reason == Retirement.FINISHED) {
                    imagesCompleted += job.samples();
                }
                plan.retire(job, reason);
            }
        }
    }

    private void retireWaiting(ImageStepPlan<A> plan, long now) {
        for (Iterator<DenoisingJob<A>> it = waiting.iterator(); it.hasNext(); ) {
            DenoisingJob<A> job = it.next();
            Retirement reason = job.isCancelled() ? Retirement.CANCELLED
                    : job.pastDeadline(now) ? Retirement.TIMED_OUT
                    : now - job.arrivalNanos() > maxWaitNanos ? Retirement.WAITED_TOO_LONG
                    : null;
            if (reason != null) {
                it.remove();
                plan.retire(job, reason);
            }
        }
    }

    /** Removes and returns every job, waiting and running, oldest running first (shutdown). */
    public synchronized List<DenoisingJob<A>> drain() {
        List<DenoisingJob<A>> all = new ArrayList<>(running);
        all.addAll(waiting);
        running.clear();
        waiting.clear();
        runningRows = 0;
        return all;
    }

    /** No job waiting or running: the scheduler may sleep until the next offer. */
    public synchronized boolean isIdle() {
        return waiting.isEmpty() && running.isEmpty();
    }

    /** Jobs waiting for admission. */
    public synchronized int queued() {
        return waiting.size();
    }

    /** Jobs admitted and not yet retired. */
    public synchronized int running() {
        return running.size();
    }

    /** UNet rows in the batch of the latest plan. */
    public synchronized int rowsInLastStep() {
        return rowsInLastStep;
    }

    /** Images of the jobs retired as FINISHED (the OutputImageCount metric counts these). */
    public synchronized long imagesCompleted() {
        return imagesCompleted;
    }

    public ImagePlannerLimits limits() {
        return limits;
    }
}
