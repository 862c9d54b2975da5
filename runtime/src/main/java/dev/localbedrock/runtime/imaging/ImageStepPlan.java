package dev.localbedrock.runtime.imaging;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What one step boundary decided: the jobs that left (with why), the jobs that start now (the scheduler prepares
 * their latents before the step), and the jobs whose next step runs in this step's UNet batch, oldest first.
 *
 * @param <A> the jobs' attachment type
 */
public final class ImageStepPlan<A> {
    /** A job leaving the planner. */
    public record Retired<A>(DenoisingJob<A> job, Retirement reason) {
    }

    /** A job whose step {@code step} (0 first) of its schedule runs in this step. */
    public record Advance<A>(DenoisingJob<A> job, int step) {
    }

    private final List<Retired<A>> retired = new ArrayList<>();
    private final List<DenoisingJob<A>> admitted = new ArrayList<>();
    private final List<Advance<A>> advancing = new ArrayList<>();
    private int rows;

    void retire(DenoisingJob<A> job, Retirement reason) {
        retired.add(new Retired<>(job, reason));
    }

    void admit(DenoisingJob<A> job) {
        admitted.add(job);
    }

    void advance(DenoisingJob<A> job) {
        advancing.add(new Advance<>(job, job.advance()));
        rows += job.rowsPerStep();
    }

    public List<Retired<A>> retired() {
        return Collections.unmodifiableList(retired);
    }

    public List<DenoisingJob<A>> admitted() {
        return Collections.unmodifiableList(admitted);
    }

    public List<Advance<A>> advancing() {
        return Collections.unmodifiableList(advancing);
    }

    /** UNet rows of this step's batch. */
    public int rows() {
        return rows;
    }

    /** Nothing to run this step (there may still be retirements to report). */
    public boolean hasNoStep() {
        return advancing.isEmpty();
    }
}
