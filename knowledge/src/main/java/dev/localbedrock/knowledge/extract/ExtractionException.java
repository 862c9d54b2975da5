package dev.localbedrock.knowledge.extract;

/**
 * One file could not be turned into text. Ingestion records it against that file and goes on with the others, so
 * the message is the reason alone (the caller prefixes the file's URI).
 */
public final class ExtractionException extends Exception {
    /** Why, in a form callers can count or test on. */
    public enum Reason {
        UNSUPPORTED_FORMAT,
        CORRUPT,
        ENCRYPTED,
        EMPTY,
        TOO_LARGE
    }

    private final Reason reason;

    public ExtractionException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ExtractionException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
