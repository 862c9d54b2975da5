package dev.localbedrock.codecs.inference;

/**
 * What happens to a prompt with more tokens than the model can take with room left for the generation
 * (Cohere Command's {@code truncate}; every other family refuses such a prompt).
 */
public enum PromptTruncation {
    /** The request fails with a ValidationException that names the limit. */
    NONE,
    /** Tokens are dropped from the beginning until the prompt fits exactly. */
    START,
    /** Tokens are dropped from the end until the prompt fits exactly. */
    END
}
