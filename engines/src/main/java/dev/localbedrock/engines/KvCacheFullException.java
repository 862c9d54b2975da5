package dev.localbedrock.engines;

/** The model's KV pool cannot hold another sequence of the requested size right now. */
public final class KvCacheFullException extends RuntimeException {
    public KvCacheFullException(String message) {
        super(message);
    }
}
