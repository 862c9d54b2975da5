package dev.localbedrock.runtime.imaging;

import java.time.Duration;

/**
 * Limits of one image model's step planner, the image counterparts of {@code generation.WorkerSettings}.
 *
 * @param maxRowsPerStep UNet rows one step may batch across requests (a request takes {@link DenoisingJob#rowsPerStep}
 *                       rows, whole); a request larger than this alone runs alone rather than never starting
 * @param maxQueue       requests allowed to wait for admission; beyond that, ThrottlingException at once (a request
 *                       always passes through the queue to the next step boundary, so 0 acts as 1)
 * @param requestTimeout longest a request may take from submission to its last step
 * @param maxQueueWait   longest a request may wait for admission before it is dropped with ThrottlingException
 */
public record ImagePlannerLimits(int maxRowsPerStep, int maxQueue, Duration requestTimeout, Duration maxQueueWait) {
    public ImagePlannerLimits {
        if (maxRowsPerStep < 1) {
            throw new IllegalArgumentException("maxRowsPerStep (" + maxRowsPerStep + ") must be at least 1");
        }
        if (maxQueue < 0) {
            throw new IllegalArgumentException("maxQueue (" + maxQueue + ") must not be negative");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero() || maxQueueWait.isNegative()
                || maxQueueWait.isZero()) {
            throw new IllegalArgumentException("requestTimeout and maxQueueWait must be positive");
        }
    }
}
