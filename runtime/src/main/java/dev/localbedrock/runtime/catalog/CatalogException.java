package dev.localbedrock.runtime.catalog;

/** A models.yaml mistake; the message names the file, the entry and the key. */
public final class CatalogException extends RuntimeException {
    public CatalogException(String message) {
        super(message);
    }

    public CatalogException(String message, Throwable cause) {
        super(message, cause);
    }
}
