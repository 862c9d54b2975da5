package dev.localbedrock.codecs.inference;

/**
 * Which token log-probabilities a request wants back (Cohere's {@code return_likelihoods}). They are computed under
 * the model's unmodified distribution: {@code log softmax(logits)}, before penalties, bias, temperature, top-k or
 * top-p.
 */
public enum LikelihoodMode {
    /** None (the default). */
    NONE,
    /** The generated tokens'. */
    GENERATION,
    /** The prompt's tokens' and the generated tokens'. */
    ALL;

    public boolean includesGeneration() {
        return this != NONE;
    }

    public boolean includesPrompt() {
        return this == ALL;
    }
}
