package dev.localbedrock.runtime.conversation;

import dev.localbedrock.codecs.chat.ChatRequest;

/**
 * Renders a conversation into the exact text a model is to continue: its chat template applied, special tokens
 * written out as text (the prompt is then tokenized without adding any, as Hugging Face's
 * {@code apply_chat_template} does).
 */
@FunctionalInterface
public interface ChatPrompt {
    String render(ChatRequest request);
}
