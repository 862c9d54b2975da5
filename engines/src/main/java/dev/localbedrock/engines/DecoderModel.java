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
     * Appends {@code tokens[i]} to {@code rows.get(i)} and returns, per row, the logits (length
     * {@link ModelInfo#vocabSize()}) of that row's last new position.
     *
     * @throws IllegalArgumentException when a token id is outside the vocabulary or a row would exceed its capacity
     */
    float[][] forward(List<SequenceState> rows, List<int[]> tokens);

    @Override
    void close();
}
