package dev.localbedrock.runtime.imaging;

/**
 * One image request as the planner sees it: how many denoising steps it has left and how many UNet rows each of its
 * steps takes. The scheduler keeps its own state (latents, embeddings, listener) in the attachment.
 *
 * <p>{@link #cancel} may be called from any thread; everything else belongs to the planner's owner.
 *
 * @param <A> what the scheduler attaches (its per-request state)
 */
public final class DenoisingJob<A> {
    private final A attachment;
    private final int totalSteps;
    private final int samples;
    private final int rowsPerStep;
    private volatile boolean cancelled;
    private int stepsPlanned;
    private long arrivalNanos;
    private long deadlineNanos;
    private boolean offered;

    /**
     * @param steps   denoising steps of the request's schedule, at least 1
     * @param samples images generated together, at least 1
     * @param guided  classifier-free guidance: each sample needs an unconditional and a conditional row in the same
     *                UNet call, so the job takes {@code 2 × samples} rows (cfg_scale 1 needs only the conditional)
     */
    public DenoisingJob(A attachment, int steps, int samples, boolean guided) {
        if (steps < 1 || samples < 1) {
            throw new IllegalArgumentException("steps (" + steps + ") and samples (" + samples
                    + ") must be at least 1");
        }
        this.attachment = attachment;
        this.totalSteps = steps;
        this.samples = samples;
        this.rowsPerStep = Math.multiplyExact(samples, guided ? 2 : 1);
    }

    public A attachment() {
        return attachment;
    }

    /** UNet rows each of this job's steps takes. */
    public int rowsPerStep() {
        return rowsPerStep;
    }

    public int samples() {
        return samples;
    }

    public int totalSteps() {
        return totalSteps;
    }

    /** Steps not yet planned. */
    public int remainingSteps() {
        return totalSteps - stepsPlanned;
    }

    /** Asks the planner to drop this job; it takes effect at the next plan, and its rows are free in that plan. */
    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** When the planner queued it, on the planner's clock. */
    public long arrivalNanos() {
        return arrivalNanos;
    }

    void queued(long now, long timeoutNanos) {
        if (offered) {
            throw new IllegalStateException("job already offered");
        }
        offered = true;
        arrivalNanos = now;
        deadlineNanos = now + timeoutNanos;
    }

    boolean pastDeadline(long now) {
        return now - deadlineNanos > 0;
    }

    /** Plans this job's next step and returns its index in the schedule (0 first). */
    int advance() {
        return stepsPlanned++;
    }
}
