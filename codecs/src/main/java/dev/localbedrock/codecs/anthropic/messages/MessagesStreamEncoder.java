package dev.localbedrock.codecs.anthropic.messages;

import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.chat.ChatStopReason;
import dev.localbedrock.codecs.chat.ChatStreamEncoder;
import dev.localbedrock.codecs.chat.ChatStreamEvent;
import dev.localbedrock.codecs.eventstream.EventStreamEncoder;
import dev.localbedrock.codecs.inference.InvocationMetrics;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The Messages stream on InvokeModelWithResponseStream: each event is a {@code chunk} whose bytes are one Anthropic
 * stream event. {@code message_delta} needs the output token count, which the neutral stream gives only in its
 * last event ({@link ChatStreamEvent.Metadata}), so the stop reason is held until then and both closing events are
 * sent together; {@code message_stop} carries {@code amazon-bedrock-invocationMetrics}, as Bedrock's does.
 */
final class MessagesStreamEncoder implements ChatStreamEncoder {

    private final String model;
    private final String messageId;
    private final Set<Integer> toolBlocks = new HashSet<>(2);
    private ChatStreamEvent.MessageStop stop;

    MessagesStreamEncoder(String model, String messageId) {
        this.model = model;
        this.messageId = messageId;
    }

    @Override
    public void encode(ChatStreamEvent event, Consumer<byte[]> frames) {
        if (event instanceof ChatStreamEvent.MessageStart start) {
            frames.accept(chunk(Json.write(256, g -> {
                g.writeStartObject();
                g.writeStringField("type", "message_start");
                g.writeObjectFieldStart("message");
                g.writeStringField("id", messageId);
                g.writeStringField("type", "message");
                g.writeStringField("role", "assistant");
                g.writeStringField("model", model);
                g.writeArrayFieldStart("content");
                g.writeEndArray();
                g.writeNullField("stop_reason");
                g.writeNullField("stop_sequence");
                g.writeObjectFieldStart("usage");
                g.writeNumberField("input_tokens", start.inputTokens());
                g.writeNumberField("output_tokens", 0);
                g.writeEndObject();
                g.writeEndObject();
                g.writeEndObject();
            })));
        } else if (event instanceof ChatStreamEvent.BlockStart start) {
            if (start.isToolUse()) {
                toolBlocks.add(start.index());
            }
            frames.accept(chunk(Json.write(128, g -> {
                g.writeStartObject();
                g.writeStringField("type", "content_block_start");
                g.writeNumberField("index", start.index());
                g.writeObjectFieldStart("content_block");
                if (start.isToolUse()) {
                    g.writeStringField("type", "tool_use");
                    g.writeStringField("id", start.toolUseId());
                    g.writeStringField("name", start.toolName());
                    g.writeObjectFieldStart("input");
                    g.writeEndObject();
                } else {
                    g.writeStringField("type", "text");
                    g.writeStringField("text", "");
                }
                g.writeEndObject();
                g.writeEndObject();
            })));
        } else if (event instanceof ChatStreamEvent.BlockDelta delta) {
            boolean tool = toolBlocks.contains(delta.index());
            frames.accept(chunk(Json.write(96 + delta.text().length(), g -> {
                g.writeStartObject();
                g.writeStringField("type", "content_block_delta");
                g.writeNumberField("index", delta.index());
                g.writeObjectFieldStart("delta");
                if (tool) {
                    g.writeStringField("type", "input_json_delta");
                    g.writeStringField("partial_json", delta.text());
                } else {
                    g.writeStringField("type", "text_delta");
                    g.writeStringField("text", delta.text());
                }
                g.writeEndObject();
                g.writeEndObject();
            })));
        } else if (event instanceof ChatStreamEvent.BlockStop blockStop) {
            toolBlocks.remove(blockStop.index());
            frames.accept(chunk(Json.write(64, g -> {
                g.writeStartObject();
                g.writeStringField("type", "content_block_stop");
                g.writeNumberField("index", blockStop.index());
                g.writeEndObject();
            })));
        } else if (event instanceof ChatStreamEvent.MessageStop messageStop) {
            stop = messageStop;
        } else if (event instanceof ChatStreamEvent.Metadata metadata) {
            ChatStopReason reason = stop == null ? ChatStopReason.END_TURN : stop.stopReason();
            String sequence = stop == null ? null : stop.stopSequence();
            frames.accept(chunk(Json.write(128, g -> {
                g.writeStartObject();
                g.writeStringField("type", "message_delta");
                g.writeObjectFieldStart("delta");
                g.writeStringField("stop_reason", reason.wire());
                ClaudeMessagesCodec.writeStopSequence(g, sequence);
                g.writeEndObject();
                g.writeObjectFieldStart("usage");
                g.writeNumberField("output_tokens", metadata.outputTokens());
                g.writeEndObject();
                g.writeEndObject();
            })));
            InvocationMetrics metrics = new InvocationMetrics(metadata.inputTokens(), metadata.outputTokens(),
                    metadata.latencyMs(), metadata.firstByteLatencyMs());
            frames.accept(chunk(Json.write(192, g -> {
                g.writeStartObject();
                g.writeStringField("type", "message_stop");
                Json.writeInvocationMetrics(g, metrics);
                g.writeEndObject();
            })));
        }
    }

    private static byte[] chunk(byte[] json) {
        return EventStreamEncoder.chunkEvent(json);
    }
}
