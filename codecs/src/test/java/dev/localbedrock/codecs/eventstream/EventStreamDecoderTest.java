package dev.localbedrock.codecs.eventstream;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventStreamDecoderTest {

    private static final List<byte[]> FRAMES = List.of(
            EventStreamEncoder.chunkEvent("{\"generation\":\"a\"}".getBytes(StandardCharsets.UTF_8)),
            EventStreamEncoder.chunkEvent("{\"generation\":\"ünïcode ✓\"}".getBytes(StandardCharsets.UTF_8)),
            EventStreamEncoder.encode(List.of(Map.entry("x", "y")), new byte[0]),
            EventStreamEncoder.exception(dev.localbedrock.codecs.BedrockErrorType.MODEL_TIMEOUT, "slow"));

    @Test
    void roundTripsSeveralMessagesFedAtOnce() {
        List<EventStreamMessage> messages = EventStreamDecoder.decodeAll(concat(FRAMES));
        assertEquals(4, messages.size());
        assertEquals("{\"generation\":\"a\"}", new String(messages.get(0).chunkBytes(), StandardCharsets.UTF_8));
        assertEquals("{\"generation\":\"ünïcode ✓\"}",
                new String(messages.get(1).chunkBytes(), StandardCharsets.UTF_8));
        assertEquals(Map.of("x", "y"), messages.get(2).headers());
        assertEquals("modelTimeoutException", messages.get(3).exceptionType());
        assertEquals("{\"message\":\"slow\"}", messages.get(3).payloadAsString());
    }

    @Test
    void everySplitPointGivesTheSameMessages() {
        byte[] stream = concat(FRAMES);
        List<EventStreamMessage> expected = EventStreamDecoder.decodeAll(stream);
        for (int split = 0; split <= stream.length; split++) {
            EventStreamDecoder decoder = new EventStreamDecoder();
            List<EventStreamMessage> got = new ArrayList<>(decoder.feed(stream, 0, split));
            got.addAll(decoder.feed(stream, split, stream.length - split));
            decoder.finish();
            assertEquals(expected, got, "split at " + split);
        }
    }

    @Test
    void byteByByteAndRandomSlices() {
        byte[] stream = concat(FRAMES);
        List<EventStreamMessage> expected = EventStreamDecoder.decodeAll(stream);

        EventStreamDecoder single = new EventStreamDecoder();
        List<EventStreamMessage> got = new ArrayList<>();
        for (byte b : stream) {
            got.addAll(single.feed(new byte[] {b}));
        }
        assertEquals(expected, got);

        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            EventStreamDecoder decoder = new EventStreamDecoder();
            List<EventStreamMessage> sliced = new ArrayList<>();
            int pos = 0;
            while (pos < stream.length) {
                int length = Math.min(stream.length - pos, random.nextInt(80));
                sliced.addAll(decoder.feed(ByteBuffer.wrap(stream, pos, length)));
                pos += length;
            }
            assertEquals(0, decoder.bufferedBytes());
            assertEquals(expected, sliced);
        }
    }

    @Test
    void corruptingAnyByteFails() {
        byte[] frame = FRAMES.get(1);
        for (int i = 0; i < frame.length; i++) {
            for (int bit : new int[] {0x01, 0x80}) {
                byte[] corrupted = frame.clone();
                corrupted[i] ^= (byte) bit;
                EventStreamDecoder decoder = new EventStreamDecoder();
                EventStreamFormatException e = assertThrows(EventStreamFormatException.class,
                        () -> decoder.feed(corrupted), "flipped bit " + bit + " of byte " + i);
                assertTrue(e.getMessage().contains("checksum failure"), e.getMessage());
            }
        }
    }

    @Test
    void checksumMessagesNameBothValues() {
        byte[] frame = FRAMES.get(0).clone();
        frame[frame.length - 1] ^= 1;
        EventStreamFormatException e = assertThrows(EventStreamFormatException.class,
                () -> EventStreamDecoder.decodeAll(frame));
        assertTrue(e.getMessage().matches("message checksum failure: expected 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}"),
                e.getMessage());
    }

    @Test
    void aFailedDecoderRefusesMoreInput() {
        byte[] frame = FRAMES.get(0).clone();
        frame[20] ^= 1;
        EventStreamDecoder decoder = new EventStreamDecoder();
        assertThrows(EventStreamFormatException.class, () -> decoder.feed(frame));
        assertThrows(IllegalStateException.class, () -> decoder.feed(FRAMES.get(0)));
    }

    @Test
    void truncatedStreamFailsAtFinish() {
        byte[] stream = concat(FRAMES);
        EventStreamDecoder decoder = new EventStreamDecoder();
        List<EventStreamMessage> messages = decoder.feed(stream, 0, stream.length - 3);
        assertEquals(3, messages.size());
        assertTrue(decoder.bufferedBytes() > 0);
        assertThrows(EventStreamFormatException.class, decoder::finish);
    }

    @Test
    void impossibleLengthsWithValidPreludeCrcFail() {
        // total length below the 16-byte minimum
        assertThrows(EventStreamFormatException.class, () -> EventStreamDecoder.decodeAll(prelude(8, 0)));
        // headers longer than the message
        assertThrows(EventStreamFormatException.class, () -> EventStreamDecoder.decodeAll(prelude(20, 10)));
        // larger than 16 MiB: rejected before waiting for the bytes
        assertThrows(EventStreamFormatException.class,
                () -> new EventStreamDecoder().feed(prelude(17 * 1024 * 1024, 0)));
    }

    @Test
    void decodesNonStringHeaderTypes() {
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        header(headers, "t", 0);
        header(headers, "f", 1);
        header(headers, "b", 2, 0xfe);
        header(headers, "s", 3, 0x01, 0x00);
        header(headers, "i", 4, 0x00, 0x00, 0x01, 0x00);
        header(headers, "l", 5, 0, 0, 0, 0, 0, 0, 0, 42);
        header(headers, "y", 6, 0, 2, 0x01, 0xff);
        header(headers, "ts", 8, 0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00);
        header(headers, "u", 9, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
                0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0);
        EventStreamMessage message = EventStreamDecoder.decodeAll(frame(headers.toByteArray(), new byte[] {1})).get(0);
        assertEquals("true", message.header("t"));
        assertEquals("false", message.header("f"));
        assertEquals("-2", message.header("b"));
        assertEquals("256", message.header("s"));
        assertEquals("256", message.header("i"));
        assertEquals("42", message.header("l"));
        assertEquals("Af8=", message.header("y"));
        assertEquals(Long.toString(0x018bcfe56800L), message.header("ts"));
        assertEquals("12345678-9abc-def0-1234-56789abcdef0", message.header("u"));
    }

    @Test
    void malformedHeaderBlocksWithValidCrcsFail() {
        // unknown value type 10
        assertThrows(EventStreamFormatException.class,
                () -> EventStreamDecoder.decodeAll(frame(bytes(1, 'a', 10), new byte[0])));
        // string value longer than the header block
        assertThrows(EventStreamFormatException.class,
                () -> EventStreamDecoder.decodeAll(frame(bytes(1, 'a', 7, 0, 9, 'x'), new byte[0])));
        // name running past the block
        assertThrows(EventStreamFormatException.class,
                () -> EventStreamDecoder.decodeAll(frame(bytes(9, 'a'), new byte[0])));
        // same name twice
        assertThrows(EventStreamFormatException.class,
                () -> EventStreamDecoder.decodeAll(frame(bytes(1, 'a', 0, 1, 'a', 1), new byte[0])));
    }

    @Test
    void chunkBytesRejectsOtherMessages() {
        EventStreamMessage exception = EventStreamDecoder.decodeAll(FRAMES.get(3)).get(0);
        assertThrows(EventStreamFormatException.class, exception::chunkBytes);
    }

    // --- helpers: hand-built frames with correct CRCs ---

    private static byte[] frame(byte[] headers, byte[] payload) {
        int total = 16 + headers.length + payload.length;
        ByteBuffer buffer = ByteBuffer.allocate(total);
        buffer.putInt(total).putInt(headers.length).putInt(crc(buffer.array(), 8));
        buffer.put(headers).put(payload);
        buffer.putInt(crc(buffer.array(), total - 4));
        return buffer.array();
    }

    private static byte[] prelude(int total, int headersLength) {
        ByteBuffer buffer = ByteBuffer.allocate(16);
        buffer.putInt(total).putInt(headersLength).putInt(crc(buffer.array(), 8));
        return buffer.array();
    }

    private static void header(ByteArrayOutputStream out, String name, int type, int... value) {
        out.write(name.length());
        out.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
        out.write(type);
        for (int v : value) {
            out.write(v);
        }
    }

    private static byte[] bytes(int... values) {
        byte[] result = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = (byte) values[i];
        }
        return result;
    }

    private static int crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }

    private static byte[] concat(List<byte[]> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        frames.forEach(out::writeBytes);
        return Arrays.copyOf(out.toByteArray(), out.size());
    }
}
