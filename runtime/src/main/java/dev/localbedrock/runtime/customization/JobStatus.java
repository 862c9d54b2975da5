package dev.localbedrock.runtime.customization;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;

import java.util.EnumSet;
import java.util.Set;

/**
 * A customization job's status, as the wire enum spells it, and the guide's state machine:
 * <pre>
 * Create ─▶ InProgress ─training done─▶ Completed   (the custom model exists)
 *               │ └─error─▶ Failed                  (failureMessage)
 *               └─Stop─▶ Stopping ─▶ Stopped         (no custom model)
 *                           ├─finished before the stop took effect─▶ Completed
 *                           └─error─▶ Failed
 * </pre>
 * Stop is allowed only while InProgress; a stopped job cannot be resumed. Completed, Failed and Stopped are final.
 */
public enum JobStatus {
    InProgress, Completed, Failed, Stopping, Stopped;

    public boolean terminal() {
        return this == Completed || this == Failed || this == Stopped;
    }

    /** The statuses this one may move to. */
    public Set<JobStatus> next() {
        return switch (this) {
            case InProgress -> EnumSet.of(Completed, Failed, Stopping);
            case Stopping -> EnumSet.of(Stopped, Completed, Failed);
            case Completed, Failed, Stopped -> EnumSet.noneOf(JobStatus.class);
        };
    }

    /**
     * The status after {@code to}, or an IllegalStateException: a transition outside the guide's machine is a bug in
     * the job runner, never the client's doing.
     */
    public JobStatus moveTo(JobStatus to) {
        if (!next().contains(to)) {
            throw new IllegalStateException("a customization job cannot go from " + this + " to " + to);
        }
        return to;
    }

    /**
     * What StopModelCustomizationJob does from here: InProgress becomes Stopping; a job already Stopping stays so
     * (stopping twice is harmless); a finished job cannot be stopped.
     *
     * @throws BedrockException ValidationException naming the job's status
     */
    public JobStatus stop(String jobName) {
        return switch (this) {
            case InProgress, Stopping -> Stopping;
            case Completed, Failed, Stopped -> throw new BedrockException(BedrockErrorType.VALIDATION,
                    "The customization job " + jobName + " is " + this + "; only a job that is InProgress can be"
                            + " stopped.");
        };
    }
}
