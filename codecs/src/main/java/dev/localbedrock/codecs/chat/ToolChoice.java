package dev.localbedrock.codecs.chat;

/**
 * Whether the model must call a tool: {@code AUTO} lets it answer in text or call one, {@code ANY} makes it call
 * one of them, {@code TOOL} makes it call {@code toolName}.
 */
public record ToolChoice(Mode mode, String toolName) {
    public enum Mode { AUTO, ANY, TOOL }

    public static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, null);
    public static final ToolChoice ANY = new ToolChoice(Mode.ANY, null);

    public ToolChoice {
        if ((mode == Mode.TOOL) != (toolName != null)) {
            throw new IllegalArgumentException("a tool name goes with mode TOOL, and only with it");
        }
    }

    public static ToolChoice tool(String name) {
        return new ToolChoice(Mode.TOOL, name);
    }
}
