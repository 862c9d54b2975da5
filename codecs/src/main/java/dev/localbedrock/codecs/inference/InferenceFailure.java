package dev.localbedrock.codecs.inference;

import java.util.Objects;

/**
 * Why the runtime could not run or finish a request, in neutral terms: the scheduler, the workers and the engines'
 * callers say what happened; the layer above the codec line maps each kind to the AWS error the SDKs expect
 * (one place, so the wire words and status codes are decided once). The message is meant for the caller and is
 * reported as the error message.
 */
public final class InferenceFailure extends RuntimeException {

    /** What went wrong, as the caller should act on it. */
    public enum Kind {
        /** The request cannot run on this model as sent (prompt too long, token id outside the vocabulary, …). */
        INVALID_REQUEST,
        /** The model is busy: its queue is full or the wait would exceed the limit. Retrying later may succeed. */
        OVERLOADED,
        /** The request did not finish within its time limit. */
        TIMED_OUT,
        /** The model is not serving: loading, or shutting down. */
        UNAVAILABLE,
        /** The engine failed while running the request. */
        ENGINE_FAILED
    }

    private final Kind kind;

    public InferenceFailure(Kind kind, String message) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public InferenceFailure(Kind kind, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause, false, false);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Kind kind() {
        return kind;
    }

    /** Shorthand for {@link Kind#INVALID_REQUEST}. */
    public static InferenceFailure invalid(String message) {
        return new InferenceFailure(Kind.INVALID_REQUEST, message);
    }

    @Override
    public String toString() {
        return "InferenceFailure[" + kind + "]: " + getMessage();
    }
}
