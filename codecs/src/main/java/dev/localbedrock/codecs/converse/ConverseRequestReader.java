package dev.localbedrock.codecs.converse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.localbedrock.codecs.BedrockException;
import dev.localbedrock.codecs.Json;
import dev.localbedrock.codecs.chat.ChatMessage;
import dev.localbedrock.codecs.chat.ChatRole;
import dev.localbedrock.codecs.chat.ContentBlock;
import dev.localbedrock.codecs.chat.ToolChoice;
import dev.localbedrock.codecs.chat.ToolConfig;
import dev.localbedrock.codecs.chat.ToolSpec;
import dev.localbedrock.codecs.parameters.BodyParameter;
import dev.localbedrock.codecs.parameters.BodyShape;
import dev.localbedrock.codecs.parameters.ParameterKind;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static dev.localbedrock.codecs.converse.ConstraintViolations.item;
import static dev.localbedrock.codecs.converse.ConstraintViolations.quoted;

/**
 * Reads one Converse body in two passes, as Bedrock answers: first the service model's constraints (all reported
 * together, see {@link ConstraintViolations}), then the conversation rules (alternating roles, non-empty content,
 * tool calls answered), which Bedrock reports one at a time in sentences. Not thread-safe; one per request.
 */
final class ConverseRequestReader {

    static final Pattern TOOL_NAME = Pattern.compile("[a-zA-Z0-9_-]+");
    static final Pattern TOOL_USE_ID = Pattern.compile("[a-zA-Z0-9_.:-]+");
    static final int MAX_NAME_LENGTH = 64;
    static final int MAX_RESPONSE_FIELD_PATHS = 10;
    static final int MAX_RESPONSE_FIELD_PATH_LENGTH = 256;

    /** Content members the service model has and this server cannot feed to a text model. */
    private static final Set<String> UNSUPPORTED_CONTENT = Set.of("image", "document", "video", "audio",
            "guardContent", "reasoningContent", "citationsContent", "searchResult", "toolAddition", "toolRemoval");
    private static final Set<String> UNSUPPORTED_TOOL_RESULT_CONTENT = Set.of("image", "document", "video",
            "searchResult");

    final ConstraintViolations violations = new ConstraintViolations();
    /** The first conversation-rule problem (Bedrock names one at a time), reported after the constraints. */
    private String ruleProblem;

    /** The {@code inferenceConfig} table ({@link ConverseCodec#inferenceShape()}), read through its rows. */
    private final BodyShape inferenceShape;

    ConverseRequestReader(BodyShape inferenceShape) {
        this.inferenceShape = inferenceShape;
    }

