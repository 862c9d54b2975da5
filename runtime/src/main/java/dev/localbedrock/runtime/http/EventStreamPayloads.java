package dev.localbedrock.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;

/**
 * Reads back what a framed event-stream message carries, for the invocation log (only when bodies are kept): the
 * payload between the headers and the trailing CRC, and a chunk event's decoded {@code bytes}.
 */
final class EventStreamPayloads {
    /** Total length, headers length, prelude CRC. */
    private static final int PRELUDE_BYTES = 12;
    private static final int MESSAGE_CRC_BYTES = 4;

    private EventStreamPayloads() {
    }

    /** The payload of one whole frame. */
    static byte[] payload(byte[] frame) {
        ByteBuffer b = ByteBuffer.wrap(frame);
        int total = b.getInt(0);
        int headers = b.getInt(4);
        return Arrays.copyOfRange(frame, PRELUDE_BYTES + headers, total - MESSAGE_CRC_BYTES);
    }

    /** The family chunk JSON inside a chunk event's {@code {"bytes": base64}} payload (or the payload itself). */
    static byte[] chunkBytes(byte[] payload) {
        try {
            JsonNode node = Json.MAPPER.readTree(payload);
            JsonNode bytes = node == null ? null : node.get("bytes");
            return bytes != null && bytes.isTextual() ? Base64.getDecoder().decode(bytes.textValue()) : payload;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
