package dev.localbedrock.runtime.customization;

/**
 * A dataset a customization job cannot train on, with the message the job fails with (the guide's wording where it
 * gives one). Raised before any training starts.
 */
public final class DatasetException extends Exception {
    public DatasetException(String message) {
        super(message);
    }
}
