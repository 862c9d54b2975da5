package dev.localbedrock.runtime.generation;

/** What an {@link AdmissionPolicy} may know about a waiting request: its size and where it comes from. */
public interface QueuedRequest {

    /** Prompt tokens. */
    int promptTokens();

    /** The most tokens each generation may add (already clamped to the context). */
    int maxNewTokens();

    /** Sequences it needs at once. */
    int numGenerations();

    /**
     * Who the capacity is for, as the caller tagged it (e.g. a provisioned-throughput ARN); null for on-demand
     * traffic.
     */
    String capacityTag();

    /** When it was submitted, on the scheduler's clock (nanoseconds). */
    long arrivalNanos();
}
