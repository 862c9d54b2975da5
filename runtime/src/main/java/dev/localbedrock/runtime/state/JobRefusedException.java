package dev.localbedrock.runtime.state;

/** A new customization job would break one of its {@link JobLimits}, or name a custom model in use. Nothing was written. */
public final class JobRefusedException extends StateException {
    /** Why: which limit, or the custom model name. */
    public enum Reason { MODEL_NAME_IN_USE, ACTIVE_JOBS, CUSTOM_MODELS }

    private final Reason reason;
    private final long count;

    public JobRefusedException(Reason reason, long count) {
        super("a new customization job is refused: " + reason + " (" + count + ")");
        this.reason = reason;
        this.count = count;
    }

    public Reason reason() {
        return reason;
    }

    /** The jobs in progress, or custom models and jobs in progress, that the limit was counted against. */
    public long count() {
        return count;
    }
}
