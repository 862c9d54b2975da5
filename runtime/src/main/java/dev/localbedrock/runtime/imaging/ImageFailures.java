package dev.localbedrock.runtime.imaging;

import dev.localbedrock.codecs.inference.InferenceFailure;

import java.time.Duration;

/** The errors an image request gets from its scheduler, worded as the text scheduler words them. */
public final class ImageFailures {
    private ImageFailures() {
    }

    /** OVERLOADED (ThrottlingException): the queue is full or the wait for admission too long. */
    public static InferenceFailure throttled(String detail) {
        return new InferenceFailure(InferenceFailure.Kind.OVERLOADED,
                "Too many requests, please wait before trying again. " + detail);
    }

    /** TIMED_OUT (ModelTimeoutException): the request did not finish within {@code limit}. */
    public static InferenceFailure timedOut(Duration limit) {
        return new InferenceFailure(InferenceFailure.Kind.TIMED_OUT, "Model has timed out in processing the request "
                + "(limit " + limit.toMillis() / 1000.0 + " s).");
    }

    /**
     * The failure to report for {@code retirement} under {@code limits}.
     *
     * @throws IllegalArgumentException for FINISHED and CANCELLED, which report no error
     */
    public static InferenceFailure of(Retirement retirement, ImagePlannerLimits limits) {
        return switch (retirement) {
            case TIMED_OUT -> timedOut(limits.requestTimeout());
            case WAITED_TOO_LONG -> throttled("(waited longer than " + limits.maxQueueWait().toMillis()
                    + " ms for a free slot)");
            case FINISHED, CANCELLED -> throw new IllegalArgumentException(retirement + " reports no error");
        };
    }
}
