package dev.localbedrock.codecs.converse;

import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.chat.ChatRequest;
import dev.localbedrock.codecs.chat.ChatStreamEncoder;
import dev.localbedrock.codecs.chat.ChatStreamEvent;
import dev.localbedrock.codecs.eventstream.EventStreamEncoder;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * ConverseStream's events, one typed event-stream message per neutral event, each payload the JSON of the service
 * model's event structure: {@code messageStart {role}}, {@code contentBlockStart {start: {toolUse}, contentBlockIndex}}
 * (tool calls only: Bedrock starts a text block with its first delta), {@code contentBlockDelta {delta: {text} |
 * {toolUse: {input}}, contentBlockIndex}}, {@code contentBlockStop}, {@code messageStop {stopReason}} and
 * {@code metadata {usage, metrics}}. The optional {@code "p"} padding real Bedrock adds is left out; clients ignore it.
 */
final class ConverseStreamEncoder implements ChatStreamEncoder {

    private final ChatRequest request;
    /** Indices of the open blocks that are tool calls (their deltas are input JSON fragments). */
    private final Set<Integer> toolBlocks = new HashSet<>(2);

    ConverseStreamEncoder(ChatRequest request) {
        this.request = request;
    }

    @Override
    public void encode(ChatStreamEvent event, Consumer<byte[]> frames) {
        if (event instanceof ChatStreamEvent.MessageStart) {
            frames.accept(EventStreamEncoder.event("messageStart", Json.write(32, g -> {
                g.writeStartObject();
                g.writeStringField("role", "assistant");
                g.writeEndObject();
            })));
        } else if (event instanceof ChatStreamEvent.BlockStart start) {
            if (!start.isToolUse()) {
                return;
            }
            toolBlocks.add(start.index());
            frames.accept(EventStreamEncoder.event("contentBlockStart", Json.write(128, g -> {
                g.writeStartObject();
                g.writeObjectFieldStart("start");
                g.writeObjectFieldStart("toolUse");
                g.writeStringField("toolUseId", start.toolUseId());
                g.writeStringField("name", start.toolName());
                g.writeEndObject();
                g.writeEndObject();
                g.writeNumberField("contentBlockIndex", start.index());
                g.writeEndObject();
            })));
        } else if (event instanceof ChatStreamEvent.BlockDelta delta) {
            boolean tool = toolBlocks.contains(delta.index());
            frames.accept(EventStreamEncoder.event("contentBlockDelta", Json.write(64 + delta.text().length(), g -> {
                g.writeStartObject();
                g.writeObjectFieldStart("delta");
                if (tool) {
                    g.writeObjectFieldStart("toolUse");
                    g.writeStringField("input", delta.text());
                    g.writeEndObject();
                } else {
                    g.writeStringField("text", delta.text());
                }
                g.writeEndObject();
                g.writeNumberField("contentBlockIndex", delta.index());
                g.writeEndObject();
            })));
        } else if (event instanceof ChatStreamEvent.BlockStop stop) {
            toolBlocks.remove(stop.index());
            frames.accept(EventStreamEncoder.event("contentBlockStop", Json.write(32, g -> {
                g.writeStartObject();
                g.writeNumberField("contentBlockIndex", stop.index());
                g.writeEndObject();
            })));
        } else if (event instanceof ChatStreamEvent.MessageStop stop) {
            frames.accept(EventStreamEncoder.event("messageStop", Json.write(64, g -> {
                g.writeStartObject();
                g.writeStringField("stopReason", stop.stopReason().wire());
                ConverseCodec.writeResponseFields(g, request, stop.stopSequence());
                g.writeEndObject();
            })));
        } else if (event instanceof ChatStreamEvent.Metadata metadata) {
            frames.accept(EventStreamEncoder.event("metadata", Json.write(128, g -> {
                g.writeStartObject();
                ConverseCodec.writeUsage(g, metadata.inputTokens(), metadata.outputTokens());
                g.writeObjectFieldStart("metrics");
                g.writeNumberField("latencyMs", metadata.latencyMs());
                g.writeEndObject();
                g.writeEndObject();
            })));
        }
    }
}
