package dev.localbedrock.codecs.eventstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventStreamEncoderTest {

    /** The 75 header bytes of a chunk frame captured from real Bedrock (wire protocol §3.2, offsets 0x0c–0x56). */
    private static final byte[] SPEC_CHUNK_HEADERS = HexFormat.of().parseHex(
            "0b3a6576656e742d747970650700056368756e6b"
                    + "0d3a636f6e74656e742d7479706507001061"
                    + "70706c69636174696f6e2f6a736f6e"
                    + "0d3a6d6573736167652d74797065070005"
                    + "6576656e74");

    private static final byte[] CHUNK_JSON =
            "{\"generation\":\" Hello\",\"prompt_token_count\":null,\"generation_token_count\":3,\"stop_reason\":null}"
                    .getBytes(StandardCharsets.UTF_8);

    @Test
    void chunkHeaderBlockIsByteIdenticalToTheCapturedFrame() {
        assertEquals(75, SPEC_CHUNK_HEADERS.length);
        byte[] frame = EventStreamEncoder.chunkEvent(CHUNK_JSON);

        assertEquals(75, ByteBuffer.wrap(frame).getInt(4), "headers length");
        byte[] first20 = HexFormat.of().parseHex("0b3a6576656e742d747970650700056368756e6b");
        assertArrayEquals(first20, Arrays.copyOfRange(frame, 12, 32));
        assertArrayEquals(SPEC_CHUNK_HEADERS, Arrays.copyOfRange(frame, 12, 12 + 75));
    }

    @Test
    void chunkFrameIsPreludeHeadersBase64PayloadAndCrc() {
        byte[] frame = EventStreamEncoder.chunkEvent(CHUNK_JSON);
        String expectedPayload = "{\"bytes\":\"" + Base64.getEncoder().encodeToString(CHUNK_JSON) + "\"}";
        byte[] payload = Arrays.copyOfRange(frame, 12 + 75, frame.length - 4);

        assertEquals(expectedPayload, new String(payload, StandardCharsets.US_ASCII));
        assertEquals(16 + 75 + payload.length, frame.length);
        ByteBuffer view = ByteBuffer.wrap(frame);
        assertEquals(frame.length, view.getInt(0), "total length");
        assertEquals(crc(frame, 0, 8), view.getInt(8), "prelude CRC");
        assertEquals(crc(frame, 0, frame.length - 4), view.getInt(frame.length - 4), "message CRC");
    }

    @Test
    void preludeMatchesTheCapturedFrame() {
        // The captured frame is 267 bytes with 75 header bytes; its prelude CRC is 38a0a5c5 (§3.2).
        byte[] frame = EventStreamEncoder.encode(List.of(
                Map.entry(":event-type", "chunk"),
                Map.entry(":content-type", "application/json"),
                Map.entry(":message-type", "event")), new byte[267 - 16 - 75]);
        assertArrayEquals(HexFormat.of().parseHex("0000010b0000004b38a0a5c5"), Arrays.copyOf(frame, 12));
        assertArrayEquals(SPEC_CHUNK_HEADERS, Arrays.copyOfRange(frame, 12, 87));
    }

    @Test
    void inPlaceBase64MatchesTheJdkForEveryRemainder() {
        Random random = new Random(42);
        for (int length = 0; length < 300; length++) {
            byte[] json = new byte[length];
            random.nextBytes(json);
            EventStreamMessage message = EventStreamDecoder.decodeAll(EventStreamEncoder.chunkEvent(json)).get(0);
            assertEquals("{\"bytes\":\"" + Base64.getEncoder().encodeToString(json) + "\"}",
                    message.payloadAsString(), "length " + length);
            assertArrayEquals(json, message.chunkBytes());
        }
    }

    @Test
    void exceptionUsesTheUnionMemberNameAndAJsonMessage() {
        String text = "model \"failed\"\n\tat step 3 — ünïcode ✓";
        byte[] frame = EventStreamEncoder.exception(BedrockErrorType.MODEL_STREAM_ERROR, text);
        EventStreamMessage message = EventStreamDecoder.decodeAll(frame).get(0);

        assertEquals(List.of(":exception-type", ":content-type", ":message-type"),
                List.copyOf(message.headers().keySet()));
        assertEquals("modelStreamErrorException", message.exceptionType());
        assertEquals("application/json", message.header(":content-type"));
        assertEquals("exception", message.messageType());
        JsonNode body = assertDoesNotThrow(() -> Json.MAPPER.readTree(message.payload()));
        assertEquals(1, body.size());
        assertEquals(text, body.get("message").textValue());
    }

    @Test
    void exceptionFromABedrockException() {
        byte[] frame = EventStreamEncoder.exception(BedrockException.validation("bad"));
        EventStreamMessage message = EventStreamDecoder.decodeAll(frame).get(0);
        assertEquals("validationException", message.exceptionType());
        assertEquals("{\"message\":\"bad\"}", message.payloadAsString());
    }

    @Test
    void generalEncodeKeepsHeaderOrderAndPayload() {
        byte[] payload = "anything".getBytes(StandardCharsets.UTF_8);
        byte[] frame = EventStreamEncoder.encode(List.of(Map.entry("b", "2"), Map.entry("a", "1"),
                Map.entry("ünï", "")), payload);
        EventStreamMessage message = EventStreamDecoder.decodeAll(frame).get(0);
        assertEquals(List.of("b", "a", "ünï"), List.copyOf(message.headers().keySet()));
        assertEquals("", message.header("ünï"));
        assertArrayEquals(payload, message.payload());

        EventStreamMessage empty = EventStreamDecoder.decodeAll(EventStreamEncoder.encode(List.of(), null)).get(0);
        assertEquals(0, empty.headers().size());
        assertEquals(0, empty.payload().length);
    }

    @Test
    void rejectsHeadersAndMessagesOverTheLimits() {
        assertDoesNotThrow(() -> EventStreamEncoder.encode(List.of(Map.entry("n".repeat(255), "v")), null));
        assertThrows(IllegalArgumentException.class,
                () -> EventStreamEncoder.encode(List.of(Map.entry("n".repeat(256), "v")), null));
        // 128 two-byte characters: 256 UTF-8 bytes although only 128 chars
        assertThrows(IllegalArgumentException.class,
                () -> EventStreamEncoder.encode(List.of(Map.entry("é".repeat(128), "v")), null));
        assertThrows(IllegalArgumentException.class,
                () -> EventStreamEncoder.encode(List.of(Map.entry("", "v")), null));

        byte[] frame = EventStreamEncoder.encode(List.of(Map.entry("n", "v".repeat(65_535))), null);
        assertEquals(65_535, EventStreamDecoder.decodeAll(frame).get(0).header("n").length());
        assertThrows(IllegalArgumentException.class,
                () -> EventStreamEncoder.encode(List.of(Map.entry("n", "v".repeat(65_536))), null));

        assertThrows(IllegalArgumentException.class,
                () -> EventStreamEncoder.encode(List.of(Map.entry("a", "1"), Map.entry("a", "2")), null));
        assertThrows(IllegalArgumentException.class,
                () -> EventStreamEncoder.encode(List.of(), new byte[16 * 1024 * 1024]));
        assertThrows(IllegalArgumentException.class,
                () -> EventStreamEncoder.chunkEvent(new byte[13 * 1024 * 1024]));
        assertDoesNotThrow(() -> EventStreamEncoder.encode(List.of(), new byte[16 * 1024 * 1024 - 16]));
    }

    @Test
    void bedrockChunkPayloadStaysUnderAnyRealisticSize() {
        // Sanity: a 1,000,000-byte part (the model's maximum) frames fine.
        byte[] frame = EventStreamEncoder.chunkEvent(new byte[1_000_000]);
        assertTrue(frame.length > 1_000_000);
    }

    private static int crc(byte[] bytes, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }
}
