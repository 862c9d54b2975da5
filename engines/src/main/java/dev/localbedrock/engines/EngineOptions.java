package dev.localbedrock.engines;

/**
 * Tuning knobs common to every engine.
 *
 * @param maxSequenceTokens KV capacity of each sequence (prompt plus generated tokens), preallocated when the sequence
 *                          is created; 0 or less means {@code min(max_position_embeddings, 2048)}
 * @param intraOpThreads    threads one operation may use; 0 or less means {@code OMP_NUM_THREADS} when set, else the
 *                          engine's default (one per core). For PyTorch this is process-wide.
 */
public record EngineOptions(int maxSequenceTokens, int intraOpThreads) {

    /** Engine defaults for both knobs. */
    public static EngineOptions defaults() {
        return new EngineOptions(0, 0);
    }

    /** A copy with another sequence capacity. */
    public EngineOptions withMaxSequenceTokens(int tokens) {
        return new EngineOptions(tokens, intraOpThreads);
    }

    /** A copy with another thread count. */
    public EngineOptions withIntraOpThreads(int threads) {
        return new EngineOptions(maxSequenceTokens, threads);
    }
}
