package dev.localbedrock.codecs.inference;

/**
 * One piece of a streamed generation, family-neutral.
 *
 * @param text             the new text since the previous chunk (may be empty on the final chunk)
 * @param inputTokenCount  tokens in the prompt
 * @param outputTokenCount tokens generated so far, including this chunk's
 * @param first            whether this is the first chunk of the stream
 * @param stopReason       null until the generation's final chunk
 * @param metrics          invocation metrics, only on the stream's final chunk
 * @param generationIndex  which of the request's generations the text belongs to (0 unless it asked for several)
 * @param stopSequence     on a generation's final chunk, the stop sequence that ended it (else null)
 */
public record StreamChunk(String text, int inputTokenCount, int outputTokenCount, boolean first,
                          StopReason stopReason, InvocationMetrics metrics, int generationIndex, String stopSequence) {

    /** A chunk of generation {@code generationIndex}, not ended by a stop sequence. */
    public StreamChunk(String text, int inputTokenCount, int outputTokenCount, boolean first, StopReason stopReason,
                       InvocationMetrics metrics, int generationIndex) {
        this(text, inputTokenCount, outputTokenCount, first, stopReason, metrics, generationIndex, null);
    }

    /** A chunk of the first (usually only) generation. */
    public StreamChunk(String text, int inputTokenCount, int outputTokenCount, boolean first, StopReason stopReason,
                       InvocationMetrics metrics) {
        this(text, inputTokenCount, outputTokenCount, first, stopReason, metrics, 0);
    }

    /** Whether this is its generation's final chunk (it carries the stop reason). */
    public boolean isLast() {
        return stopReason != null;
    }

    /** Whether this is the stream's final chunk (it carries the invocation metrics). */
    public boolean endsStream() {
        return metrics != null;
    }
}
