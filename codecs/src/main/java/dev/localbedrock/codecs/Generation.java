package dev.localbedrock.codecs;

import java.util.List;

/**
 * One of the N generations of a request (Cohere's {@code num_generations}; every other family asks for one).
 *
 * @param index            0-based position among the request's generations
 * @param text             the generated text (stop sequence removed)
 * @param tokenIds         the generated token ids (an end-of-sequence token is not included)
 * @param outputTokenCount tokens generated ({@code tokenIds.length})
 * @param stopReason       why it ended
 * @param likelihoods      per generated token, when the request asked for likelihoods; otherwise empty
 */
public record Generation(int index, String text, int[] tokenIds, int outputTokenCount, StopReason stopReason,
                         List<TokenLikelihood> likelihoods) {
    public Generation {
        tokenIds = tokenIds == null ? new int[0] : tokenIds;
        likelihoods = likelihoods == null ? List.of() : List.copyOf(likelihoods);
    }
}
