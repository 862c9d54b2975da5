package dev.localbedrock.codecs.eventstream;

/**
 * A byte stream that is not valid event-stream framing (bad CRC, impossible lengths, malformed headers). Once
 * thrown, the decoder has lost the frame boundaries and refuses further input.
 */
public class EventStreamFormatException extends RuntimeException {
    public EventStreamFormatException(String message) {
        super(message);
    }
}
