package dev.localbedrock.codecs.chat;

import java.util.List;
import java.util.Objects;

/** The tools a request offers and whether one must be called. */
public record ToolConfig(List<ToolSpec> tools, ToolChoice choice) {
    public ToolConfig {
        tools = List.copyOf(tools);
        if (tools.isEmpty()) {
            throw new IllegalArgumentException("a tool configuration names at least one tool");
        }
        choice = choice == null ? ToolChoice.AUTO : choice;
        Objects.requireNonNull(choice, "choice");
    }

    /** The tool named {@code name}, or null. */
    public ToolSpec tool(String name) {
        for (ToolSpec t : tools) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
