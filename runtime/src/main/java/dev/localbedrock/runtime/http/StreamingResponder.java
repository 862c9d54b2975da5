package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.inference.Generation;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.codecs.inference.InvocationMetrics;
import dev.localbedrock.codecs.inference.StreamChunk;
import dev.localbedrock.codecs.StreamEncoder;
import io.netty.channel.ChannelHandlerContext;
import java.util.List;

/**
 * Writes an InvokeModelWithResponseStream response: HTTP headers when the generation starts, then the frames the
 * family's per-response {@link StreamEncoder} makes of each piece of text, flushed at once. When the generations end,
 * each gets a final chunk carrying its stop reason, and the stream's last chunk also carries
 * {@code amazon-bedrock-invocationMetrics}. Failures are framed as {@link EventStreamResponse} says.
 */
final class StreamingResponder extends Responder {
    private final StreamEncoder encoder;
    private final EventStreamResponse wire;
    private int inputTokens;
    private boolean anyChunk;
    private long firstByteMillis = -1;

    StreamingResponder(ChannelHandlerContext ctx, CallRecord call, StreamEncoder encoder) {
        super(ctx, call);
        this.encoder = encoder;
        this.wire = new EventStreamResponse(ctx, call);
    }

    @Override
    public void onStart(int inputTokenCount) {
        onLoop(() -> {
            inputTokens = inputTokenCount;
            call.inputTokens(inputTokenCount);
            wire.sendHeaders();
        });
    }

    @Override
    public void onGenerationText(int index, String text, int outputTokenCount) {
        onLoop(() -> {
            call.tokens(inputTokens, outputTokenCount);
            writeChunk(new StreamChunk(text, inputTokens, outputTokenCount, !anyChunk, null, null, index));
        });
    }

    @Override
    public void onComplete(GenerationOutcome outcome) {
        onLoop(() -> {
            wire.sendHeaders();
            call.tokens(outcome.inputTokenCount(), outcome.outputTokenCount());
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
            wire.end();
        });
    }

    @Override
    public void onError(InferenceFailure failure) {
        onLoop(() -> {
            finished();
            wire.fail(InferenceErrors.toAws(failure));
        });
    }

    private void writeChunk(StreamChunk chunk) {
        if (!wire.open()) {
            return;
        }
        anyChunk = true;
        if (firstByteMillis < 0) {
            firstByteMillis = millisSinceStart();
        }
        encoder.encode(chunk, wire::write);
        wire.flush();
    }
}
