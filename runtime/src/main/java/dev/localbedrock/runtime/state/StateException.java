package dev.localbedrock.runtime.state;

/** The state database failed: it cannot be opened or migrated, or a statement failed. */
public class StateException extends RuntimeException {
    public StateException(String message, Throwable cause) {
        super(message, cause);
    }

    public StateException(String message) {
        super(message);
    }
}
