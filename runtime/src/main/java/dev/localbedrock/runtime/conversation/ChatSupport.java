package dev.localbedrock.runtime.conversation;

import dev.localbedrock.codecs.chat.ChatCodec;

import java.util.Objects;

/**
 * What a text model needs to hold conversations: its chat template, its Converse codec (the family's defaults and
 * the model's token limit), and — for models whose InvokeModel body is itself a conversation (Claude 3's Messages
 * body) — that body's codec.
 *
 * @param prompt     renders a conversation into the model's prompt
 * @param converse   Converse and ConverseStream's codec
 * @param invokeBody InvokeModel's chat body codec, or null when InvokeModel takes the family's completion body
 */
public record ChatSupport(ChatPrompt prompt, ChatCodec converse, ChatCodec invokeBody) {
    public ChatSupport {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(converse, "converse");
    }
}