    static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw BedrockException.validation("The request body is empty. Send a Converse request body and try again.");
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (IOException | RuntimeException e) {
            throw BedrockException.validation("The request body is not valid JSON. Send a Converse request body"
                    + " (a JSON object) and try again.");
        }
        if (root == null || !root.isObject()) {
            throw BedrockException.validation("The request body is not a JSON object. Send a Converse request body"
                    + " and try again.");
        }
        return root;
    }

    /** Records a conversation-rule problem; only the first is reported. */
    void rule(String problem) {
        if (ruleProblem == null) {
            ruleProblem = problem;
        }
    }

    /** Throws the constraint violations, else the first rule problem. */
    void throwIfInvalid() {
        violations.throwIfAny();
        if (ruleProblem != null) {
            throw BedrockException.validation(ruleProblem);
        }
    }

    // --- messages ---

    List<ChatMessage> messages(JsonNode node) {
        if (absent(node)) {
            violations.missing("messages");
            return List.of();
        }
        if (!node.isArray()) {
            violations.add(typeOf(node), "messages", "Member must be a list");
            return List.of();
        }
        List<ChatMessage> messages = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            ChatMessage message = message(node.get(i), i);
            if (message != null) {
                messages.add(message);
            }
        }
        if (violations.isEmpty()) {
            checkTurns(messages);
        }
        return messages;
    }

    private ChatMessage message(JsonNode node, int i) {
        String path = item("messages", i);
        if (!node.isObject()) {
            violations.add(typeOf(node), path, "Member must be a structure");
            return null;
        }
        ChatRole role = role(node.get("role"), path + ".role");
        JsonNode content = node.get("content");
        if (absent(content)) {
            violations.missing(path + ".content");
            return null;
        }
        if (!content.isArray()) {
            violations.add(typeOf(content), path + ".content", "Member must be a list");
            return null;
        }
        List<ContentBlock> blocks = new ArrayList<>(content.size());
        for (int j = 0; j < content.size(); j++) {
            ContentBlock block = contentBlock(content.get(j), item(path + ".content", j), "messages." + i
                    + ".content." + j);
            if (block != null) {
                blocks.add(block);
            }
        }
        if (content.isEmpty()) {
            rule("The content field in the Message object at messages." + i + " is empty. Add a ContentBlock object"
                    + " to the content field and try again.");
        }
        return role == null ? null : new ChatMessage(role, blocks);
    }

    private ChatRole role(JsonNode node, String path) {
        if (absent(node)) {
            violations.missing(path);
            return null;
        }
        if (node.isTextual()) {
            for (ChatRole role : ChatRole.values()) {
                if (role.wire().equals(node.textValue())) {
                    return role;
                }
            }
        }
        violations.add(valueOf(node), path, "Member must satisfy enum value set: [user, assistant]");
        return null;
    }

    /**
     * One union block; {@code where} is the 0-based location Bedrock's sentences use ({@code messages.0.content.1}).
     */
    private ContentBlock contentBlock(JsonNode node, String path, String where) {
        String member = unionMember(node, path);
        if (member == null) {
            return null;
        }
        JsonNode value = node.get(member);
        switch (member) {
            case "text" -> {
                if (!value.isTextual()) {
                    violations.add(typeOf(value), path + ".text", "Member must be a string");
                    return null;
                }
                if (value.textValue().isBlank()) {
                    rule("The text field in the ContentBlock object at " + where + " is blank. Add text to the text"
                            + " field, and try again.");
                }
                return new ContentBlock.Text(value.textValue());
            }
            case "toolUse" -> {
                return toolUse(value, path + ".toolUse", where);
            }
            case "toolResult" -> {
                return toolResult(value, path + ".toolResult", where);
            }
            case "cachePoint" -> {
                return null; // a prompt-cache hint: nothing to cache here, and it changes no output
            }
            default -> {
                unsupported(member, where);
                return null;
            }
        }
    }

    private void unsupported(String member, String where) {
        rule("The " + member + " content block at " + where + " is not supported by this model. Send text, toolUse"
                + " and toolResult content blocks only.");
    }

    private ContentBlock toolUse(JsonNode node, String path, String where) {
        if (!node.isObject()) {
            violations.add(typeOf(node), path, "Member must be a structure");
            return null;
        }
        String id = pattern(node.get("toolUseId"), path + ".toolUseId", TOOL_USE_ID);
        String name = pattern(node.get("name"), path + ".name", TOOL_NAME);
        JsonNode input = node.get("input");
        if (absent(input)) {
            violations.missing(path + ".input");
            return null;
        }
        if (!input.isObject()) {
            rule("The input field of the toolUse block at " + where + " is not a JSON object. Send the tool's"
                    + " arguments as an object and try again.");
            return null;
        }
        return id == null || name == null ? null : new ContentBlock.ToolUse(id, name, input);
    }

    private ContentBlock toolResult(JsonNode node, String path, String where) {
        if (!node.isObject()) {
            violations.add(typeOf(node), path, "Member must be a structure");
            return null;
        }
        String id = pattern(node.get("toolUseId"), path + ".toolUseId", TOOL_USE_ID);
        boolean error = false;
        JsonNode status = node.get("status");
        if (!absent(status)) {
            if (status.isTextual() && (status.textValue().equals("success") || status.textValue().equals("error"))) {
                error = status.textValue().equals("error");
            } else {
                violations.add(valueOf(status), path + ".status", "Member must satisfy enum value set: [success,"
                        + " error]");
            }
        }
        JsonNode content = node.get("content");
        if (absent(content)) {
            violations.missing(path + ".content");
            return null;
        }
        if (!content.isArray()) {
            violations.add(typeOf(content), path + ".content", "Member must be a list");
            return null;
        }
        List<ContentBlock> blocks = new ArrayList<>(content.size());
        for (int k = 0; k < content.size(); k++) {
            String itemPath = item(path + ".content", k);
            String member = unionMember(content.get(k), itemPath);
            if (member == null) {
                continue;
            }
            JsonNode value = content.get(k).get(member);
            if (member.equals("text")) {
                if (value.isTextual()) {
                    blocks.add(new ContentBlock.Text(value.textValue()));
                } else {
                    violations.add(typeOf(value), itemPath + ".text", "Member must be a string");
                }
            } else if (member.equals("json")) {
                blocks.add(new ContentBlock.Json(value));
            } else if (UNSUPPORTED_TOOL_RESULT_CONTENT.contains(member)) {
                unsupported(member, where + ".toolResult.content." + k);
            } else {
                violations.add(quoted(member), itemPath, "Member must be one of: json, text, image, document,"
                        + " video, searchResult");
            }
        }
        return id == null ? null : new ContentBlock.ToolResult(id, blocks, error);
    }

    /** Alternation, first turn, and that each tool call is answered by the next user turn. */
    private void checkTurns(List<ChatMessage> messages) {
        if (messages.isEmpty() || messages.get(0).role() != ChatRole.USER) {
            rule("A conversation must start with a user message. Try again with a conversation that starts with a"
                    + " user message.");
            return;
        }
        for (int i = 1; i < messages.size(); i++) {
            if (messages.get(i).role() == messages.get(i - 1).role()) {
                rule("A conversation must alternate between user and assistant roles. Make sure the conversation"
                        + " alternates between user and assistant roles and try again.");
                return;
            }
        }
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage message = messages.get(i);
            Set<String> calls = new LinkedHashSet<>();
            for (int j = 0; j < message.content().size(); j++) {
                ContentBlock block = message.content().get(j);
                if (block instanceof ContentBlock.ToolUse && message.role() == ChatRole.USER) {
                    rule("The toolUse block at messages." + i + " is in a user message. Only assistant messages"
                            + " call tools.");
                } else if (block instanceof ContentBlock.ToolResult && message.role() == ChatRole.ASSISTANT) {
                    rule("The toolResult block at messages." + i + " is in an assistant message. Send tool results"
                            + " in the user message that follows the tool call.");
                } else if (block instanceof ContentBlock.ToolUse use && !calls.add(use.toolUseId())) {
                    rule("The toolUse id " + quoted(use.toolUseId()) + " appears twice at messages." + i
                            + ".content. Give each tool call its own id.");
                }
            }
            if (message.role() == ChatRole.USER) {
                checkResults(messages, i);
            }
        }
    }

    /** The user turn at {@code i} answers exactly the tool calls of the assistant turn before it. */
    private static Set<String> resultIds(ChatMessage message) {
        Set<String> ids = new LinkedHashSet<>();
        for (ContentBlock block : message.content()) {
            if (block instanceof ContentBlock.ToolResult result) {
                ids.add(result.toolUseId());
            }
        }
        return ids;
    }

    private void checkResults(List<ChatMessage> messages, int i) {
        Set<String> results = resultIds(messages.get(i));
        Set<String> calls = new LinkedHashSet<>();
        if (i > 0) {
            for (ContentBlock block : messages.get(i - 1).content()) {
                if (block instanceof ContentBlock.ToolUse use) {
                    calls.add(use.toolUseId());
                }
            }
        }
        long resultBlocks = messages.get(i).content().stream().filter(b -> b instanceof ContentBlock.ToolResult)
                .count();
        if (resultBlocks > calls.size()) {
            rule("The number of toolResult blocks at messages." + i + ".content exceeds the number of toolUse"
                    + " blocks of previous turn.");
            return;
        }
        Set<String> unanswered = new LinkedHashSet<>(calls);
        unanswered.removeAll(results);
        if (!unanswered.isEmpty()) {
            rule("Expected toolResult blocks at messages." + i + ".content for the following Ids: "
                    + String.join(", ", unanswered));
            return;
        }
        Set<String> unknown = new LinkedHashSet<>(results);
        unknown.removeAll(calls);
        if (!unknown.isEmpty()) {
            rule("The toolResult blocks at messages." + i + ".content answer tool calls the previous turn did not"
                    + " make: " + String.join(", ", unknown));
        }
    }

    // --- system ---

    List<String> system(JsonNode node) {
        if (absent(node)) {
            return List.of();
        }
        if (!node.isArray()) {
            violations.add(typeOf(node), "system", "Member must be a list");
            return List.of();
        }
        List<String> system = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            String path = item("system", i);
            String member = unionMember(node.get(i), path);
            if (member == null) {
                continue;
            }
            JsonNode value = node.get(i).get(member);
            switch (member) {
                case "text" -> {
                    String text = nonEmptyString(value, path + ".text");
                    if (text != null) {
                        system.add(text);
                    }
                }
                case "cachePoint" -> {
                    // a prompt-cache hint; see contentBlock
                }
                case "guardContent" -> rule("The guardContent block at system." + i + " is not supported by this"
                        + " model: guardrails are not available here. Send text system blocks only.");
                default -> violations.add(quoted(member), path, "Member must be one of: text, guardContent,"
                        + " cachePoint");
            }
        }
        return system;
    }

    // --- inferenceConfig ---

    /** The {@code inferenceConfig} values; absent members are null. */
    record Inference(Integer maxTokens, Double temperature, Double topP, List<String> stopSequences) {
    }

    Inference inference(JsonNode node) {
        if (absent(node)) {
            return new Inference(null, null, null, List.of());
        }
        if (!node.isObject()) {
            violations.add(typeOf(node), "inferenceConfig", "Member must be a structure");
            return new Inference(null, null, null, List.of());
        }
        BodyParameter maxTokensRow = row(ConverseCodec.MAX_TOKENS_PATH, ParameterKind.INTEGER);
        Integer maxTokens = null;
        JsonNode max = node.get(maxTokensRow.key());
        if (!absent(max)) {
            // Only the lower bound is a constraint; a value above the model's limit is a rule, checked by the codec.
            if (!max.isNumber() || !isIntegral(max.decimalValue())) {
                violations.add(valueOf(max), maxTokensRow.path(), "Member must be an integer");
            } else if (max.decimalValue().compareTo(BigDecimal.valueOf(maxTokensRow.min())) < 0) {
                violations.add(valueOf(max), maxTokensRow.path(),
                        "Member must have value greater than or equal to " + plain(maxTokensRow.min()));
            } else {
                maxTokens = max.decimalValue().compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0
                        ? Integer.MAX_VALUE : max.decimalValue().intValueExact();
            }
        }
        Double temperature = inRange(node, row(ConverseCodec.TEMPERATURE_PATH, ParameterKind.NUMBER));
        Double topP = inRange(node, row(ConverseCodec.TOP_P_PATH, ParameterKind.NUMBER));
        List<String> stops = stopSequences(node, row(ConverseCodec.STOP_SEQUENCES_PATH, ParameterKind.STRING_LIST));
        return new Inference(maxTokens, temperature, topP, stops);
    }

    private BodyParameter row(String path, ParameterKind kind) {
        BodyParameter row = inferenceShape.parameter(path);
        row.requireKindAt(kind, "/inferenceConfig");
        return row;
    }

    private Double inRange(JsonNode config, BodyParameter row) {
        JsonNode node = config.get(row.key());
        if (absent(node)) {
            return null;
        }
        if (!node.isNumber()) {
            violations.add(valueOf(node), row.path(), "Member must be a number");
            return null;
        }
        BigDecimal value = node.decimalValue();
        if (value.compareTo(BigDecimal.valueOf(row.min())) < 0) {
            violations.add(valueOf(node), row.path(), "Member must have value greater than or equal to "
                    + plain(row.min()));
            return null;
        }
        if (value.compareTo(BigDecimal.valueOf(row.max())) > 0) {
            violations.add(valueOf(node), row.path(), "Member must have value less than or equal to "
                    + plain(row.max()));
            return null;
        }
        return value.doubleValue();
    }

    private static String plain(double bound) {
        return BigDecimal.valueOf(bound).stripTrailingZeros().toPlainString();
    }

    private List<String> stopSequences(JsonNode config, BodyParameter row) {
        JsonNode node = config.get(row.key());
        String path = row.path();
        int maxStopSequences = row.maxItems();
        int maxStopSequenceLength = row.maxLength();
        if (absent(node)) {
            return List.of();
        }
        if (!node.isArray()) {
            violations.add(typeOf(node), path, "Member must be a list");
            return List.of();
        }
        if (node.size() > maxStopSequences) {
            violations.add("'[...]'", path, "Member must have length less than or equal to " + maxStopSequences);
            return List.of();
        }
        List<String> stops = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            String stop = nonEmptyString(node.get(i), item(path, i));
            if (stop != null && stop.length() > maxStopSequenceLength) {
                violations.add(quoted(stop), item(path, i), "Member must have length less than or equal to "
                        + maxStopSequenceLength);
            } else if (stop != null) {
                stops.add(stop);
            }
        }
        return stops;
    }

    // --- toolConfig ---

    ToolConfig toolConfig(JsonNode node) {
        if (absent(node)) {
            return null;
        }
        if (!node.isObject()) {
            violations.add(typeOf(node), "toolConfig", "Member must be a structure");
            return null;
        }
        JsonNode tools = node.get("tools");
        if (absent(tools)) {
            violations.missing("toolConfig.tools");
            return null;
        }
        if (!tools.isArray()) {
            violations.add(typeOf(tools), "toolConfig.tools", "Member must be a list");
            return null;
        }
        List<ToolSpec> specs = new ArrayList<>(tools.size());
        for (int i = 0; i < tools.size(); i++) {
            ToolSpec spec = tool(tools.get(i), item("toolConfig.tools", i), i);
            if (spec != null) {
                specs.add(spec);
            }
        }
        if (tools.isEmpty()) {
            violations.add("'[]'", "toolConfig.tools", "Member must have length greater than or equal to 1");
        }
        ToolChoice choice = toolChoice(node.get("toolChoice"));
        if (specs.isEmpty()) {
            return null;
        }
        Set<String> names = new LinkedHashSet<>();
        for (ToolSpec spec : specs) {
            if (!names.add(spec.name())) {
                rule("The tool name " + quoted(spec.name()) + " appears twice in toolConfig.tools. Give each tool"
                        + " its own name.");
            }
        }
        if (choice != null && choice.mode() == ToolChoice.Mode.TOOL && !names.contains(choice.toolName())) {
            rule("toolConfig.toolChoice.tool.name " + quoted(choice.toolName()) + " is not one of the tools in"
                    + " toolConfig.tools. Name an offered tool and try again.");
        }
        return new ToolConfig(specs, choice);
    }

    private ToolSpec tool(JsonNode node, String path, int i) {
        String member = unionMember(node, path);
        if (member == null) {
            return null;
        }
        if (member.equals("cachePoint")) {
            return null;
        }
        if (!member.equals("toolSpec")) {
            if (member.equals("systemTool")) {
                rule("The systemTool at toolConfig.tools." + i + " is not supported by this model. Offer toolSpec"
                        + " tools only.");
            } else {
                violations.add(quoted(member), path, "Member must be one of: toolSpec, systemTool, cachePoint");
            }
            return null;
        }
        JsonNode spec = node.get("toolSpec");
        path = path + ".toolSpec";
        if (!spec.isObject()) {
            violations.add(typeOf(spec), path, "Member must be a structure");
            return null;
        }
        String name = pattern(spec.get("name"), path + ".name", TOOL_NAME);
        String description = absent(spec.get("description")) ? null
                : nonEmptyString(spec.get("description"), path + ".description");
        JsonNode inputSchema = spec.get("inputSchema");
        JsonNode schema = null;
        if (absent(inputSchema)) {
            violations.missing(path + ".inputSchema");
        } else if (unionMember(inputSchema, path + ".inputSchema") != null) {
            if (!inputSchema.has("json")) {
                violations.add(quoted(inputSchema.fieldNames().next()), path + ".inputSchema",
                        "Member must be one of: json");
            } else {
                schema = inputSchema.get("json");
                if (!schema.isObject() || (schema.has("type") && !"object".equals(schema.get("type").asText()))) {
                    rule("The inputSchema.json of toolConfig.tools." + i + " is not a JSON schema of type object."
                            + " A tool's input must be a JSON object; describe it with {\"type\": \"object\", ...}.");
                    schema = null;
                }
            }
        }
        return name == null || schema == null ? null : new ToolSpec(name, description, schema);
    }

    private ToolChoice toolChoice(JsonNode node) {
        if (absent(node)) {
            return null;
        }
        String path = "toolConfig.toolChoice";
        String member = unionMember(node, path);
        if (member == null) {
            return null;
        }
        JsonNode value = node.get(member);
        return switch (member) {
            case "auto" -> ToolChoice.AUTO;
            case "any" -> ToolChoice.ANY;
            case "tool" -> {
                if (!value.isObject()) {
                    violations.add(typeOf(value), path + ".tool", "Member must be a structure");
                    yield null;
                }
                String name = pattern(value.get("name"), path + ".tool.name", TOOL_NAME);
                yield name == null ? null : ToolChoice.tool(name);
            }
            default -> {
                violations.add(quoted(member), path, "Member must be one of: auto, any, tool");
                yield null;
            }
        };
    }

    // --- additionalModelResponseFieldPaths ---

    List<String> responseFieldPaths(JsonNode node) {
        String path = "additionalModelResponseFieldPaths";
        if (absent(node)) {
            return List.of();
        }
        if (!node.isArray()) {
            violations.add(typeOf(node), path, "Member must be a list");
            return List.of();
        }
        if (node.size() > MAX_RESPONSE_FIELD_PATHS) {
            violations.add("'[...]'", path, "Member must have length less than or equal to "
                    + MAX_RESPONSE_FIELD_PATHS);
            return List.of();
        }
        List<String> paths = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            String pointer = nonEmptyString(node.get(i), item(path, i));
            if (pointer == null) {
                continue;
            }
            if (pointer.length() > MAX_RESPONSE_FIELD_PATH_LENGTH) {
                violations.add(quoted(pointer), item(path, i), "Member must have length less than or equal to "
                        + MAX_RESPONSE_FIELD_PATH_LENGTH);
            } else if (!pointer.startsWith("/")) {
                // Bedrock: "Converse rejects an empty JSON Pointer or incorrectly structured JSON Pointer".
                rule("The additionalModelResponseFieldPaths item " + quoted(pointer) + " is not a JSON Pointer"
                        + " (RFC 6901: it starts with \"/\"). Fix the path and try again.");
            } else {
                paths.add(pointer);
            }
        }
        return paths;
    }

    // --- shared ---

    /** The one member a union object sets, or null after recording why there is not exactly one. */
    private String unionMember(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            violations.add(node == null ? "null" : typeOf(node), path, "Member must be a structure");
            return null;
        }
        List<String> set = new ArrayList<>(1);
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getValue().isNull()) {
                set.add(field.getKey());
            }
        }
        if (set.size() != 1) {
            violations.add(set.isEmpty() ? "'{}'" : quoted(String.join(", ", set)), path,
                    "Member must set exactly one of its union members");
            return null;
        }
        return set.get(0);
    }

    private String nonEmptyString(JsonNode node, String path) {
        if (absent(node)) {
            violations.missing(path);
            return null;
        }
        if (!node.isTextual()) {
            violations.add(typeOf(node), path, "Member must be a string");
            return null;
        }
        if (node.textValue().isEmpty()) {
            violations.add("''", path, "Member must have length greater than or equal to 1");
            return null;
        }
        return node.textValue();
    }

    private String pattern(JsonNode node, String path, Pattern pattern) {
        String value = nonEmptyString(node, path);
        if (value == null) {
            return null;
        }
        if (value.length() > MAX_NAME_LENGTH) {
            violations.add(quoted(value), path, "Member must have length less than or equal to " + MAX_NAME_LENGTH);
            return null;
        }
        if (!pattern.matcher(value).matches()) {
            violations.add(quoted(value), path, "Member must satisfy regular expression pattern: "
                    + pattern.pattern());
            return null;
        }
        return value;
    }

    static boolean absent(JsonNode node) {
        return node == null || node.isNull();
    }

    private static boolean isIntegral(BigDecimal value) {
        return value.signum() == 0 || value.scale() <= 0 || value.stripTrailingZeros().scale() <= 0;
    }

    private static String valueOf(JsonNode node) {
        if (node.isTextual()) {
            return quoted(node.textValue());
        }
        return node.isNumber() || node.isBoolean() ? quoted(node.asText()) : typeOf(node);
    }

    private static String typeOf(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "'[...]'";
            case OBJECT, POJO -> "'{...}'";
            case STRING -> quoted(node.textValue());
            default -> quoted(node.asText());
        };
    }
}
