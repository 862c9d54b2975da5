package dev.localbedrock.runtime.state;

/**
 * A create or update would break a uniqueness rule (an ARN, a provisioned model's name or its client request token
 * already taken). Nothing was written; the service maps it to the API's conflict error.
 */
public final class DuplicateResourceException extends StateException {
    public DuplicateResourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
