package dev.localbedrock.codecs.eventstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One decoded event-stream message. Headers keep their wire order; non-string header values are rendered as text
 * (see {@link EventStreamDecoder}) because Bedrock only sends strings and tests compare text.
 *
 * @param headers header name to value, in wire order, unmodifiable
 * @param payload the payload bytes (not copied)
 */
public record EventStreamMessage(Map<String, String> headers, byte[] payload) {

    public EventStreamMessage {
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        Objects.requireNonNull(payload, "payload");
    }

    /** The header's value, or null. */
    public String header(String name) {
        return headers.get(name);
    }

    /** {@code event}, {@code exception} or {@code error}. */
    public String messageType() {
        return headers.get(":message-type");
    }

    /** {@code chunk} for Bedrock's stream events. */
    public String eventType() {
        return headers.get(":event-type");
    }

    /** The union member name of a modeled exception, e.g. {@code modelStreamErrorException}. */
    public String exceptionType() {
        return headers.get(":exception-type");
    }

    public String payloadAsString() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /**
     * The model's own chunk JSON: the base64 {@code bytes} of a chunk event's payload, decoded, as the SDKs hand it
     * to callers ({@code PayloadPart.bytes()}).
     *
     * @throws EventStreamFormatException when this is not a chunk event or its payload has no valid {@code bytes}
     */
    public byte[] chunkBytes() {
        if (!"event".equals(messageType()) || !"chunk".equals(eventType())) {
            throw new EventStreamFormatException("not a chunk event: " + headers);
        }
        try {
            JsonNode bytes = Json.MAPPER.readTree(payload).get("bytes");
            if (bytes == null || !bytes.isTextual()) {
                throw new EventStreamFormatException("chunk payload has no string \"bytes\": " + payloadAsString());
            }
            return Base64.getDecoder().decode(bytes.textValue());
        } catch (IOException | IllegalArgumentException e) {
            throw new EventStreamFormatException("chunk payload is not {\"bytes\":\"<base64>\"}: " + e.getMessage());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventStreamMessage m && headers.equals(m.headers) && Arrays.equals(payload, m.payload);
    }

    @Override
    public int hashCode() {
        return 31 * headers.hashCode() + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "EventStreamMessage[headers=" + headers + ", payload=" + payloadAsString() + "]";
    }
}
