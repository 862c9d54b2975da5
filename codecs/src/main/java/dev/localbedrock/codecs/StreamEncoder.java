package dev.localbedrock.codecs;

import dev.localbedrock.codecs.eventstream.EventStreamEncoder;
import dev.localbedrock.codecs.inference.StreamChunk;

import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One response's event stream: turns each neutral {@link StreamChunk} into zero or more framed event-stream
 * messages. InvokeModelWithResponseStream sends one {@code chunk} event per chunk; Converse, the Messages API and
 * InvokeAgent send several typed events per step ({@code messageStart}, {@code contentBlockDelta}, …), which is why
 * the unit is "frames per chunk", not "one body per chunk". An encoder may keep state across chunks (which blocks are
 * open, which generation is indexed) and is used by one response only, on one thread.
 */
@FunctionalInterface
public interface StreamEncoder {

    /**
     * Encodes one chunk.
     *
     * @param chunk  the neutral chunk
     * @param frames receives each framed event-stream message, in order
     */
    void encode(StreamChunk chunk, Consumer<byte[]> frames);

    /**
     * InvokeModelWithResponseStream's shape: each chunk is one {@code chunk} event whose payload is
     * {@code {"bytes": base64(body)}}, the body being the family's own chunk JSON.
     */
    static StreamEncoder chunkEvents(Function<StreamChunk, byte[]> familyChunkJson) {
        return (chunk, frames) -> frames.accept(EventStreamEncoder.chunkEvent(familyChunkJson.apply(chunk)));
    }
}
