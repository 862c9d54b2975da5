package dev.localbedrock.codecs.chat;

/** Why an assistant turn ended, in Converse's words (the Messages API's are the same). */
public enum ChatStopReason {
    END_TURN("end_turn"), MAX_TOKENS("max_tokens"), STOP_SEQUENCE("stop_sequence"), TOOL_USE("tool_use");

    private final String wire;

    ChatStopReason(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }
}
