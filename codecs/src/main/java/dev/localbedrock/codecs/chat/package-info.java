/**
 * Conversations, API-neutral: the turns, system prompt, tools and outcome that Converse and the Anthropic Messages
 * body both carry ({@link dev.localbedrock.codecs.chat.ChatRequest}, {@link dev.localbedrock.codecs.chat.ChatOutcome},
 * {@link dev.localbedrock.codecs.chat.ChatStreamEvent}), and the contract each chat API's codec implements
 * ({@link dev.localbedrock.codecs.chat.ChatCodec}). The runtime turns a conversation into a prompt with the model's
 * chat template; codecs never see templates or tokens.
 */
package dev.localbedrock.codecs.chat;
