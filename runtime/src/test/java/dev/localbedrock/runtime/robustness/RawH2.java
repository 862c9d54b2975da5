package dev.localbedrock.runtime.robustness;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One h2c request (prior knowledge) written frame by frame, as an RFC 9113 client would: the body goes out in DATA
 * frames within the server's flow-control windows, and the client stops sending as soon as the server resets the
 * stream or answers it. Used where the JDK client is not a fair judge of the server: JDK 17's HTTP/2 client keeps
 * waiting for window to finish an upload the server has already answered and reset, so its timeout says nothing
 * about whether the server answered.
 * <p>
 * Every read has a timeout (an {@link AssertionError} if it passes): a server that does not answer fails the caller.
 * <p>
 * Beneath {@link #exchange} it is a frame-level client as well, for tests that send what no RFC 9113 client would:
 * {@link #frame} writes any frame, {@link #read} and the {@code await} methods read them back with HPACK through
 * Netty's coder, and the read timeout or the close reaches the caller as the socket's own exception.
 */
final class RawH2 implements AutoCloseable {
    // Frame types, flags and error codes (RFC 9113).
    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int WINDOW_UPDATE = 0x8;
    static final int CONTINUATION = 0x9;
    static final int END_STREAM = 0x1;
    static final int END_HEADERS = 0x4;
    static final int ACK = 0x1;
    static final int PROTOCOL_ERROR = 0x1;
    static final int FRAME_SIZE_ERROR = 0x6;
    static final int REFUSED_STREAM = 0x7;
    static final int CANCEL = 0x8;
    static final int COMPRESSION_ERROR = 0x9;
    static final int ENHANCE_YOUR_CALM = 0xb;
    private static final int DEFAULT_WINDOW = 65_535;

    /** What came back on the stream: the status and headers (names lower-case), the body, and how it ended. */
    record Answer(int status, Map<String, String> headers, byte[] body, boolean reset, int resetCode) {
        String errorType() {
            return headers.get("x-amzn-errortype");
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(true);
    private int nextStream = 1;
    private long connectionWindow = DEFAULT_WINDOW;
    private long initialStreamWindow = DEFAULT_WINDOW;
    private int maxFrameBytes = 16_384;

    private RawH2(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects with prior knowledge; every later read waits at most {@code readTimeoutMillis}. */
    static RawH2 open(int port, int readTimeoutMillis) throws IOException {
        return open(port, readTimeoutMillis, -1);
    }

    /** As above; a non-negative {@code initialWindow} is sent as SETTINGS_INITIAL_WINDOW_SIZE. */
    static RawH2 open(int port, int readTimeoutMillis, int initialWindow) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(readTimeoutMillis);
        socket.setTcpNoDelay(true);
        RawH2 h2 = new RawH2(socket);
        h2.out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] settings = initialWindow < 0 ? new byte[0]
                : ByteBuffer.allocate(6).putShort((short) 0x4).putInt(initialWindow).array();
        h2.frame(SETTINGS, 0, 0, settings);
        return h2;
    }

    /** The request headers of a POST of JSON to {@code path}. */
    static Http2Headers postHeaders(String path) {
        return new DefaultHttp2Headers().method("POST").scheme("http").authority("localhost").path(path)
                .add("content-type", "application/json");
    }

    /**
     * Sends one request and reads its answer. The body is written only while the server grants window and has not
     * answered; {@code contentType} and {@code accept} may be null (not sent).
     */
    Answer exchange(String method, String path, String contentType, String accept, byte[] body) throws IOException {
        int stream = nextStream;
        nextStream += 2;
        Http2Headers headers = new DefaultHttp2Headers().method(method).scheme("http").authority("localhost")
                .path(path);
        if (contentType != null) {
            headers.add("content-type", contentType);
        }
        if (accept != null) {
            headers.add(path.endsWith("/invoke-with-response-stream") ? "x-amzn-bedrock-accept" : "accept", accept);
        }
        headers.addInt("content-length", body.length);
        frame(HEADERS, END_HEADERS | (body.length == 0 ? END_STREAM : 0), stream, encode(stream, headers));

        long streamWindow = initialStreamWindow;
        int sent = 0;
        boolean answered = false;
        int status = -1;
        Map<String, String> answerHeaders = new TreeMap<>();
        ByteArrayOutputStream answerBody = new ByteArrayOutputStream();
        ByteArrayOutputStream headerBlock = null;
        while (true) {
            // Send what the windows allow before waiting for the server.
            while (!answered && sent < body.length && connectionWindow > 0 && streamWindow > 0) {
                int n = (int) Math.min(Math.min(body.length - sent, maxFrameBytes),
                        Math.min(connectionWindow, streamWindow));
                byte[] chunk = java.util.Arrays.copyOfRange(body, sent, sent + n);
                sent += n;
                connectionWindow -= n;
                streamWindow -= n;
                frame(DATA, sent == body.length ? END_STREAM : 0, stream, chunk);
            }
            Frame f = nextAnswerFrame();
            switch (f.type) {
                case SETTINGS -> {
                    if ((f.flags & ACK) == 0) {
                        long delta = applySettings(f.payload);
                        streamWindow += delta;
                        frame(SETTINGS, ACK, 0, new byte[0]);
                    }
                }
                case PING -> {
                    if ((f.flags & ACK) == 0) {
                        frame(PING, ACK, 0, f.payload);
                    }
                }
                case WINDOW_UPDATE -> {
                    long increment = ByteBuffer.wrap(f.payload).getInt() & 0x7fffffffL;
                    if (f.stream == 0) {
                        connectionWindow += increment;
                    } else if (f.stream == stream) {
                        streamWindow += increment;
                    }
                }
                case GOAWAY -> throw new IOException("GOAWAY before an answer on stream " + stream + " (error "
                        + ByteBuffer.wrap(f.payload).getInt(4) + ")");
                case RST_STREAM -> {
                    if (f.stream == stream) {
                        return new Answer(status, answerHeaders, answerBody.toByteArray(), true,
                                ByteBuffer.wrap(f.payload).getInt());
                    }
                }
                case HEADERS, CONTINUATION -> {
                    if (f.stream != stream) {
                        break;
                    }
                    if (headerBlock == null) {
                        headerBlock = new ByteArrayOutputStream();
                    }
                    headerBlock.write(f.type == HEADERS ? headersFragment(f) : f.payload);
                    if ((f.flags & END_HEADERS) != 0) {
                        Http2Headers h = decode(stream, headerBlock.toByteArray());
                        headerBlock = null;
                        if (h.status() != null) {
                            status = Integer.parseInt(h.status().toString());
                        }
                        h.forEach(e -> answerHeaders.put(e.getKey().toString().toLowerCase(Locale.ROOT),
                                e.getValue().toString()));
                        // A final answer: RFC 9113 8.1, the client stops sending the body.
                        answered = status >= 200;
                    }
                    if ((f.flags & END_STREAM) != 0) {
                        return new Answer(status, answerHeaders, answerBody.toByteArray(), false, 0);
                    }
                }
                case DATA -> {
                    if (f.stream != stream) {
                        break;
                    }
                    answerBody.write(dataFragment(f));
                    // Give the window back so long answers (streams) are not held up by this client.
                    if (f.payload.length > 0) {
                        byte[] inc = ByteBuffer.allocate(4).putInt(f.payload.length).array();
                        frame(WINDOW_UPDATE, 0, 0, inc);
                        frame(WINDOW_UPDATE, 0, stream, inc);
                    }
                    if ((f.flags & END_STREAM) != 0) {
                        return new Answer(status, answerHeaders, answerBody.toByteArray(), false, 0);
                    }
                }
                default -> {
                    // PRIORITY, PUSH_PROMISE (never sent by this server), unknown types: ignored, as RFC 9113 asks.
                }
            }
        }
    }

    /** Applies the server's SETTINGS; returns the change to the initial stream window (applies to open streams). */
    private long applySettings(byte[] payload) {
        long delta = 0;
        ByteBuffer b = ByteBuffer.wrap(payload);
        while (b.remaining() >= 6) {
            int id = b.getShort() & 0xffff;
            long value = b.getInt() & 0xffffffffL;
            if (id == 0x4) {
                delta += value - initialStreamWindow;
                initialStreamWindow = value;
            } else if (id == 0x5) {
                maxFrameBytes = (int) value;
            }
        }
        return delta;
    }

    private static byte[] headersFragment(Frame f) {
        int offset = 0;
        int padding = 0;
        if ((f.flags & 0x8) != 0) {
            padding = f.payload[0] & 0xff;
            offset = 1;
        }
        if ((f.flags & 0x20) != 0) {
            offset += 5;
        }
        return java.util.Arrays.copyOfRange(f.payload, offset, f.payload.length - padding);
    }

    private static byte[] dataFragment(Frame f) {
        if ((f.flags & 0x8) == 0) {
            return f.payload;
        }
        int padding = f.payload[0] & 0xff;
        return java.util.Arrays.copyOfRange(f.payload, 1, f.payload.length - padding);
    }

    record Frame(int type, int flags, int stream, byte[] payload) {
        /** The error code of a GOAWAY (after the last stream id) or RST_STREAM frame. */
        int errorCode() {
            ByteBuffer b = ByteBuffer.wrap(payload);
            return type == GOAWAY ? b.getInt(4) : b.getInt(0);
        }
    }

    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(9);
        header.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length)
                .put((byte) type).put((byte) flags).putInt(stream);
        out.write(header.array());
        out.write(payload);
        out.flush();
    }

    /** A complete header block (END_HEADERS) opening {@code stream} with {@link #postHeaders}. */
    void headers(int stream, String path, boolean endStream) throws IOException {
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, encode(stream, postHeaders(path)));
    }

    /** A whole request: its headers, then {@code body} in one DATA frame that ends the stream. */
    void request(int stream, String path, String body) throws IOException {
        headers(stream, path, false);
        frame(DATA, END_STREAM, stream, body.getBytes(StandardCharsets.UTF_8));
    }

    /** The next frame; a read timeout or a close reaches the caller as is. */
    Frame read() throws IOException {
        int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Frame(type, flags, stream, payload);
    }

    Frame awaitGoAway() throws IOException {
        return awaitFrame(GOAWAY, 0);
    }

    /** Reads past everything else (SETTINGS, acks, other streams) to the first frame of this type and stream. */
    Frame awaitFrame(int type, int stream) throws IOException {
        while (true) {
            Frame f = read();
            if (f.type() == type && f.stream() == stream) {
                return f;
            }
        }
    }

    /** The first HEADERS or RST_STREAM on the stream, or a GOAWAY. */
    Frame awaitAny(int stream) throws IOException {
        while (true) {
            Frame f = read();
            if (f.type() == GOAWAY || (f.stream() == stream && (f.type() == HEADERS || f.type() == RST_STREAM))) {
                return f;
            }
        }
    }

    /** The server serves nothing more and closes the connection (within the read timeout). */
    void assertClosed() throws IOException {
        try {
            while (true) {
                Frame f = read();
                assertTrue(f.type() != HEADERS && f.type() != DATA, "nothing served after GOAWAY: " + f);
            }
        } catch (EOFException | SocketException closed) {
            // Closed, as it should be.
        } catch (SocketTimeoutException open) {
            fail("connection still open after GOAWAY");
        }
    }

    /** The next frame while waiting for an answer: silence fails the caller, a close is the server's failure. */
    private Frame nextAnswerFrame() throws IOException {
        try {
            return read();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no frame from the server within " + socket.getSoTimeout() + " ms", e);
        } catch (EOFException e) {
            throw new IOException("the server closed the connection before answering", e);
        }
    }

    byte[] encode(int stream, Http2Headers headers) {
        ByteBuf buf = Unpooled.buffer();
        try {
            encoder.configuration().maxHeaderListSize(Integer.MAX_VALUE);
            encoder.encodeHeaders(stream, headers, buf);
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            return bytes;
        } catch (Http2Exception e) {
            throw new IllegalStateException(e);
        } finally {
            buf.release();
        }
    }

    /** The headers of a HEADERS frame that holds a whole block (END_HEADERS). */
    Http2Headers decode(Frame headers) throws IOException {
        return decode(headers.stream(), headersFragment(headers));
    }

    private Http2Headers decode(int stream, byte[] block) throws IOException {
        ByteBuf buf = Unpooled.wrappedBuffer(block);
        try {
            return decoder.decodeHeaders(stream, buf);
        } catch (Http2Exception e) {
            throw new IOException("undecodable answer headers", e);
        } finally {
            buf.release();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
