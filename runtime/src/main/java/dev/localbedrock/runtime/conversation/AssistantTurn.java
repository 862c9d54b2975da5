package dev.localbedrock.runtime.conversation;

import dev.localbedrock.codecs.chat.ChatOutcome;
import dev.localbedrock.codecs.chat.ChatStopReason;
import dev.localbedrock.codecs.chat.ChatStreamEvent;
import dev.localbedrock.codecs.chat.ContentBlock;
import dev.localbedrock.codecs.chat.ToolConfig;
import dev.localbedrock.codecs.inference.GenerationOutcome;
import dev.localbedrock.codecs.inference.StopReason;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns one generation's text into an assistant turn: {@link ChatStreamEvent}s as the text arrives, and the
 * {@link ChatOutcome} at the end. The generation is either text, or a tool call written as {@link ToolCalls}
 * describes:
 * <ul>
 *   <li>no tools offered: text, streamed as it comes;</li>
 *   <li>a call forced ({@code any} or a named tool): the output is constrained to
 *       {@code {"name":"<tool>","arguments":<args>}} (compact, name first), so the tool-use block opens as soon as the
 *       name is complete and the arguments stream as input-JSON fragments; the wrapper's final brace is held back
 *       until the end;</li>
 *   <li>tools offered, {@code auto}: output whose first non-blank character is not {@code {} is text and streams at
 *       once; output that starts with {@code {} is held until the end and becomes a tool use when it is a call of an
 *       offered tool, text otherwise.</li>
 * </ul>
 * A call cut short by the token limit ends as it stands, with stop reason {@code max_tokens}. Used by one response,
 * on one thread.
 */
public final class AssistantTurn {
    private static final Pattern CALL_PREFIX = Pattern.compile("^\\{\"name\":\"([a-zA-Z0-9_-]{1,64})\",\"arguments\":");

    private enum Mode { UNDECIDED, TEXT, FORCED_CALL, HELD }

    private final ToolConfig tools;
    private final Supplier<String> toolUseIds;
    private final StringBuilder output = new StringBuilder();
    private Mode mode;
    private boolean blockOpen;
    /** Forced call: where the arguments start in {@link #output}, and how much of them was streamed. */
    private int argumentsStart = -1;
    private int streamed;
    private String toolUseId;
    private String toolName;

    /** @param tools the request's tools, or null; {@code toolUseIds} makes each call's id */
    public AssistantTurn(ToolConfig tools, Supplier<String> toolUseIds) {
        this.tools = tools;
        this.toolUseIds = toolUseIds;
        this.mode = tools == null ? Mode.TEXT : ToolCalls.forced(tools) ? Mode.FORCED_CALL : Mode.UNDECIDED;
    }

    public void start(int inputTokens, Consumer<ChatStreamEvent> events) {
        events.accept(new ChatStreamEvent.MessageStart(inputTokens));
    }

    /** New generated text. */
    public void text(String delta, Consumer<ChatStreamEvent> events) {
        if (delta.isEmpty()) {
            return;
        }
        int before = output.length();
        output.append(delta);
        switch (mode) {
            case TEXT -> emitText(delta, events);
            case UNDECIDED -> decide(before, events);
            case FORCED_CALL -> streamCall(events);
            case HELD -> { }
        }
    }

    /** Auto with tools: the first non-blank character decides between text and a possible call. */
    private void decide(int before, Consumer<ChatStreamEvent> events) {
        String soFar = output.toString();
        String lead = soFar.stripLeading();
        if (lead.isEmpty()) {
            return;
        }
        if (lead.charAt(0) == '{') {
            mode = Mode.HELD;
            return;
        }
        mode = Mode.TEXT;
        emitText(soFar, events);
    }

    private void emitText(String text, Consumer<ChatStreamEvent> events) {
        if (!blockOpen) {
            events.accept(new ChatStreamEvent.BlockStart(0, null, null));
            blockOpen = true;
        }
        events.accept(new ChatStreamEvent.BlockDelta(0, text));
    }

    private void streamCall(Consumer<ChatStreamEvent> events) {
        if (argumentsStart < 0) {
            Matcher m = CALL_PREFIX.matcher(output);
            if (!m.find()) {
                return;
            }
            toolName = m.group(1);
            toolUseId = toolUseIds.get();
            argumentsStart = m.end();
            streamed = argumentsStart;
            events.accept(new ChatStreamEvent.BlockStart(0, toolUseId, toolName));
            blockOpen = true;
        }
        int upTo = output.length() - 1; // the last character may be the wrapper's closing brace
        if (upTo > streamed) {
            events.accept(new ChatStreamEvent.BlockDelta(0, output.substring(streamed, upTo)));
            streamed = upTo;
        }
    }

    /**
     * The generation ended: emits what is left, the block's and the message's stop, and the usage; returns the turn.
     *
     * @param outcome   the generation (its text is the truth: a matched stop sequence is already cut from it)
     * @param latencyMs from the request's arrival to now
     */
    public ChatOutcome complete(GenerationOutcome outcome, long latencyMs, Consumer<ChatStreamEvent> events) {
        return complete(outcome, latencyMs, latencyMs, events);
    }

    /** {@link #complete(GenerationOutcome, long, Consumer)}, with the time to the first streamed text. */
    public ChatOutcome complete(GenerationOutcome outcome, long latencyMs, long firstByteMs,
                                Consumer<ChatStreamEvent> events) {
        String text = outcome.text();
        List<ContentBlock> content;
        ChatStopReason stop = stopReason(outcome.stopReason());
        if (mode == Mode.FORCED_CALL || mode == Mode.HELD) {
            ToolCalls.Call call = ToolCalls.parse(text, tools);
            if (call != null) {
                String id = toolUseId != null ? toolUseId : toolUseIds.get();
                finishCall(id, call, events);
                content = List.of(new ContentBlock.ToolUse(id, call.name(), call.arguments()));
                stop = ChatStopReason.TOOL_USE;
            } else if (mode == Mode.FORCED_CALL && argumentsStart >= 0) {
                // Cut short (token limit): the arguments end as they stand.
                if (text.length() > streamed) {
                    events.accept(new ChatStreamEvent.BlockDelta(0, text.substring(Math.min(streamed,
                            text.length()))));
                }
                content = List.of(new ContentBlock.Text(text));
            } else {
                emitRemainingText(text, events);
                content = List.of(new ContentBlock.Text(text));
            }
        } else {
            emitRemainingText(text, events);
            content = List.of(new ContentBlock.Text(text));
        }
        if (!blockOpen) {
            events.accept(new ChatStreamEvent.BlockStart(0, null, null));
        }
        events.accept(new ChatStreamEvent.BlockStop(0));
        events.accept(new ChatStreamEvent.MessageStop(stop, outcome.stopSequence()));
        events.accept(new ChatStreamEvent.Metadata(outcome.inputTokenCount(), outcome.outputTokenCount(), latencyMs,
                firstByteMs));
        return new ChatOutcome(content, stop, outcome.stopSequence(), outcome.inputTokenCount(),
                outcome.outputTokenCount(), latencyMs);
    }

    private void finishCall(String id, ToolCalls.Call call, Consumer<ChatStreamEvent> events) {
        if (!blockOpen) {
            events.accept(new ChatStreamEvent.BlockStart(0, id, call.name()));
            blockOpen = true;
            events.accept(new ChatStreamEvent.BlockDelta(0, call.arguments().toString()));
            return;
        }
        // Forced call, streamed so far: the rest of the arguments, without the wrapper's closing brace.
        int end = output.lastIndexOf("}");
        if (end > streamed) {
            events.accept(new ChatStreamEvent.BlockDelta(0, output.substring(streamed, end)));
        }
    }

    /** Text not streamed yet: a held possible call that was not one, or what a stop sequence left of the output. */
    private void emitRemainingText(String text, Consumer<ChatStreamEvent> events) {
        if (mode == Mode.HELD || mode == Mode.UNDECIDED || mode == Mode.FORCED_CALL) {
            if (!text.isEmpty()) {
                emitText(text, events);
            }
        }
    }

    static ChatStopReason stopReason(StopReason reason) {
        return switch (reason) {
            case END_OF_SEQUENCE -> ChatStopReason.END_TURN;
            case STOP_SEQUENCE -> ChatStopReason.STOP_SEQUENCE;
            case MAX_TOKENS, CONTEXT_LENGTH -> ChatStopReason.MAX_TOKENS;
        };
    }
}
