package dev.localbedrock.runtime.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.codecs.chat.ChatMessage;
import dev.localbedrock.codecs.chat.ChatRequest;
import dev.localbedrock.codecs.chat.ChatRole;
import dev.localbedrock.codecs.chat.ContentBlock;
import dev.localbedrock.codecs.chat.ToolSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link ChatRequest} as the values Hugging Face chat templates read: {@code messages}, a list of
 * {@code {role, content}} maps (the system prompt first, as a {@code system} message), and {@code tools}, a list of
 * {@code {type: function, function: {name, description, parameters}}}.
 *
 * <p>Tool use reaches a template that knows tools (its text mentions {@code tool_calls}) the way transformers'
 * convention has it: an assistant turn's tool-use blocks become its {@code tool_calls}
 * ({@code {id, type: function, function: {name, arguments}}}, the arguments as a mapping), and each tool-result
 * block becomes a message of its own with {@code role: tool}, {@code tool_call_id}, {@code name} and the result as
 * text {@code content}, ahead of whatever text the user's turn also carries. For any other template they are
 * written into the turn's text ({@link #TOOL_CALL_TEXT}), so role alternation is kept; the tools then go into the
 * system prompt unless the template reads {@code tools} itself.
 */
final class TemplateMessages {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a tool call reads in a template without tool support: one JSON object a line. */
    static final String TOOL_CALL_TEXT = "{\"name\": <tool>, \"arguments\": <arguments>}";

    /** What a template can take, read from its source. */
    record Capabilities(boolean toolCalls, boolean toolsVariable) {
        static Capabilities of(String source) {
            return new Capabilities(source.contains("tool_calls"), source.contains("tools"));
        }
    }

    private TemplateMessages() {
    }

    static List<Map<String, Object>> tools(ChatRequest request) {
        if (request.tools() == null) {
            return null;
        }
        List<Map<String, Object>> tools = new ArrayList<>();
        for (ToolSpec spec : request.tools().tools()) {
            Map<String, Object> function = new LinkedHashMap<>();
            function.put("name", spec.name());
            if (spec.description() != null) {
                function.put("description", spec.description());
            }
            function.put("parameters", plain(spec.inputSchema()));
            Map<String, Object> tool = new LinkedHashMap<>();
            tool.put("type", "function");
            tool.put("function", function);
            tools.add(tool);
        }
        return tools;
    }

    /**
     * The messages; with {@code foldSystem}, the system prompt opens the first user turn instead of being a
     * {@code system} message (for templates that refuse a system role, such as Mistral Instruct v0.1's).
     */
    static List<Map<String, Object>> messages(ChatRequest request, Capabilities can, boolean foldSystem) {
        List<Map<String, Object>> messages = new ArrayList<>();
        String system = String.join("\n\n", request.system());
        List<Map<String, Object>> tools = tools(request);
        if (tools != null && !can.toolsVariable()) {
            system = system.isEmpty() ? toolPrompt(tools) : system + "\n\n" + toolPrompt(tools);
        }
        Map<String, String> toolNames = new HashMap<>();
        for (ChatMessage m : request.messages()) {
            for (ContentBlock b : m.content()) {
                if (b instanceof ContentBlock.ToolUse use) {
                    toolNames.put(use.toolUseId(), use.name());
                }
            }
        }
        String pendingSystem = null;
        if (!system.isEmpty()) {
            if (foldSystem) {
                pendingSystem = system;
            } else {
                messages.add(message("system", system));
            }
        }
        for (ChatMessage m : request.messages()) {
            Map<String, Object> message = can.toolCalls() ? structured(m, toolNames, messages)
                    : message(m.role().wire(), asText(m, toolNames));
            if (message == null) {
                continue;
            }
            if (pendingSystem != null && m.role() == ChatRole.USER) {
                message.put("content", pendingSystem + "\n\n" + message.get("content"));
                pendingSystem = null;
            }
            messages.add(message);
        }
        return messages;
    }

