package dev.localbedrock.engines.training;

import java.util.List;

/**
 * Sequences right-padded to a common width, with what the loss needs: the additive attention mask (causal and key
 * padding: query {@code i} of row {@code b} sees key {@code j} iff {@code j ≤ i} and {@code j < len(b)}), and the
 * flattened positions {@code b · T + t} whose next token is an output token, with those tokens as targets. Padded
 * query positions still see their row's real keys, so no softmax row is empty; their outputs never reach the loss.
 *
 * @param ids        {@code [B · T]} token ids, padding 0
 * @param rows       B
 * @param width      T, the longest sequence
 * @param lossRows   positions {@code b · T + t} for {@code t ∈ [promptTokens − 1, len − 2]}
 * @param targets    {@code tokens[t + 1]} for each loss row
 * @param lengths    each row's real length
 * @param tokens     tokens in the batch, padding excluded
 */
record Batch(long[] ids, int rows, int width, long[] lossRows, long[] targets, int[] lengths, long tokens) {
    /** A mask value whose {@code exp} is exactly 0 after the softmax's max subtraction, in float32 and float64. */
    private static final float MASKED = -1e9f;

    static Batch of(List<TrainingSequence> seqs, int vocab, long maxTokens) {
        int b = seqs.size();
        int width = 0;
        int outputs = 0;
        long tokens = 0;
        for (TrainingSequence s : seqs) {
            if (s.length() > maxTokens) {
                throw new IllegalArgumentException("a training sequence has " + s.length() + " tokens, more than the "
                        + "model's " + maxTokens);
            }
            width = Math.max(width, s.length());
            outputs += s.outputTokens();
            tokens += s.length();
        }
        long[] ids = new long[b * width];
        long[] lossRows = new long[outputs];
        long[] targets = new long[outputs];
        int[] lengths = new int[b];
        int k = 0;
        for (int r = 0; r < b; r++) {
            TrainingSequence s = seqs.get(r);
            lengths[r] = s.length();
            for (int t = 0; t < s.length(); t++) {
                int id = s.token(t);
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("token id " + id + " is outside the model's vocabulary [0, "
                            + vocab + ")");
                }
                ids[r * width + t] = id;
            }
            for (int t = s.promptTokens() - 1; t < s.length() - 1; t++) {
                lossRows[k] = (long) r * width + t;
                targets[k++] = s.token(t + 1);
            }
        }
        return new Batch(ids, b, width, lossRows, targets, lengths, tokens);
    }

    int outputTokens() {
        return targets.length;
    }

    /** {@code [B, 1, T, T]}: 0 where attention is allowed, a large negative number elsewhere. */
    float[] additiveMask() {
        float[] m = new float[rows * width * width];
        for (int r = 0; r < rows; r++) {
            int len = lengths[r];
            for (int i = 0; i < width; i++) {
                int base = (r * width + i) * width;
                for (int j = 0; j < width; j++) {
                    m[base + j] = j <= i && j < len ? 0f : MASKED;
                }
            }
        }
        return m;
    }
}
