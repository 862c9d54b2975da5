package dev.localbedrock.runtime.http;

import dev.localbedrock.codecs.chat.ChatCodec;
import dev.localbedrock.codecs.chat.ChatOutcome;
import dev.localbedrock.codecs.chat.ChatRequest;
import dev.localbedrock.codecs.chat.ChatStreamEncoder;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.InferenceFailure;
import dev.localbedrock.runtime.conversation.AssistantTurn;
import io.netty.channel.ChannelHandlerContext;

/**
 * Writes a chat response (Converse, ConverseStream, or the Messages body on InvokeModel and
 * InvokeModelWithResponseStream): the generation becomes an assistant turn ({@link AssistantTurn}), which the chat
 * codec encodes as one JSON body or as its stream's events.
 */
abstract class ChatResponder extends Responder {
    protected final ChatCodec codec;
    protected final ChatRequest request;
    protected final AssistantTurn turn;

    ChatResponder(ChannelHandlerContext ctx, CallRecord call, ChatCodec codec, ChatRequest request) {
        super(ctx, call);
        this.codec = codec;
        this.request = request;
        this.turn = new AssistantTurn(request.tools(), codec::toolUseId);
    }

    /** The whole turn as one JSON body. */
    static final class Unary extends ChatResponder {
        private final boolean keepAlive;
        private final boolean invocationHeaders;

        /** @param invocationHeaders whether to add InvokeModel's token-count and latency headers */
        Unary(ChannelHandlerContext ctx, CallRecord call, ChatCodec codec, ChatRequest request,
              boolean keepAlive, boolean invocationHeaders) {
            super(ctx, call, codec, request);
            this.keepAlive = keepAlive;
            this.invocationHeaders = invocationHeaders;
        }

        @Override
        public void onComplete(GenerationOutcome outcome) {
            onLoop(() -> {
                ChatOutcome chat = turn.complete(outcome, millisSinceStart(), event -> { });
                byte[] body = codec.encodeResponse(request, chat);
                finished();
                call.tokens(chat.inputTokens(), chat.outputTokens());
                call.responseBody(body);
                AwsResponses.send(ctx, call, invocationHeaders
                        ? UnaryResponder.ok(requestId, body, chat.inputTokens(), chat.outputTokens(), chat.latencyMs())
                        : AwsResponses.json(requestId, body), keepAlive);
            });
        }

        @Override
        public void onError(InferenceFailure error) {
            onLoop(() -> {
                finished();
                AwsResponses.sendError(ctx, call, InferenceErrors.toAws(error), keepAlive);
            });
        }
    }

    /** The turn as it is generated, one flush per piece of text. */
    static final class Streaming extends ChatResponder {
        private final EventStreamResponse wire;
        private final ChatStreamEncoder encoder;
        private long firstTextMillis = -1;

        Streaming(ChannelHandlerContext ctx, CallRecord call, ChatCodec codec, ChatRequest request) {
            super(ctx, call, codec, request);
            this.wire = new EventStreamResponse(ctx, call);
            this.encoder = codec.openStream(request);
        }

        @Override
        public void onStart(int inputTokenCount) {
            onLoop(() -> {
                call.inputTokens(inputTokenCount);
                wire.sendHeaders();
                turn.start(inputTokenCount, event -> encoder.encode(event, wire::write));
                wire.flush();
            });
        }

        @Override
        public void onText(String text, int outputTokenCount) {
            onLoop(() -> {
                call.outputTokens(outputTokenCount);
                if (wire.open()) {
                    if (firstTextMillis < 0) {
                        firstTextMillis = millisSinceStart();
                    }
                    turn.text(text, event -> encoder.encode(event, wire::write));
                    wire.flush();
                }
            });
        }

        @Override
        public void onComplete(GenerationOutcome outcome) {
            onLoop(() -> {
                wire.sendHeaders();
                call.tokens(outcome.inputTokenCount(), outcome.outputTokenCount());
                long latency = millisSinceStart();
                turn.complete(outcome, latency, firstTextMillis >= 0 ? firstTextMillis : latency,
                        event -> encoder.encode(event, wire::write));
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
    }
}
