package dev.localbedrock.runtime.storage;

/** An object could not be read or written (the endpoint is down, refused the request, or the disk failed). */
public final class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    public StorageException(String message) {
        super(message);
    }
}
