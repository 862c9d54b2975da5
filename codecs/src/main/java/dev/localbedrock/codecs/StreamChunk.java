package dev.localbedrock.codecs;

/**
 * One piece of a streamed generation, family-neutral.
 *
 * @param text             the new text since the previous chunk (may be empty on the final chunk)
 * @param inputTokenCount  tokens in the prompt
 * @param outputTokenCount tokens generated so far, including this chunk's
 * @param first            whether this is the first chunk of the stream
 * @param stopReason       null until the final chunk
 * @param metrics          invocation metrics, only on the final chunk
 * @param generationIndex  which of the request's generations the text belongs to (0 unless it asked for several)
 */
public record StreamChunk(String text, int inputTokenCount, int outputTokenCount, boolean first,
                          StopReason stopReason, InvocationMetrics metrics, int generationIndex) {

    /** A chunk of the first (usually only) generation. */
    public StreamChunk(String text, int inputTokenCount, int outputTokenCount, boolean first, StopReason stopReason,
                       InvocationMetrics metrics) {
        this(text, inputTokenCount, outputTokenCount, first, stopReason, metrics, 0);
    }

    public boolean isLast() {
        return stopReason != null;
    }
}