    /** Adds the turn's tool messages to {@code into} and returns its own message, or null when it has no text. */
    private static Map<String, Object> structured(ChatMessage m, Map<String, String> toolNames,
                                                  List<Map<String, Object>> into) {
        StringBuilder text = new StringBuilder();
        List<Map<String, Object>> calls = new ArrayList<>();
        for (ContentBlock b : m.content()) {
            if (b instanceof ContentBlock.Text t) {
                text.append(t.text());
            } else if (b instanceof ContentBlock.ToolUse use) {
                Map<String, Object> function = new LinkedHashMap<>();
                function.put("name", use.name());
                function.put("arguments", plain(use.input()));
                Map<String, Object> call = new LinkedHashMap<>();
                call.put("id", use.toolUseId());
                call.put("type", "function");
                call.put("function", function);
                calls.add(call);
            } else if (b instanceof ContentBlock.ToolResult result) {
                Map<String, Object> tool = message("tool", resultText(result));
                tool.put("tool_call_id", result.toolUseId());
                String name = toolNames.get(result.toolUseId());
                if (name != null) {
                    tool.put("name", name);
                }
                if (result.error()) {
                    tool.put("is_error", true);
                }
                into.add(tool);
            } else if (b instanceof ContentBlock.Json json) {
                text.append(PythonJson.dumps(plain(json.value()), PythonJson.Options.DEFAULT));
            }
        }
        if (!calls.isEmpty()) {
            Map<String, Object> message = message(m.role().wire(), text.toString());
            message.put("tool_calls", calls);
            return message;
        }
        if (text.isEmpty() && m.content().stream().anyMatch(b -> b instanceof ContentBlock.ToolResult)) {
            return null;
        }
        return message(m.role().wire(), text.toString());
    }

    /** The turn as one text: tool results and tool calls written out, one a line, around the turn's text. */
    private static String asText(ChatMessage m, Map<String, String> toolNames) {
        List<String> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (ContentBlock b : m.content()) {
            if (b instanceof ContentBlock.Text t) {
                text.append(t.text());
                continue;
            }
            if (!text.isEmpty()) {
                parts.add(text.toString());
                text.setLength(0);
            }
            if (b instanceof ContentBlock.ToolUse use) {
                Map<String, Object> call = new LinkedHashMap<>();
                call.put("name", use.name());
                call.put("arguments", plain(use.input()));
                parts.add(PythonJson.dumps(call, PythonJson.Options.DEFAULT));
            } else if (b instanceof ContentBlock.ToolResult result) {
                String name = toolNames.getOrDefault(result.toolUseId(), result.toolUseId());
                parts.add((result.error() ? "Error from tool " : "Result of tool ") + name + ": "
                        + resultText(result));
            } else if (b instanceof ContentBlock.Json json) {
                parts.add(PythonJson.dumps(plain(json.value()), PythonJson.Options.DEFAULT));
            }
        }
        if (!text.isEmpty()) {
            parts.add(text.toString());
        }
        return String.join("\n", parts);
    }

    private static String resultText(ContentBlock.ToolResult result) {
        StringBuilder text = new StringBuilder();
        for (ContentBlock b : result.content()) {
            if (b instanceof ContentBlock.Text t) {
                text.append(t.text());
            } else if (b instanceof ContentBlock.Json json) {
                text.append(PythonJson.dumps(plain(json.value()), PythonJson.Options.DEFAULT));
            }
        }
        return text.toString();
    }

    /** The tools described in the system prompt, for templates that do not read {@code tools}. */
    static String toolPrompt(List<Map<String, Object>> tools) {
        StringBuilder out = new StringBuilder("You can call the following tools. To call one, answer with only a "
                + "JSON object " + TOOL_CALL_TEXT + ".");
        for (Map<String, Object> tool : tools) {
            out.append("\n\n").append(PythonJson.dumps(tool.get("function"),
                    PythonJson.Options.of(false, "    ", null, false)));
        }
        return out.toString();
    }

    static Map<String, Object> message(String role, String content) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", role);
        message.put("content", content);
        return message;
    }

    /** A JSON value as maps, lists, strings, numbers, booleans and null, which templates index and iterate. */
    static Object plain(JsonNode node) {
        return node == null ? null : JSON.convertValue(node, Object.class);
    }
}
