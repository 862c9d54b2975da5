package dev.localbedrock.engines;

import java.util.List;

/**
 * The narrow contract a scheduler drives: a causal decoder with per-sequence KV state.
 *
 * <p>One call to {@link #forward} runs every row of a batch: each row appends its new tokens (a whole prompt for a
 * prefill, one token for a decode, or a chunk of a prompt) to its own sequence's KV cache and receives the f32 logits
 * of its last position. Rows may have different lengths and different histories, so sequences can join and leave the
 * batch between steps. Implementations are not thread-safe: one scheduler thread drives a model.
 */
public interface DecoderModel extends AutoCloseable {

    /** Shape facts the scheduler and samplers need. */
    ModelInfo info();

    /** The tokenizer that belongs to this checkpoint. */
    TextTokenizer tokenizer();

    /** Allocates KV state for a new, empty sequence. Release it with {@link SequenceState#close()}. */
    SequenceState newSequence();

    /**
     * Allocates KV state for a new, empty sequence that will hold at most {@code reservedTokens} tokens, taking that
     * room from the model's KV pool so a running sequence can never run out of cache mid-generation.
     *
     * @throws KvCacheFullException when the pool has less than {@code reservedTokens} free
     */
    default SequenceState newSequence(int reservedTokens) {
        if (reservedTokens > info().maxPositions()) {
            throw new IllegalArgumentException("reservedTokens " + reservedTokens + " exceeds the sequence capacity "
                    + info().maxPositions());
        }
        return newSequence();
    }

    /** KV tokens not reserved by any live sequence; the scheduler admits work only within this. */
    default long freeKvTokens() {
        return Long.MAX_VALUE;
    }

    /**
     * A new sequence whose cache starts as a copy of {@code source}'s (same tokens, same length), reserving
     * {@code reservedTokens} in total. Lets N generations share one prefilled prompt instead of N prefills.
     *
     * @throws KvCacheFullException when the pool has less than {@code reservedTokens} free
     */
    default SequenceState fork(SequenceState source, int reservedTokens) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot fork sequences yet");
    }

    /**
     * A new sequence whose cache starts as a copy of the first {@code prefixTokens} tokens of {@code source}'s, so
     * a cached prompt prefix can seed a prompt that shares only its beginning. The copy is exact: its cache holds the
     * same floats the source holds at those positions.
     *
     * @throws UnsupportedOperationException when this engine can copy only a whole sequence and
     *                                       {@code prefixTokens} is less than the source's length
     * @throws KvCacheFullException          when the pool has less than {@code reservedTokens} free
     */
    default SequenceState fork(SequenceState source, int reservedTokens, int prefixTokens) {
        if (prefixTokens == source.length()) {
            return fork(source, reservedTokens);
        }
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot fork part of a sequence");
    }

    /**
     * Appends {@code tokens[i]} to {@code rows.get(i)} and returns, per row, the logits (length
     * {@link ModelInfo#vocabSize()}) of that row's last new position.
     *
     * @throws IllegalArgumentException when a token id is outside the vocabulary or a row would exceed its capacity
     */
    float[][] forward(List<SequenceState> rows, List<int[]> tokens);

    @Override
    void close();
}
