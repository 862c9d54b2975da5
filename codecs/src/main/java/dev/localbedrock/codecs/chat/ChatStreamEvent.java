package dev.localbedrock.codecs.chat;

/**
 * One step of a streamed assistant turn, API-neutral; a chat codec's {@link ChatStreamEncoder} frames each as its
 * API's events. A turn is: {@link MessageStart}, then per content block {@link BlockStart}, {@link BlockDelta}s and
 * {@link BlockStop} (blocks indexed from 0, one open at a time), then {@link MessageStop} and {@link Metadata}.
 */
public sealed interface ChatStreamEvent {

    /** The assistant turn begins; {@code inputTokens} is known from here. */
    record MessageStart(int inputTokens) implements ChatStreamEvent {
    }

    /**
     * A content block begins: text ({@code toolUseId} and {@code toolName} null) or a tool call.
     */
    record BlockStart(int index, String toolUseId, String toolName) implements ChatStreamEvent {
        public boolean isToolUse() {
            return toolName != null;
        }
    }

    /** More of block {@code index}: text, or for a tool call a fragment of its input JSON. */
    record BlockDelta(int index, String text) implements ChatStreamEvent {
    }

    record BlockStop(int index) implements ChatStreamEvent {
    }

    /** The turn ended. */
    record MessageStop(ChatStopReason stopReason, String stopSequence) implements ChatStreamEvent {
    }

    /**
     * Usage and latency, last.
     *
     * @param firstByteLatencyMs from the request's arrival to its first streamed token (the Messages body's
     *                           {@code amazon-bedrock-invocationMetrics.firstByteLatency})
     */
    record Metadata(int inputTokens, int outputTokens, long latencyMs, long firstByteLatencyMs)
            implements ChatStreamEvent {
        /** Without a first-byte latency: the whole latency stands in for it (an upper bound). */
        public Metadata(int inputTokens, int outputTokens, long latencyMs) {
            this(inputTokens, outputTokens, latencyMs, latencyMs);
        }
    }
}
