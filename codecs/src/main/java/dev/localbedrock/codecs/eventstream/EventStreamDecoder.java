package dev.localbedrock.codecs.eventstream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32;

import static dev.localbedrock.codecs.eventstream.EventStreamEncoder.MAX_HEADERS_BYTES;
import static dev.localbedrock.codecs.eventstream.EventStreamEncoder.MAX_MESSAGE_BYTES;
import static dev.localbedrock.codecs.eventstream.EventStreamEncoder.OVERHEAD;
import static dev.localbedrock.codecs.eventstream.EventStreamEncoder.PRELUDE;

/**
 * Incremental event-stream decoder, checking what the SDKs check: both CRCs, the lengths and the header layout.
 * Transports split and coalesce frames freely (HTTP/1.1 chunks, HTTP/2 DATA frames), so input is fed in arbitrary
 * slices and messages come out as soon as they are complete.
 *
 * <p>The prelude CRC is checked as soon as 12 bytes are there, before the length is trusted, so a corrupted length
 * fails at once instead of waiting for bytes that never come. Header values of types other than string are
 * rendered as text: booleans {@code true}/{@code false}, integers and timestamps (epoch ms) in decimal, byte
 * arrays in base64, UUIDs in canonical form.
 *
 * <p>Not thread-safe: one decoder per stream. After an {@link EventStreamFormatException} it rejects all input.
 */
public final class EventStreamDecoder {

    private byte[] buffer = new byte[0];
    private int start;
    private int end;
    private boolean failed;
    private final CRC32 crc = new CRC32();

    /** Decodes a whole stream at once; trailing bytes that are not a complete message are an error. */
    public static List<EventStreamMessage> decodeAll(byte[] stream) {
        EventStreamDecoder decoder = new EventStreamDecoder();
        List<EventStreamMessage> messages = decoder.feed(stream);
        decoder.finish();
        return messages;
    }

    public List<EventStreamMessage> feed(byte[] data) {
        return feed(data, 0, data.length);
    }

    /**
     * Adds bytes and returns the messages completed by them (possibly none, possibly several).
     *
     * @throws EventStreamFormatException on a CRC mismatch or malformed framing
     */
    public List<EventStreamMessage> feed(byte[] data, int offset, int length) {
        checkUsable();
        ensureCapacity(length);
        System.arraycopy(data, offset, buffer, end, length);
        end += length;
        return drain();
    }

    /** Like {@link #feed(byte[], int, int)}; consumes the buffer's remaining bytes. */
    public List<EventStreamMessage> feed(ByteBuffer data) {
        checkUsable();
        int length = data.remaining();
        ensureCapacity(length);
        data.get(buffer, end, length);
        end += length;
        return drain();
    }

    /** Bytes of an incomplete message held back for the next feed. */
    public int bufferedBytes() {
        return end - start;
    }

    /**
     * Declares the end of the stream.
     *
     * @throws EventStreamFormatException when it ended inside a message (a truncated stream)
     */
    public void finish() {
        checkUsable();
        if (bufferedBytes() != 0) {
            throw fail("stream ended inside a message: " + bufferedBytes() + " bytes of an incomplete message");
        }
    }

    private List<EventStreamMessage> drain() {
        List<EventStreamMessage> messages = new ArrayList<>(1);
        while (end - start >= PRELUDE) {
            int total = getInt(buffer, start);
            int headersLength = getInt(buffer, start + 4);
            crc.reset();
            crc.update(buffer, start, 8);
            int preludeCrc = getInt(buffer, start + 8);
            if ((int) crc.getValue() != preludeCrc) {
                throw fail(String.format("prelude checksum failure: expected 0x%08x, computed 0x%08x (total length %d,"
                        + " headers length %d)", preludeCrc, (int) crc.getValue(), total, headersLength));
            }
            if (total < OVERHEAD || total > MAX_MESSAGE_BYTES) {
                throw fail("total length " + Integer.toUnsignedString(total) + " outside " + OVERHEAD + ".."
                        + MAX_MESSAGE_BYTES);
            }
            if (headersLength < 0 || headersLength > MAX_HEADERS_BYTES || headersLength > total - OVERHEAD) {
                throw fail("headers length " + Integer.toUnsignedString(headersLength) + " does not fit a message of "
                        + total + " bytes");
            }
            if (end - start < total) {
                break;
            }
            crc.reset();
            crc.update(buffer, start, total - 4);
            int messageCrc = getInt(buffer, start + total - 4);
            if ((int) crc.getValue() != messageCrc) {
                throw fail(String.format("message checksum failure: expected 0x%08x, computed 0x%08x",
                        messageCrc, (int) crc.getValue()));
            }
            Map<String, String> headers = parseHeaders(start + PRELUDE, headersLength);
            int payloadStart = start + PRELUDE + headersLength;
            byte[] payload = new byte[total - OVERHEAD - headersLength];
            System.arraycopy(buffer, payloadStart, payload, 0, payload.length);
            messages.add(new EventStreamMessage(headers, payload));
            start += total;
        }
        if (start == end) {
            start = 0;
            end = 0;
        }
        return messages;
    }

