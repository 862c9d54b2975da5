package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.AwsErrorBodies;
import dev.localbedrock.codecs.BedrockException;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

import java.util.UUID;

/** Response building shared by every route: the restJson1 error shape and the headers every response carries. */
final class AwsResponses {
    static final AsciiString REQUEST_ID = AsciiString.cached("x-amzn-RequestId");
    static final AsciiString ERROR_TYPE = AsciiString.cached("x-amzn-ErrorType");
    static final AsciiString JSON = AsciiString.cached("application/json");

    private AwsResponses() {
    }

    static String newRequestId() {
        return UUID.randomUUID().toString();
    }

    static FullHttpResponse error(ByteBufAllocator alloc, String requestId, BedrockException e) {
        return error(requestId, e.type().httpStatus(), e.type().shapeName(), e.getMessage());
    }

    /** A JSON success ({@code status}) with the request id. */
    static FullHttpResponse json(String requestId, HttpResponseStatus status, byte[] body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, JSON)
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(REQUEST_ID, requestId);
        return response;
    }

    /** A 200 JSON success with the request id. */
    static FullHttpResponse json(String requestId, byte[] body) {
        return json(requestId, HttpResponseStatus.OK, body);
    }

    /** An error by name, for the few the runtime model does not list (e.g. an unknown route). */
    static FullHttpResponse error(String requestId, int status, String errorType, String message) {
        byte[] body = AwsErrorBodies.json(message);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, JSON)
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(REQUEST_ID, requestId)
                .set(ERROR_TYPE, errorType);
        return response;
    }

    /**
     * Writes a complete success response, saying whether the connection stays open, and ends {@code call} with its
     * status. Every JSON answer of the request path (from the router and from the responders alike) goes out through
     * here or {@link #sendError}, so each call is recorded once, when it is answered.
     */
    static void send(ChannelHandlerContext ctx, CallRecord call, FullHttpResponse response, boolean keepAlive) {
        write(ctx, response, keepAlive);
        call.succeeded(response.status().code());
    }

    /** Writes {@code error} as the restJson1 error response and ends {@code call} with it. */
    static void sendError(ChannelHandlerContext ctx, CallRecord call, BedrockException error, boolean keepAlive) {
        write(ctx, error(ctx.alloc(), call.requestId(), error), keepAlive);
        call.failed(error);
    }

    /** Writes an error by name (one the runtime model does not list) and ends {@code call} with it. */
    static void sendError(ChannelHandlerContext ctx, CallRecord call, int status, String errorType, String message,
                          boolean keepAlive) {
        write(ctx, error(call.requestId(), status, errorType, message), keepAlive);
        call.failed(status, errorType, message);
    }

    /**
     * Writes an awsQuery (XML) answer, as STS gives them, and ends {@code call}: a success when {@code errorCode} is
     * null, else that error.
     */
    static void sendXml(ChannelHandlerContext ctx, CallRecord call, HttpResponseStatus status, byte[] body,
                        String errorCode, String message, boolean keepAlive) {
        FullHttpResponse response = new io.netty.handler.codec.http.DefaultFullHttpResponse(
                io.netty.handler.codec.http.HttpVersion.HTTP_1_1, status, io.netty.buffer.Unpooled.wrappedBuffer(body));
        response.headers().set(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_TYPE, "text/xml")
                .set(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(REQUEST_ID, call.requestId());
        if (errorCode != null) {
            // STS's clients read the code from the XML; the header is what every other answer here carries, so
            // tools that sort answers by it (and the wire fuzz) see an AWS error either way.
            response.headers().set(ERROR_TYPE, errorCode);
        }
        write(ctx, response, keepAlive);
        if (errorCode == null) {
            call.succeeded(status.code());
        } else {
            call.failed(status.code(), errorCode, message);
        }
    }

    private static void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.writeAndFlush(response);
    }
}
