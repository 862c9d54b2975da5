package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.eventstream.EventStreamEncoder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;

/**
 * One streamed response on the wire (InvokeModelWithResponseStream, ConverseStream): chunked HTTP headers once,
 * then framed event-stream messages, then the end. A failure before the headers is a normal JSON error; after them it
 * is an exception frame (never a throttling or internal type, which would make the Java SDK resend the whole
 * request). Event loop only.
 */
final class EventStreamResponse {
    static final AsciiString EVENT_STREAM = AsciiString.cached("application/vnd.amazon.eventstream");
    static final AsciiString BEDROCK_CONTENT_TYPE = AsciiString.cached("X-Amzn-Bedrock-Content-Type");

    private final ChannelHandlerContext ctx;
    private final CallRecord call;
    private boolean headersSent;

    EventStreamResponse(ChannelHandlerContext ctx, CallRecord call) {
        this.ctx = ctx;
        this.call = call;
    }

    void sendHeaders() {
        sendHeaders(java.util.Map.of(BEDROCK_CONTENT_TYPE.toString(), AwsResponses.JSON.toString()));
    }

    /**
     * The stream's headers with the service's own content-type headers ({@code serviceHeaders}: bedrock-runtime's
     * {@code X-Amzn-Bedrock-Content-Type}, or bedrock-agent-runtime's agent content type and session id).
     */
    void sendHeaders(java.util.Map<String, String> serviceHeaders) {
        if (headersSent) {
            return;
        }
        headersSent = true;
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, EVENT_STREAM)
                .set(AwsResponses.REQUEST_ID, call.requestId());
        serviceHeaders.forEach(response.headers()::set);
        HttpUtil.setTransferEncodingChunked(response, true);
        ctx.writeAndFlush(response);
        call.streamStarted();
    }

    /** Whether the client is still there to write to. */
    boolean open() {
        return ctx.channel().isActive();
    }

    /** Writes one framed message (not flushed). */
    void write(byte[] frame) {
        call.frame(frame);
        writeFrame(frame);
    }

    private void writeFrame(byte[] frame) {
        ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(frame)))
                .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    }

    void flush() {
        ctx.flush();
    }

    /** Ends the stream normally. */
    void end() {
        sendHeaders();
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        call.succeeded(200);
    }

    /** Ends the stream with {@code error}: a JSON error response, or an exception frame once streaming. */
    void fail(BedrockException error) {
        if (!headersSent) {
            AwsResponses.sendError(ctx, call, error, true);
            return;
        }
        BedrockErrorType type = streamSafe(error.type());
        writeFrame(EventStreamEncoder.exception(type, error.getMessage()));
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        call.streamFailed(type.shapeName(), error.getMessage());
    }

    /**
     * Ends a started stream with an exception frame already encoded ({@code frame}, of shape {@code shapeName});
     * for exceptions whose payload has more than a message (bedrock-agent-runtime's {@code resourceName}).
     */
    void failWithFrame(byte[] frame, String shapeName, String message) {
        sendHeaders();
        writeFrame(frame);
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        call.streamFailed(shapeName, message);
    }

    /** Types the SDKs retry mid-stream (re-sending the whole request) are reported as a model stream error. */
    static BedrockErrorType streamSafe(BedrockErrorType type) {
        return switch (type) {
            case MODEL_TIMEOUT, VALIDATION, MODEL_STREAM_ERROR -> type;
            default -> BedrockErrorType.MODEL_STREAM_ERROR;
        };
    }
}
