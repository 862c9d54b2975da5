package dev.localbedrock.codecs.chat;

import java.util.List;
import java.util.Objects;

/**
 * A finished assistant turn, API-neutral.
 *
 * @param content      its blocks: text, and tool calls
 * @param stopReason   why it ended
 * @param stopSequence the stop sequence that ended it, or null
 * @param inputTokens  prompt tokens (the rendered conversation)
 * @param outputTokens generated tokens
 * @param latencyMs    from the request's arrival to its last token
 */
public record ChatOutcome(List<ContentBlock> content, ChatStopReason stopReason, String stopSequence,
                          int inputTokens, int outputTokens, long latencyMs) {
    public ChatOutcome {
        content = List.copyOf(content);
        Objects.requireNonNull(stopReason, "stopReason");
    }
}
