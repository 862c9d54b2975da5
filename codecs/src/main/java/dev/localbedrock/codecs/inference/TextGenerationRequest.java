package dev.localbedrock.codecs.inference;

import java.util.List;
import java.util.Objects;

/**
 * The family-neutral request a text codec produces and the runtime schedules. Every family maps its own field
 * names, ranges and defaults onto this; nothing downstream knows which family a request came from.
 *
 * @param prompt            the text to continue, exactly as the model should see it
 * @param maxTokens         the most tokens to generate per generation (family's limit already validated)
 * @param sampling          how to pick each token
 * @param stopSequences     strings that end the generation when produced (not included in the output)
 * @param numGenerations    how many independent generations to produce from the one prompt (at least 1)
 * @param returnLikelihoods which token log-probabilities to report
 * @param promptTruncation  what to do with a prompt too long for the model (Cohere's {@code truncate})
 * @param constraint        what the output must be (constrained decoding), or null for free text
 */
public record TextGenerationRequest(String prompt, int maxTokens, SamplingParameters sampling,
                                    List<String> stopSequences, int numGenerations,
                                    LikelihoodMode returnLikelihoods, PromptTruncation promptTruncation,
                                    OutputConstraint constraint) {
    public TextGenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(sampling, "sampling");
        stopSequences = stopSequences == null ? List.of() : List.copyOf(stopSequences);
        if (numGenerations < 1) {
            throw new IllegalArgumentException("numGenerations must be at least 1, not " + numGenerations);
        }
        returnLikelihoods = returnLikelihoods == null ? LikelihoodMode.NONE : returnLikelihoods;
        promptTruncation = promptTruncation == null ? PromptTruncation.NONE : promptTruncation;
        if (maxTokens < 0) {
            throw new IllegalArgumentException("maxTokens must not be negative, not " + maxTokens);
        }
    }

    /** Free text (no output constraint). */
    public TextGenerationRequest(String prompt, int maxTokens, SamplingParameters sampling,
                                 List<String> stopSequences, int numGenerations, LikelihoodMode returnLikelihoods,
                                 PromptTruncation promptTruncation) {
        this(prompt, maxTokens, sampling, stopSequences, numGenerations, returnLikelihoods, promptTruncation, null);
    }

    /** This request with its output held to {@code outputConstraint}. */
    public TextGenerationRequest constrained(OutputConstraint outputConstraint) {
        return new TextGenerationRequest(prompt, maxTokens, sampling, stopSequences, numGenerations,
                returnLikelihoods, promptTruncation, outputConstraint);
    }

    /** A request that refuses a too-long prompt. */
    public TextGenerationRequest(String prompt, int maxTokens, SamplingParameters sampling,
                                 List<String> stopSequences, int numGenerations, LikelihoodMode returnLikelihoods) {
        this(prompt, maxTokens, sampling, stopSequences, numGenerations, returnLikelihoods, PromptTruncation.NONE);
    }

    /** One generation, no likelihoods, a too-long prompt refused. */
    public TextGenerationRequest(String prompt, int maxTokens, SamplingParameters sampling,
                                 List<String> stopSequences) {
        this(prompt, maxTokens, sampling, stopSequences, 1, LikelihoodMode.NONE, PromptTruncation.NONE);
    }
}
