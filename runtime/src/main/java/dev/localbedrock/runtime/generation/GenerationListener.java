package dev.localbedrock.runtime.generation;

import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.GenerationOutcome;

/**
 * Receives a generation's progress. Called on the model's inference thread: implementations hand the work to their
 * own thread (the connection's event loop) and return at once, so a slow client never stalls inference.
 */
public interface GenerationListener {

    /** The generation was admitted and is about to start. */
    default void onStart(int inputTokenCount) {
    }

    /** New text is ready ({@code outputTokenCount} tokens generated so far). */
    default void onText(String text, int outputTokenCount) {
    }

    /** The generation finished; {@code outcome.text()} holds all of it. */
    void onComplete(GenerationOutcome outcome);

    /** The generation failed; nothing more follows. */
    void onError(BedrockException error);
}
