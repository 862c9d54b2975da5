package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.BedrockErrorType;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.inference.Generation;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.InvocationMetrics;
import dev.localbedrock.codecs.inference.StreamChunk;
import dev.localbedrock.codecs.StreamEncoder;
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

import java.util.List;

/**
 * Writes an InvokeModelWithResponseStream response: HTTP headers when the generation starts, then the frames the
 * family's per-response {@link StreamEncoder} makes of each piece of text, flushed at once. When the generations end,
 * each gets a final chunk carrying its stop reason, and the stream's last chunk also carries
 * {@code amazon-bedrock-invocationMetrics}. A failure before the headers is a normal JSON error; after them it is an
 * exception frame (never a throttling or internal type, which would make the Java SDK resend the whole request).
 */
final class StreamingResponder extends Responder {
    static final AsciiString EVENT_STREAM = AsciiString.cached("application/vnd.amazon.eventstream");
    static final AsciiString BEDROCK_CONTENT_TYPE = AsciiString.cached("X-Amzn-Bedrock-Content-Type");

    private final StreamEncoder encoder;
    private int inputTokens;
    private boolean headersSent;
    private boolean anyChunk;
    private long firstByteMillis = -1;

    StreamingResponder(ChannelHandlerContext ctx, String requestId, StreamEncoder encoder, long startNanos) {
        super(ctx, requestId, startNanos);
        this.encoder = encoder;
    }

    @Override
    public void onStart(int inputTokenCount) {
        onLoop(() -> {
            inputTokens = inputTokenCount;
            sendHeaders();
        });
    }

    @Override
    public void onGenerationText(int index, String text, int outputTokenCount) {
        onLoop(() -> writeChunk(new StreamChunk(text, inputTokens, outputTokenCount, !anyChunk, null, null, index)));
    }

    @Override
    public void onComplete(GenerationOutcome outcome) {
        onLoop(() -> {
            sendHeaders();
            long latency = millisSinceStart();
            InvocationMetrics metrics = new InvocationMetrics(outcome.inputTokenCount(), outcome.outputTokenCount(),
                    latency, firstByteMillis >= 0 ? firstByteMillis : latency);
            List<Generation> generations = outcome.generations();
            for (int i = 0; i < generations.size(); i++) {
                Generation g = generations.get(i);
                boolean last = i == generations.size() - 1;
                // A single generation's final chunk reports the request's totals, as every family's last chunk does.
                int outputTokens = generations.size() == 1 ? outcome.outputTokenCount() : g.outputTokenCount();
                writeChunk(new StreamChunk("", outcome.inputTokenCount(), outputTokens, !anyChunk, g.stopReason(),
                        last ? metrics : null, g.index(), g.stopSequence()));
            }
            finished();
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        });
    }

    @Override
    public void onError(InferenceFailure failure) {
        onLoop(() -> {
            finished();
            BedrockException error = InferenceErrors.toAws(failure);
            if (!headersSent) {
                AwsResponses.send(ctx, AwsResponses.error(ctx.alloc(), requestId, error), true);
                return;
            }
            byte[] frame = EventStreamEncoder.exception(streamSafe(error.type()), error.getMessage());
            ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(frame)));
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        });
    }

    /** Types the SDKs retry mid-stream (re-sending the whole request) are reported as a model stream error. */
    private static BedrockErrorType streamSafe(BedrockErrorType type) {
        return switch (type) {
            case MODEL_TIMEOUT, VALIDATION, MODEL_STREAM_ERROR -> type;
            default -> BedrockErrorType.MODEL_STREAM_ERROR;
        };
    }

    private void sendHeaders() {
        if (headersSent) {
            return;
        }
        headersSent = true;
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, EVENT_STREAM)
                .set(BEDROCK_CONTENT_TYPE, AwsResponses.JSON)
                .set(AwsResponses.REQUEST_ID, requestId);
        HttpUtil.setTransferEncodingChunked(response, true);
        ctx.writeAndFlush(response);
    }

    private void writeChunk(StreamChunk chunk) {
        if (!ctx.channel().isActive()) {
            return;
        }
        anyChunk = true;
        if (firstByteMillis < 0) {
            firstByteMillis = millisSinceStart();
        }
        encoder.encode(chunk, frame -> ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(frame)))
                .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE));
        ctx.flush();
    }
}
