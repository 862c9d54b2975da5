/**
 * Chat templates: how a conversation ({@link dev.localbedrock.codecs.chat.ChatRequest}) becomes the prompt text a
 * model was trained on. The checkpoint's own Jinja {@code chat_template} (tokenizer_config.json) is rendered with
 * Jinjava, set up to render as Hugging Face's {@code apply_chat_template} does with Python's jinja2; a
 * {@code chat_template} in models.yaml overrides it, and a family default stands in when neither exists
 * (docs/chat-templates.md).
 */
package dev.localbedrock.runtime.chat;
