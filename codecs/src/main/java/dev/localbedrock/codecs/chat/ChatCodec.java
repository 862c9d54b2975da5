package dev.localbedrock.codecs.chat;

/**
 * One chat API's wire: Converse, or the Anthropic Messages body on InvokeModel. Decodes and validates a request
 * (ValidationException naming the field, as Bedrock words it) into a {@link ChatRequest}, and encodes outcomes and
 * stream events. Pure Jackson: it never sees a token or a template.
 */
public interface ChatCodec {

    /** @throws dev.localbedrock.codecs.BedrockException ValidationException for a bad body */
    ChatRequest decodeRequest(byte[] body);

    byte[] encodeResponse(ChatRequest request, ChatOutcome outcome);

    /** A fresh id for a tool call the model makes, in this API's form. */
    String toolUseId();

    /** The encoder for one streamed response to {@code request}. */
    ChatStreamEncoder openStream(ChatRequest request);
}
