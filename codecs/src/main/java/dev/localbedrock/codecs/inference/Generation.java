package dev.localbedrock.codecs.inference;

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
 * @param stopSequence     the stop sequence that ended it when {@code stopReason} is {@link StopReason#STOP_SEQUENCE}
 *                         (Claude reports it as {@code stop}); otherwise null
 */
public record Generation(int index, String text, int[] tokenIds, int outputTokenCount, StopReason stopReason,
                         List<TokenLikelihood> likelihoods, String stopSequence) {
    public Generation {
        tokenIds = tokenIds == null ? new int[0] : tokenIds;
        likelihoods = likelihoods == null ? List.of() : List.copyOf(likelihoods);
    }

    /** A generation that did not end on a stop sequence (or whose caller does not say which). */
    public Generation(int index, String text, int[] tokenIds, int outputTokenCount, StopReason stopReason,
                      List<TokenLikelihood> likelihoods) {
        this(index, text, tokenIds, outputTokenCount, stopReason, likelihoods, null);
    }
}
