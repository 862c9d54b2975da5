package dev.localbedrock.codecs.chat;

/** Who said a turn of a conversation. System prompts are kept apart ({@link ChatRequest#system()}). */
public enum ChatRole {
    USER("user"), ASSISTANT("assistant");

    private final String wire;

    ChatRole(String wire) {
        this.wire = wire;
    }

    /** The name Converse, the Messages API and chat templates use. */
    public String wire() {
        return wire;
    }
}
