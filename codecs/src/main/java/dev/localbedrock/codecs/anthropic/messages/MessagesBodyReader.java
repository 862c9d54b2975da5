package dev.localbedrock.codecs.anthropic.messages;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.RequestBodyReader;
import dev.localbedrock.codecs.chat.ChatMessage;
import dev.localbedrock.codecs.chat.ChatRole;
import dev.localbedrock.codecs.chat.ContentBlock;
import dev.localbedrock.codecs.chat.ToolChoice;
import dev.localbedrock.codecs.chat.ToolConfig;
import dev.localbedrock.codecs.chat.ToolSpec;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The structured parts of a Messages body ({@code messages}, {@code system}, {@code tools}, {@code tool_choice}),
 * read into the neutral types. Shape problems are recorded on the body's {@link RequestBodyReader} with JSON-pointer
 * paths ({@code #/messages/0/content/1/type: ...}), so they come out in the same Bedrock schema wording as the scalar
 * fields and all at once; the conversation rules (first turn user, alternation, tool calls answered) are checked
 * afterwards in Anthropic's words, one at a time.
 */
final class MessagesBodyReader {

    static final Pattern TOOL_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final Set<String> UNSUPPORTED = Set.of("image", "document");

    private final RequestBodyReader body;
    private String ruleProblem;

    MessagesBodyReader(RequestBodyReader body) {
        this.body = body;
    }

    private void rule(String problem) {
        if (ruleProblem == null) {
            ruleProblem = problem;
        }
    }

    /** After {@link RequestBodyReader#validate()}: the first conversation-rule problem, if any. */
    void throwIfRuleBroken() {
        if (ruleProblem != null) {
            throw BedrockException.validation(ruleProblem);
        }
    }

    List<ChatMessage> messages(JsonNode node) {
        if (node == null || node.isNull()) {
            body.requiredString("messages"); // records "#: required key [messages] not found"
            return List.of();
        }
        if (!node.isArray()) {
            body.reject("messages", "expected type: JSONArray, found: " + type(node));
            return List.of();
        }
        List<ChatMessage> messages = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            ChatMessage message = message(node.get(i), "messages/" + i, i);
            if (message != null) {
                messages.add(message);
            }
        }
        checkTurns(messages);
        return messages;
    }

    private ChatMessage message(JsonNode node, String at, int i) {
        if (!node.isObject()) {
            body.reject(at, "expected type: JSONObject, found: " + type(node));
            return null;
        }
        JsonNode roleNode = node.get("role");
        ChatRole role = null;
        if (roleNode != null && roleNode.isTextual()) {
            role = roleNode.textValue().equals("user") ? ChatRole.USER
                    : roleNode.textValue().equals("assistant") ? ChatRole.ASSISTANT : null;
        }
        if (role == null) {
            body.reject(at + "/role", (roleNode == null ? "required key [role] not found"
                    : clip(roleNode.asText()) + " is not a valid enum value") + " (allowed values: user, assistant)");
        }
        JsonNode content = node.get("content");
        List<ContentBlock> blocks = new ArrayList<>();
        if (content == null || content.isNull()) {
            body.reject(at, "required key [content] not found");
        } else if (content.isTextual()) {
            if (content.textValue().isEmpty()) {
                rule(at.replace('/', '.') + ": text content blocks must be non-empty");
            }
            blocks.add(new ContentBlock.Text(content.textValue()));
        } else if (content.isArray()) {
            if (content.isEmpty()) {
                rule(at.replace('/', '.') + ": all messages must have non-empty content except for the optional"
                        + " final assistant message");
            }
            for (int j = 0; j < content.size(); j++) {
                ContentBlock block = block(content.get(j), at + "/content/" + j, role);
                if (block != null) {
                    blocks.add(block);
                }
            }
        } else {
            body.reject(at + "/content", "expected type: String or JSONArray, found: " + type(content));
        }
        return role == null ? null : new ChatMessage(role, blocks);
    }

    private ContentBlock block(JsonNode node, String at, ChatRole role) {
        if (!node.isObject()) {
            body.reject(at, "expected type: JSONObject, found: " + type(node));
            return null;
        }
        String type = node.path("type").asText(null);
        if (type == null) {
            body.reject(at, "required key [type] not found");
            return null;
        }
        switch (type) {
            case "text":
                String text = string(node, "text", at);
                if (text != null && text.isEmpty()) {
                    rule(at.replace('/', '.') + ": text content blocks must be non-empty");
                }
                return text == null ? null : new ContentBlock.Text(text);
            case "tool_use":
                String id = string(node, "id", at);
                String name = string(node, "name", at);
                JsonNode input = node.get("input");
                if (input == null || !input.isObject()) {
                    body.reject(at + "/input", input == null ? "required key [input] not found"
                            : "expected type: JSONObject, found: " + type(input));
                    return null;
                }
                if (role == ChatRole.USER) {
                    rule(at.replace('/', '.') + ": tool_use blocks may only appear in assistant messages");
                }
                return id == null || name == null ? null : new ContentBlock.ToolUse(id, name, input);
            case "tool_result":
                return toolResult(node, at, role);
            default:
                if (UNSUPPORTED.contains(type)) {
                    rule(at.replace('/', '.') + ": the " + type + " content block is not supported by this model."
                            + " Send text, tool_use and tool_result blocks only.");
                } else {
                    body.reject(at + "/type", clip(type) + " is not a valid enum value (allowed values: text,"
                            + " image, tool_use, tool_result)");
                }
                return null;
        }
    }

    private ContentBlock toolResult(JsonNode node, String at, ChatRole role) {
        String id = string(node, "tool_use_id", at);
        JsonNode error = node.get("is_error");
        if (error != null && !error.isNull() && !error.isBoolean()) {
            body.reject(at + "/is_error", "expected type: Boolean, found: " + type(error));
        }
        if (role == ChatRole.ASSISTANT) {
            rule(at.replace('/', '.') + ": tool_result blocks may only appear in user messages");
        }
        List<ContentBlock> content = new ArrayList<>();
        JsonNode value = node.get("content");
        if (value == null || value.isNull()) {
            // Anthropic allows a result with no content (the call's success is the answer).
        } else if (value.isTextual()) {
            content.add(new ContentBlock.Text(value.textValue()));
        } else if (value.isArray()) {
            for (int k = 0; k < value.size(); k++) {
                JsonNode part = value.get(k);
                String partAt = at + "/content/" + k;
                String type = part.path("type").asText("");
                if (type.equals("text")) {
                    String text = string(part, "text", partAt);
                    if (text != null) {
                        content.add(new ContentBlock.Text(text));
                    }
                } else if (UNSUPPORTED.contains(type)) {
                    rule(partAt.replace('/', '.') + ": the " + type + " content block is not supported by this"
                            + " model. Send text tool results only.");
                } else {
                    body.reject(partAt + "/type", clip(type) + " is not a valid enum value (allowed values: text,"
                            + " image)");
                }
            }
        } else {
            body.reject(at + "/content", "expected type: String or JSONArray, found: " + type(value));
        }
        return id == null ? null : new ContentBlock.ToolResult(id, content, error != null && error.asBoolean());
    }

    private void checkTurns(List<ChatMessage> messages) {
        if (messages.isEmpty()) {
            rule("messages: at least one message is required");
            return;
        }
        if (messages.get(0).role() != ChatRole.USER) {
            rule("messages: first message must use the \"user\" role");
        }
        for (int i = 1; i < messages.size(); i++) {
            ChatRole role = messages.get(i).role();
            if (role == messages.get(i - 1).role()) {
                rule("messages: roles must alternate between \"user\" and \"assistant\", but found multiple \""
                        + role.wire() + "\" roles in a row");
            }
        }
        for (int i = 0; i + 1 < messages.size(); i++) {
            Set<String> calls = new LinkedHashSet<>();
            for (ContentBlock block : messages.get(i).content()) {
                if (block instanceof ContentBlock.ToolUse use) {
                    calls.add(use.toolUseId());
                }
            }
            for (ContentBlock block : messages.get(i + 1).content()) {
                if (block instanceof ContentBlock.ToolResult result) {
                    calls.remove(result.toolUseId());
                }
            }
            if (!calls.isEmpty() && messages.get(i).role() == ChatRole.ASSISTANT) {
                rule("messages." + (i + 1) + ": `tool_use` ids were found without `tool_result` blocks immediately"
                        + " after: " + String.join(", ", calls) + ". Each `tool_use` block must have a corresponding"
                        + " `tool_result` block in the next message.");
            }
        }
        for (int i = 0; i < messages.size(); i++) {
            Set<String> previousCalls = new LinkedHashSet<>();
            if (i > 0) {
                for (ContentBlock block : messages.get(i - 1).content()) {
                    if (block instanceof ContentBlock.ToolUse use) {
                        previousCalls.add(use.toolUseId());
                    }
                }
            }
            for (ContentBlock block : messages.get(i).content()) {
                if (block instanceof ContentBlock.ToolResult result && !previousCalls.contains(result.toolUseId())) {
                    rule("messages." + i + ": unexpected `tool_use_id` found in `tool_result` blocks: "
                            + result.toolUseId() + ". Each `tool_result` block must have a corresponding `tool_use`"
                            + " block in the previous message.");
                }
            }
        }
    }

    /** {@code system}: a string, or text blocks. */
    List<String> system(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (node.isTextual()) {
            return node.textValue().isEmpty() ? List.of() : List.of(node.textValue());
        }
        if (!node.isArray()) {
            body.reject("system", "expected type: String or JSONArray, found: " + type(node));
            return List.of();
        }
        List<String> system = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode block = node.get(i);
            String at = "system/" + i;
            if (!block.isObject() || !"text".equals(block.path("type").asText())) {
                body.reject(at + "/type", "expected a text block ({\"type\": \"text\", \"text\": ...})");
                continue;
            }
            String text = string(block, "text", at);
            if (text != null) {
                system.add(text);
            }
        }
        return system;
    }

    ToolConfig tools(JsonNode toolsNode, JsonNode choiceNode) {
        List<ToolSpec> specs = new ArrayList<>();
        if (toolsNode != null && !toolsNode.isNull()) {
            if (!toolsNode.isArray()) {
                body.reject("tools", "expected type: JSONArray, found: " + type(toolsNode));
            } else {
                for (int i = 0; i < toolsNode.size(); i++) {
                    ToolSpec spec = tool(toolsNode.get(i), "tools/" + i);
                    if (spec != null) {
                        specs.add(spec);
                    }
                }
            }
        }
        ToolChoice choice = choice(choiceNode);
        Set<String> names = new LinkedHashSet<>();
        for (ToolSpec spec : specs) {
            if (!names.add(spec.name())) {
                rule("tools: tool names must be unique (" + spec.name() + " appears twice)");
            }
        }
        if (choice != null && specs.isEmpty()) {
            rule("tool_choice: tool_choice may only be specified while providing tools");
        }
        if (choice != null && choice.mode() == ToolChoice.Mode.TOOL && !specs.isEmpty()
                && !names.contains(choice.toolName())) {
            rule("tool_choice.name: tool " + clip(choice.toolName()) + " is not one of the provided tools");
        }
        return specs.isEmpty() ? null : new ToolConfig(specs, choice);
    }

    private ToolSpec tool(JsonNode node, String at) {
        if (!node.isObject()) {
            body.reject(at, "expected type: JSONObject, found: " + type(node));
            return null;
        }
        if (node.has("type") && !node.get("type").isNull() && !"custom".equals(node.get("type").asText())) {
            rule(at.replace('/', '.') + ": the " + clip(node.get("type").asText()) + " tool is not supported by this"
                    + " model. Offer custom tools (name, description, input_schema) only.");
            return null;
        }
        String name = string(node, "name", at);
        if (name != null && !TOOL_NAME.matcher(name).matches()) {
            body.reject(at + "/name", "string [" + clip(name) + "] does not match pattern ^[a-zA-Z0-9_-]{1,64}$");
            name = null;
        }
        JsonNode description = node.get("description");
        if (description != null && !description.isNull() && !description.isTextual()) {
            body.reject(at + "/description", "expected type: String, found: " + type(description));
        }
        JsonNode schema = node.get("input_schema");
        if (schema == null || schema.isNull()) {
            body.reject(at, "required key [input_schema] not found");
            return null;
        }
        if (!schema.isObject()) {
            body.reject(at + "/input_schema", "expected type: JSONObject, found: " + type(schema));
            return null;
        }
        if (!"object".equals(schema.path("type").asText())) {
            rule(at.replace('/', '.') + ".input_schema.type: Input should be 'object'");
            return null;
        }
        return name == null ? null : new ToolSpec(name, description == null || description.isNull() ? null
                : description.asText(), schema);
    }

    private ToolChoice choice(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            body.reject("tool_choice", "expected type: JSONObject, found: " + type(node));
            return null;
        }
        String type = node.path("type").asText("");
        switch (type) {
            case "auto":
                return ToolChoice.AUTO;
            case "any":
                return ToolChoice.ANY;
            case "tool":
                String name = string(node, "name", "tool_choice");
                return name == null ? null : ToolChoice.tool(name);
            case "none":
                rule("tool_choice.type: none is not supported by this model; leave out tools instead");
                return null;
            default:
                body.reject("tool_choice/type", clip(type) + " is not a valid enum value (allowed values: auto, any,"
                        + " tool)");
                return null;
        }
    }

    /** A required string member of {@code node} at pointer {@code at}. */
    private String string(JsonNode node, String key, String at) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            body.reject(at, "required key [" + key + "] not found");
            return null;
        }
        if (!value.isTextual()) {
            body.reject(at + "/" + key, "expected type: String, found: " + type(value));
            return null;
        }
        return value.textValue();
    }

    private static String type(JsonNode node) {
        return switch (node.getNodeType()) {
            case STRING -> "String";
            case BOOLEAN -> "Boolean";
            case OBJECT, POJO -> "JSONObject";
            case ARRAY -> "JSONArray";
            case NUMBER -> node.isIntegralNumber() ? "Integer" : "Double";
            default -> "Null";
        };
    }

    private static String clip(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }
}
