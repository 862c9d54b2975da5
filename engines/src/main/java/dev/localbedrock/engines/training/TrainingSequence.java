package dev.localbedrock.engines.training;

/**
 * One training example: prompt tokens followed by output tokens (the caller adds BOS/EOS as it wants). The loss is
 * taken only on predicting {@code tokens[promptTokens..]}, each from the tokens before it.
 *
 * @param tokens       prompt then output token ids
 * @param promptTokens how many leading tokens are prompt, at least 1 (the first output token is predicted from them)
 *                     and fewer than {@code tokens.length} (at least one output token)
 */
public record TrainingSequence(int[] tokens, int promptTokens) {

    public TrainingSequence {
        if (tokens == null) {
            throw new IllegalArgumentException("tokens must not be null");
        }
        if (promptTokens < 1 || promptTokens >= tokens.length) {
            throw new IllegalArgumentException("promptTokens must be in [1, " + tokens.length + "), got "
                    + promptTokens + ": a sequence needs at least one prompt and one output token");
        }
        tokens = tokens.clone();
    }

    /** Output tokens, i.e. loss positions. */
    public int outputTokens() {
        return tokens.length - promptTokens;
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    /** Token {@code i} without copying the array. */
    int token(int i) {
        return tokens[i];
    }

    /** Sequence length without copying the array. */
    int length() {
        return tokens.length;
    }
}