    private Map<String, String> parseHeaders(int from, int length) {
        Map<String, String> headers = new LinkedHashMap<>();
        int pos = from;
        int limit = from + length;
        while (pos < limit) {
            int nameLength = buffer[pos++] & 0xff;
            if (nameLength == 0 || pos + nameLength + 1 > limit) {
                throw fail("malformed header at byte " + (pos - 1 - start) + ": name length " + nameLength);
            }
            String name = new String(buffer, pos, nameLength, StandardCharsets.UTF_8);
            pos += nameLength;
            int type = buffer[pos++];
            int valueLength = switch (type) {
                case 0, 1 -> 0;
                case 2 -> 1;
                case 3 -> 2;
                case 4 -> 4;
                case 5, 8 -> 8;
                case 9 -> 16;
                case 6, 7 -> pos + 2 <= limit ? (buffer[pos] & 0xff) << 8 | (buffer[pos + 1] & 0xff) : -1;
                default -> throw fail("header '" + name + "' has unknown value type " + type);
            };
            if (type == 6 || type == 7) {
                pos += 2;
            }
            if (valueLength < 0 || pos + valueLength > limit) {
                throw fail("value of header '" + name + "' runs past the header block");
            }
            String value = headerValue(type, pos, valueLength);
            pos += valueLength;
            if (headers.putIfAbsent(name, value) != null) {
                throw fail("header '" + name + "' appears twice");
            }
        }
        return headers;
    }

    private String headerValue(int type, int pos, int length) {
        ByteBuffer view = ByteBuffer.wrap(buffer, pos, length);
        return switch (type) {
            case 0 -> "true";
            case 1 -> "false";
            case 2 -> Byte.toString(view.get());
            case 3 -> Short.toString(view.getShort());
            case 4 -> Integer.toString(view.getInt());
            case 5, 8 -> Long.toString(view.getLong());
            case 6 -> Base64.getEncoder().encodeToString(Arrays.copyOfRange(buffer, pos, pos + length));
            case 7 -> new String(buffer, pos, length, StandardCharsets.UTF_8);
            case 9 -> new UUID(view.getLong(), view.getLong()).toString();
            default -> throw new AssertionError(type);
        };
    }

    private void ensureCapacity(int extra) {
        if (end + extra <= buffer.length) {
            return;
        }
        int pending = end - start;
        if (pending + extra <= buffer.length) {
            System.arraycopy(buffer, start, buffer, 0, pending);
        } else {
            byte[] grown = new byte[Math.max(pending + extra, Math.min(2 * buffer.length + 256, MAX_MESSAGE_BYTES))];
            System.arraycopy(buffer, start, grown, 0, pending);
            buffer = grown;
        }
        start = 0;
        end = pending;
    }

    private void checkUsable() {
        if (failed) {
            throw new IllegalStateException("decoder already failed; event-stream framing is lost");
        }
    }

    private EventStreamFormatException fail(String message) {
        failed = true;
        return new EventStreamFormatException(message);
    }

    private static int getInt(byte[] src, int pos) {
        return (src[pos] & 0xff) << 24 | (src[pos + 1] & 0xff) << 16 | (src[pos + 2] & 0xff) << 8
                | (src[pos + 3] & 0xff);
    }
}
