package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockErrorType;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;

/**
 * Answers a request the HTTP codec could not decode (headers over the limit, an over-long request line, a malformed
 * head) instead of letting a placeholder request reach routing: 431, 414 or 400 with a ValidationException that
 * names the limit, then the connection closes, since the codec discards everything after a bad message.
 */
final class MalformedRequestGuard extends ChannelInboundHandlerAdapter {
    private final int maxHeaderBytes;
    private final int maxRequestLineBytes;

    MalformedRequestGuard(int maxHeaderBytes, int maxRequestLineBytes) {
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxRequestLineBytes = maxRequestLineBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        DecoderResult result = msg instanceof HttpObject o ? o.decoderResult() : DecoderResult.SUCCESS;
        if (result.isSuccess()) {
            ctx.fireChannelRead(msg);
            return;
        }
        ReferenceCountUtil.release(msg);
        if (!ctx.channel().isActive()) {
            return;
        }
        Throwable cause = result.cause();
        FullHttpResponse response;
        String type = BedrockErrorType.VALIDATION.shapeName();
        if (cause instanceof TooLongHttpHeaderException) {
            response = AwsResponses.error(AwsResponses.newRequestId(), 431, type,
                    "Request header fields are larger than " + maxHeaderBytes + " bytes");
        } else if (cause instanceof TooLongHttpLineException) {
            response = AwsResponses.error(AwsResponses.newRequestId(), 414, type,
                    "The request line is longer than " + maxRequestLineBytes + " bytes");
        } else {
            response = AwsResponses.error(AwsResponses.newRequestId(), 400, type,
                    "Malformed HTTP request: " + java.util.Objects.toString(cause.getMessage(),
                    cause.getClass().getSimpleName()));
        }
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
