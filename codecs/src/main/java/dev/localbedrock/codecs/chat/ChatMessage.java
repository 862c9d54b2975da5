package dev.localbedrock.codecs.chat;

import java.util.List;
import java.util.Objects;

/** One turn: who spoke and what, in blocks. */
public record ChatMessage(ChatRole role, List<ContentBlock> content) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        content = List.copyOf(content);
    }

    /** The turn's text blocks joined (what a chat template sees as the message's content). */
    public String text() {
        StringBuilder text = new StringBuilder();
        for (ContentBlock block : content) {
            if (block instanceof ContentBlock.Text t) {
                text.append(t.text());
            }
        }
        return text.toString();
    }
}
