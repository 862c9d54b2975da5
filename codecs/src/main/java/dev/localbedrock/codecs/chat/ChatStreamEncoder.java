package dev.localbedrock.codecs.chat;

import java.util.function.Consumer;

/**
 * One streamed chat response's framing: each neutral {@link ChatStreamEvent} becomes zero or more framed
 * event-stream messages (Converse: typed events such as {@code contentBlockDelta}; the Messages API on
 * InvokeModelWithResponseStream: {@code chunk} events carrying {@code content_block_delta} bodies). Used by one
 * response only, on one thread; it may keep state across events.
 */
@FunctionalInterface
public interface ChatStreamEncoder {
    void encode(ChatStreamEvent event, Consumer<byte[]> frames);
}
