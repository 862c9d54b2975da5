package dev.localbedrock.engines;

/** One sequence's KV cache. Closing it frees the cache; using it afterwards is an error. */
public interface SequenceState extends AutoCloseable {

    /** Number of tokens already held in the cache (the next token's position). */
    int length();

    @Override
    void close();
}
