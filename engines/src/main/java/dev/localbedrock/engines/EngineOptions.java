package dev.localbedrock.engines;

/**
 * Tuning knobs common to every engine.
 *
 * @param maxSequenceTokens KV capacity of one sequence (prompt plus generated tokens); 0 or less means
 *                          {@code min(max_position_embeddings, 2048)}
 * @param intraOpThreads    threads one operation may use; 0 or less means {@code OMP_NUM_THREADS} when set, else the
 *                          engine's default (one per core). For PyTorch this is process-wide.
 * @param kvCacheTokens     KV tokens the model preallocates for all its sequences together; 0 or less means
 *                          {@link #DEFAULT_KV_SEQUENCES} × {@code maxSequenceTokens}, reduced (to no fewer than one
 *                          sequence) so the cache stays within {@link #DEFAULT_KV_BYTES}. How an engine divides the
 *                          pool among sequences is its own: the PyTorch engine gives every live sequence a slot of
 *                          {@code maxSequenceTokens}, so the pool holds {@code kvCacheTokens / maxSequenceTokens}
 *                          sequences at once.
 */
public record EngineOptions(int maxSequenceTokens, int intraOpThreads, int kvCacheTokens) {

    /** Sequences the default KV pool holds when memory allows. */
    public static final int DEFAULT_KV_SEQUENCES = 8;
    /** Upper bound of the default KV pool in bytes (4 GiB); an explicit {@code kvCacheTokens} is not bounded. */
    public static final long DEFAULT_KV_BYTES = 4L << 30;

    /** Options with the default KV pool size; the constructor existing callers use. */
    public EngineOptions(int maxSequenceTokens, int intraOpThreads) {
        this(maxSequenceTokens, intraOpThreads, 0);
    }

    /** Engine defaults for every knob. */
    public static EngineOptions defaults() {
        return new EngineOptions(0, 0, 0);
    }

    /** A copy with another sequence capacity. */
    public EngineOptions withMaxSequenceTokens(int tokens) {
        return new EngineOptions(tokens, intraOpThreads, kvCacheTokens);
    }

    /** A copy with another thread count. */
    public EngineOptions withIntraOpThreads(int threads) {
        return new EngineOptions(maxSequenceTokens, threads, kvCacheTokens);
    }

    /** A copy with another KV pool size (tokens across all sequences; 0 for the default). */
    public EngineOptions withKvCacheTokens(int tokens) {
        return new EngineOptions(maxSequenceTokens, intraOpThreads, tokens);
    }

    /**
     * The pool size an engine should allocate when each sequence needs {@code sequenceTokens} and one KV token costs
     * {@code bytesPerToken}: {@link #kvCacheTokens()} when positive, else the documented default.
     */
    public long resolveKvCacheTokens(int sequenceTokens, long bytesPerToken) {
        if (kvCacheTokens > 0) {
            return kvCacheTokens;
        }
        long sequences = DEFAULT_KV_SEQUENCES;
        long perSequence = Math.max(1, (long) sequenceTokens * Math.max(1, bytesPerToken));
        sequences = Math.max(1, Math.min(sequences, DEFAULT_KV_BYTES / perSequence));
        return sequences * sequenceTokens;
    }
}
