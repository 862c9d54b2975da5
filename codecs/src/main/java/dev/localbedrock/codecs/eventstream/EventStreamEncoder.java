package dev.localbedrock.codecs.eventstream;

import dev.localbedrock.codecs.AwsErrorBodies;
import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Frames messages in the AWS event-stream encoding that InvokeModelWithResponseStream answers with (wire protocol
 * §3.1–3.4). Both SDKs verify both CRCs and the header bytes, so the layout here is byte-exact with frames
 * captured from real Bedrock.
 *
 * <p>A chunk is framed once per generated token, so {@link #chunkEvent} allocates only the frame itself: its
 * header block is precomputed and the base64 is written straight into the frame. Only string headers (type 7)
 * are produced; Bedrock uses no other type.
 */
public final class EventStreamEncoder {

    /** Prelude (total length, headers length, prelude CRC) plus the trailing message CRC. */
    static final int OVERHEAD = 16;
    static final int PRELUDE = 12;
    static final int MAX_HEADER_NAME_BYTES = 255;
    static final int MAX_HEADER_VALUE_BYTES = 65_535;
    /** The limits of the AWS event-stream implementations (aws-c-event-stream): 128 KiB of headers, 16 MiB total. */
    static final int MAX_HEADERS_BYTES = 128 * 1024;
    static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    static final byte STRING_TYPE = 7;

    /** {@code :event-type}=chunk, {@code :content-type}=application/json, {@code :message-type}=event: 75 bytes. */
    private static final byte[] CHUNK_HEADERS = headerBlock(List.of(
            Map.entry(":event-type", "chunk"),
            Map.entry(":content-type", "application/json"),
            Map.entry(":message-type", "event")));
    private static final byte[] CHUNK_PAYLOAD_START = "{\"bytes\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHUNK_PAYLOAD_END = "\"}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BASE64 =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".getBytes(StandardCharsets.US_ASCII);

    private EventStreamEncoder() {
    }

    /**
     * A {@code chunk} event whose payload is {@code {"bytes":"<base64 of modelChunkJson>"}}. The optional
     * {@code "p"} padding real Bedrock adds is left out: clients ignore it.
     *
     * @param modelChunkJson the family codec's chunk JSON ({@code TextFamilyCodec.encodeChunk})
     */
    public static byte[] chunkEvent(byte[] modelChunkJson) {
        int base64Length = 4 * ((modelChunkJson.length + 2) / 3);
        long payloadLength = (long) CHUNK_PAYLOAD_START.length + base64Length + CHUNK_PAYLOAD_END.length;
        int total = checkedTotal(CHUNK_HEADERS.length, payloadLength);
        byte[] frame = new byte[total];
        int pos = writePrelude(frame, total, CHUNK_HEADERS.length);
        System.arraycopy(CHUNK_HEADERS, 0, frame, pos, CHUNK_HEADERS.length);
        pos += CHUNK_HEADERS.length;
        System.arraycopy(CHUNK_PAYLOAD_START, 0, frame, pos, CHUNK_PAYLOAD_START.length);
        pos += CHUNK_PAYLOAD_START.length;
        pos = writeBase64(modelChunkJson, frame, pos);
        System.arraycopy(CHUNK_PAYLOAD_END, 0, frame, pos, CHUNK_PAYLOAD_END.length);
        writeMessageCrc(frame);
        return frame;
    }

    /**
     * A typed event ({@code :event-type} = {@code eventType}) whose payload is the event structure's JSON, as
     * ConverseStream sends them ({@code messageStart}, {@code contentBlockDelta}, ...): the SDKs pick the union member
     * by the event type and unmarshal the payload as that member's structure.
     */
    public static byte[] event(String eventType, byte[] payload) {
        return encode(List.of(
                Map.entry(":event-type", eventType),
                Map.entry(":content-type", "application/json"),
                Map.entry(":message-type", "event")), payload);
    }

    /**
     * A modeled exception inside the stream. The {@code :exception-type} is the union member name (lowerCamel),
     * which is what real Bedrock sends and what current SDKs map to the typed exception (§3.4). Prefer
     * {@code MODEL_STREAM_ERROR} for a failing model: the Java SDK re-sends the whole request on a mid-stream
     * throttling, internal-server or service-unavailable exception.
     */
    public static byte[] exception(BedrockErrorType type, String message) {
        return encode(List.of(
                Map.entry(":exception-type", type.streamMemberName()),
                Map.entry(":content-type", "application/json"),
                Map.entry(":message-type", "exception")), AwsErrorBodies.json(message));
    }

    /** {@link #exception(BedrockErrorType, String)} for an exception already carrying its type and message. */
    public static byte[] exception(BedrockException e) {
        return exception(e.type(), e.getMessage());
    }

    /**
     * Frames any message with string headers, in the given order.
     *
     * @param headers name/value pairs; each name at most once
     * @param payload the payload bytes (null means empty)
     * @throws IllegalArgumentException when a name is empty, repeated or over 255 UTF-8 bytes, a value is over
     *                                  65,535 bytes, the headers exceed 128 KiB or the message 16 MiB
     */
    public static byte[] encode(List<? extends Map.Entry<String, String>> headers, byte[] payload) {
        byte[] headerBlock = headerBlock(headers);
        byte[] body = payload == null ? new byte[0] : payload;
        int total = checkedTotal(headerBlock.length, body.length);
        byte[] frame = new byte[total];
        int pos = writePrelude(frame, total, headerBlock.length);
        System.arraycopy(headerBlock, 0, frame, pos, headerBlock.length);
        System.arraycopy(body, 0, frame, pos + headerBlock.length, body.length);
        writeMessageCrc(frame);
        return frame;
    }

    private static byte[] headerBlock(List<? extends Map.Entry<String, String>> headers) {
        byte[][] names = new byte[headers.size()][];
        byte[][] values = new byte[headers.size()][];
        long length = 0;
        for (int i = 0; i < headers.size(); i++) {
            Map.Entry<String, String> header = headers.get(i);
            if (header == null || header.getKey() == null || header.getValue() == null) {
                throw new IllegalArgumentException("header " + i + " has a null name or value");
            }
            String name = header.getKey();
            for (int j = 0; j < i; j++) {
                if (headers.get(j).getKey().equals(name)) {
                    throw new IllegalArgumentException("header '" + name + "' appears twice");
                }
            }
            names[i] = name.getBytes(StandardCharsets.UTF_8);
            values[i] = header.getValue().getBytes(StandardCharsets.UTF_8);
            if (names[i].length == 0 || names[i].length > MAX_HEADER_NAME_BYTES) {
                throw new IllegalArgumentException("header name '" + name + "' is " + names[i].length
                        + " UTF-8 bytes; allowed 1 to " + MAX_HEADER_NAME_BYTES);
            }
            if (values[i].length > MAX_HEADER_VALUE_BYTES) {
                throw new IllegalArgumentException("value of header '" + name + "' is " + values[i].length
                        + " UTF-8 bytes; at most " + MAX_HEADER_VALUE_BYTES + " allowed");
            }
            length += 1 + names[i].length + 1 + 2 + values[i].length;
        }
        if (length > MAX_HEADERS_BYTES) {
            throw new IllegalArgumentException("headers are " + length + " bytes; at most " + MAX_HEADERS_BYTES
                    + " allowed");
        }
        byte[] block = new byte[(int) length];
        int pos = 0;
        for (int i = 0; i < names.length; i++) {
            block[pos++] = (byte) names[i].length;
            System.arraycopy(names[i], 0, block, pos, names[i].length);
            pos += names[i].length;
            block[pos++] = STRING_TYPE;
            block[pos++] = (byte) (values[i].length >>> 8);
            block[pos++] = (byte) values[i].length;
            System.arraycopy(values[i], 0, block, pos, values[i].length);
            pos += values[i].length;
        }
        return block;
    }

    private static int checkedTotal(int headersLength, long payloadLength) {
        long total = OVERHEAD + headersLength + payloadLength;
        if (total > MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("event-stream message would be " + total + " bytes; at most "
                    + MAX_MESSAGE_BYTES + " allowed");
        }
        return (int) total;
    }

    /** Writes total length, headers length and the prelude CRC; returns where the headers start. */
    private static int writePrelude(byte[] frame, int total, int headersLength) {
        putInt(frame, 0, total);
        putInt(frame, 4, headersLength);
        CRC32 crc = new CRC32();
        crc.update(frame, 0, 8);
        putInt(frame, 8, (int) crc.getValue());
        return PRELUDE;
    }

    /** The message CRC covers everything before it, the prelude and its CRC included. */
    private static void writeMessageCrc(byte[] frame) {
        CRC32 crc = new CRC32();
        crc.update(frame, 0, frame.length - 4);
        putInt(frame, frame.length - 4, (int) crc.getValue());
    }

    /** Standard, padded base64 written in place, so a chunk costs one allocation instead of three. */
    private static int writeBase64(byte[] src, byte[] dst, int pos) {
        int i = 0;
        int whole = src.length - src.length % 3;
        while (i < whole) {
            int bits = (src[i++] & 0xff) << 16 | (src[i++] & 0xff) << 8 | (src[i++] & 0xff);
            dst[pos++] = BASE64[bits >>> 18];
            dst[pos++] = BASE64[(bits >>> 12) & 0x3f];
            dst[pos++] = BASE64[(bits >>> 6) & 0x3f];
            dst[pos++] = BASE64[bits & 0x3f];
        }
        int rest = src.length - whole;
        if (rest > 0) {
            int bits = (src[i] & 0xff) << 16 | (rest == 2 ? (src[i + 1] & 0xff) << 8 : 0);
            dst[pos++] = BASE64[bits >>> 18];
            dst[pos++] = BASE64[(bits >>> 12) & 0x3f];
            dst[pos++] = rest == 2 ? BASE64[(bits >>> 6) & 0x3f] : (byte) '=';
            dst[pos++] = '=';
        }
        return pos;
    }

    static void putInt(byte[] dst, int pos, int value) {
        dst[pos] = (byte) (value >>> 24);
        dst[pos + 1] = (byte) (value >>> 16);
        dst[pos + 2] = (byte) (value >>> 8);
        dst[pos + 3] = (byte) value;
    }
}
