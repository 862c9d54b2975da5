package dev.localbedrock.codecs.inference;

import java.util.List;

/**
 * A finished request, family-neutral. Single-generation families read the first four components; a family that asks
 * for several generations reads {@link #generations()}.
 *
 * @param text              the first generation's text (stop sequence removed)
 * @param inputTokenCount   tokens in the prompt as the model saw it
 * @param outputTokenCount  tokens generated, summed over all generations
 * @param stopReason        why the first generation ended
 * @param generations       every generation, by index (one for most families)
 * @param promptLikelihoods the prompt tokens' likelihoods when the request asked for {@link LikelihoodMode#ALL};
 *                          otherwise empty
 */
public record GenerationOutcome(String text, int inputTokenCount, int outputTokenCount, StopReason stopReason,
                                List<Generation> generations, List<TokenLikelihood> promptLikelihoods) {
    public GenerationOutcome {
        generations = generations == null || generations.isEmpty()
                ? List.of(new Generation(0, text, null, outputTokenCount, stopReason, null))
                : List.copyOf(generations);
        promptLikelihoods = promptLikelihoods == null ? List.of() : List.copyOf(promptLikelihoods);
    }

    /** One generation, no likelihoods. */
    public GenerationOutcome(String text, int inputTokenCount, int outputTokenCount, StopReason stopReason) {
        this(text, inputTokenCount, outputTokenCount, stopReason, null, null);
    }

    /** The stop sequence that ended the first generation, or null. */
    public String stopSequence() {
        return generations.get(0).stopSequence();
    }

    /** The outcome of the given generations (at least one), the first of which is the headline. */
    public static GenerationOutcome of(int inputTokenCount, List<Generation> generations,
                                       List<TokenLikelihood> promptLikelihoods) {
        Generation first = generations.get(0);
        int total = 0;
        for (Generation g : generations) {
            total += g.outputTokenCount();
        }
        return new GenerationOutcome(first.text(), inputTokenCount, total, first.stopReason(), generations,
                promptLikelihoods);
    }
}
