package dev.localbedrock.runtime.robustness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.codecs.eventstream.EventStreamDecoder;
import dev.localbedrock.codecs.eventstream.EventStreamMessage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, one request per connection ({@code Connection: close}), so a test controls exactly
 * when a client goes away: before the answer, after its first stream chunk, or never. Every read has a timeout: a
 * server that hangs fails the test instead of stalling it.
 */
final class RawHttp {
    static final int READ_TIMEOUT_MILLIS = 60_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private RawHttp() {
    }

    /** A whole answer: status, headers (names lower-cased), body (de-chunked). */
    record Reply(int status, Map<String, String> headers, byte[] body) {
        String errorType() {
            return headers.get("x-amzn-errortype");
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        /** The chunk JSONs of an InvokeModelWithResponseStream body, in order. */
        List<JsonNode> streamChunks() throws IOException {
            List<JsonNode> chunks = new ArrayList<>();
            for (EventStreamMessage m : new EventStreamDecoder().feed(body, 0, body.length)) {
                JsonNode envelope = JSON.readTree(m.payload());
                if (envelope.has("bytes")) {
                    chunks.add(JSON.readTree(Base64.getDecoder().decode(envelope.get("bytes").asText())));
                } else {
                    throw new IOException("not a chunk event: " + new String(m.payload(), StandardCharsets.UTF_8));
                }
            }
            return chunks;
        }
    }

    static Socket connect(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        socket.setTcpNoDelay(true);
        return socket;
    }

    /** Writes a POST with {@code Connection: close}; {@code contentType} null sends none. */
    static void send(Socket socket, String path, String contentType, byte[] body) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(head(path, contentType, body.length).getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    static String head(String path, String contentType, int contentLength) {
        return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n")
                + "Content-Length: " + contentLength + "\r\n\r\n";
    }

    static Reply get(int port, String path) throws IOException {
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return read(socket.getInputStream());
        }
    }

    static Reply post(int port, String path, String contentType, byte[] body) throws IOException {
        try (Socket socket = connect(port)) {
            send(socket, path, contentType, body);
            return read(socket.getInputStream());
        }
    }

    /** Reads until the server closes (it does after a {@code Connection: close} exchange) and parses the answer. */
    static Reply read(InputStream in) throws IOException {
        return parse(in.readAllBytes());
    }

    /** Parses a whole answer as read off the wire. */
    static Reply parse(byte[] all) throws IOException {
        int end = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
        if (end < 0) {
            throw new IOException("no complete response head in " + all.length + " bytes: "
                    + new String(all, StandardCharsets.ISO_8859_1));
        }
        String[] lines = new String(all, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1)
                    .trim());
        }
        byte[] rest = java.util.Arrays.copyOfRange(all, end + 4, all.length);
        boolean chunked = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
        return new Reply(status, headers, chunked ? dechunk(rest) : rest);
    }

    /**
     * Reads until the first stream event arrives after a 200 head (then the caller may hang up, or read on);
     * returns the bytes read.
     */
    static byte[] readUntilFirstEvent(InputStream in) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        byte[] marker = ":event-type".getBytes(StandardCharsets.US_ASCII);
        while (true) {
            int n = in.read(buffer);
            if (n < 0) {
                throw new IOException("stream ended before its first event: "
                        + seen.toString(StandardCharsets.ISO_8859_1));
            }
            seen.write(buffer, 0, n);
            byte[] bytes = seen.toByteArray();
            int headEnd = indexOf(bytes, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
            if (headEnd >= 0) {
                String head = new String(bytes, 0, headEnd, StandardCharsets.ISO_8859_1);
                if (!head.startsWith("HTTP/1.1 200")) {
                    throw new IOException("stream refused: " + seen.toString(StandardCharsets.ISO_8859_1));
                }
                if (indexOf(bytes, marker, headEnd) >= 0) {
                    return bytes;
                }
            }
        }
    }

    private static byte[] dechunk(byte[] body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length);
        int pos = 0;
        while (true) {
            int lineEnd = indexOf(body, new byte[] {'\r', '\n'}, pos);
            if (lineEnd < 0) {
                throw new IOException("truncated chunked body (no last chunk)");
            }
            String sizeLine = new String(body, pos, lineEnd - pos, StandardCharsets.US_ASCII);
            int semi = sizeLine.indexOf(';');
            int size = Integer.parseInt((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim(), 16);
            pos = lineEnd + 2;
            if (size == 0) {
                return out.toByteArray();
            }
            if (pos + size + 2 > body.length) {
                throw new IOException("truncated chunked body");
            }
            out.write(body, pos, size);
            pos += size + 2;
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
