package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.InferenceFailure;

/**
 * Receives a generation's progress. Called on the model's scheduler thread at the end of each step: implementations
 * hand the work to their own thread (the connection's event loop) and return at once, so a slow client never stalls
 * the batch. A request that may generate no token at all (0 max tokens) is started and completed on the submitting
 * thread, before {@code submit} returns.
 */
public interface GenerationListener {

    /** The request was admitted into the batch and its prompt is about to be processed. */
    default void onStart(int inputTokenCount) {
    }

    /** New text of the (first) generation is ready ({@code outputTokenCount} tokens generated so far). */
    default void onText(String text, int outputTokenCount) {
    }

    /**
     * New text of generation {@code index} of a request that asked for several. The default forwards the first
     * generation to {@link #onText} and drops the others, which suits a family that streams one generation.
     */
    default void onGenerationText(int index, String text, int outputTokenCount) {
        if (index == 0) {
            onText(text, outputTokenCount);
        }
    }

    /** The request finished; {@code outcome} holds every generation in full. */
    void onComplete(GenerationOutcome outcome);

    /**
     * The request failed; nothing more follows. The failure is neutral: the layer that answers the client decides
     * which wire error it becomes.
     */
    void onError(InferenceFailure error);
}
