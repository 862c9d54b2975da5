package dev.localbedrock.codecs;

/**
 * A finished generation, family-neutral.
 *
 * @param text             the generated text (stop sequence removed)
 * @param inputTokenCount  tokens in the prompt as the model saw it
 * @param outputTokenCount tokens generated
 * @param stopReason       why it ended
 */
public record GenerationOutcome(String text, int inputTokenCount, int outputTokenCount, StopReason stopReason) {
}
