package dev.localbedrock.runtime.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.tree.Node;
import dev.localbedrock.codecs.chat.ChatMessage;
import dev.localbedrock.codecs.chat.ChatRequest;
import dev.localbedrock.codecs.chat.ChatRole;
import dev.localbedrock.codecs.chat.ContentBlock;
import dev.localbedrock.runtime.catalog.ModelEntry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A model's chat template: turns a conversation into the prompt text the model was trained on, rendering the Jinja
 * {@code chat_template} as Hugging Face's {@code apply_chat_template} does (docs/chat-templates.md). Which template:
 * the models.yaml {@code chat_template} override, else the checkpoint's tokenizer_config.json, else the family's
 * default ({@link FamilyTemplates}). Immutable and thread-safe; the compiled template is cached by its text.
 */
public final class ChatTemplate {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Node> COMPILED = new ConcurrentHashMap<>();
    /** What transformers appends to the final message for {@code continue_final_message}, and cuts at. */
    private static final String CONTINUE_TAG = "CONTINUE_FINAL_MESSAGE_TAG ";

    private final String source;
    private final String origin;
    private final Map<String, Object> specialTokens;
    private final Node root;
    private final TemplateMessages.Capabilities capabilities;
    private final Clock clock;

    private ChatTemplate(String source, String origin, Map<String, Object> specialTokens, Clock clock) {
        this.source = source;
        this.origin = origin;
        this.specialTokens = Map.copyOf(specialTokens);
        this.clock = clock;
        this.capabilities = TemplateMessages.Capabilities.of(source);
        Node cached = COMPILED.get(source);
        if (cached == null) {
            cached = JinjaEnvironment.INSTANCE.compile(source);
            COMPILED.putIfAbsent(source, cached);
        }
        this.root = cached;
    }

    /**
     * The template for a catalogue entry: its {@code chat_template} override, else the template in
     * {@code modelDirectory}'s tokenizer_config.json, else its family's default.
     *
     * @param modelDirectory the checkpoint directory, or null (generated and built-in sources)
     * @throws ChatTemplateException when the template does not compile, or tokenizer_config.json cannot be read
     */
    public static ChatTemplate forModel(ModelEntry entry, Path modelDirectory) {
        Map<String, Object> tokens = modelDirectory == null ? Map.of() : specialTokens(modelDirectory);
        if (entry.chatTemplate() != null) {
            return new ChatTemplate(entry.chatTemplate(), "models.yaml chat_template of " + entry.id(), tokens,
                    Clock.systemDefaultZone());
        }
        if (modelDirectory != null) {
            String checkpoint = checkpointTemplate(modelDirectory);
            if (checkpoint != null) {
                return new ChatTemplate(checkpoint, modelDirectory.resolve("tokenizer_config.json").toString(),
                        tokens, Clock.systemDefaultZone());
            }
        }
        return familyDefault(entry.family(), entry.id(), tokens);
    }

    /** The family's default template ({@link FamilyTemplates}), with the checkpoint's special tokens if known. */
    public static ChatTemplate familyDefault(String family, String modelId, Map<String, Object> checkpointTokens) {
        FamilyTemplates.Default d = FamilyTemplates.forFamily(family, modelId);
        Map<String, Object> tokens = new HashMap<>(d.variables());
        if (d.bosToken() != null) {
            tokens.put("bos_token", d.bosToken());
        }
        if (d.eosToken() != null) {
            tokens.put("eos_token", d.eosToken());
        }
        tokens.putAll(checkpointTokens);
        return new ChatTemplate(d.source(), "family default " + d.name(), tokens, Clock.systemDefaultZone());
    }

    /** A template from its Jinja text, rendering with the given {@code bos_token}/{@code eos_token} (either null). */
    public static ChatTemplate of(String jinja, String bosToken, String eosToken) {
        Map<String, Object> tokens = new HashMap<>();
        if (bosToken != null) {
            tokens.put("bos_token", bosToken);
        }
        if (eosToken != null) {
            tokens.put("eos_token", eosToken);
        }
        return new ChatTemplate(Objects.requireNonNull(jinja, "jinja"), "inline", tokens, Clock.systemDefaultZone());
    }

    /** The template in a checkpoint's tokenizer_config.json, with its special tokens, or null when it has none. */
    public static ChatTemplate fromCheckpoint(Path modelDirectory) {
        String checkpoint = checkpointTemplate(modelDirectory);
        return checkpoint == null ? null : new ChatTemplate(checkpoint,
                modelDirectory.resolve("tokenizer_config.json").toString(), specialTokens(modelDirectory),
                Clock.systemDefaultZone());
    }

    /** This template reading {@code clock} for {@code strftime_now} (templates that print today's date). */
    public ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(source, origin, specialTokens, Objects.requireNonNull(clock, "clock"));
    }

    /** Where the template came from (a file, models.yaml, or the family default's name), for logs and errors. */
    public String origin() {
        return origin;
    }

    /** The Jinja text. */
    public String source() {
        return source;
    }

    /**
     * The prompt for a conversation: the system prompt, the turns, the request's tools, and the generation prompt
     * (the assistant's header), unless the last turn is the assistant's, a prefill, which is left open for the
     * model to continue (transformers' {@code continue_final_message}). A template that refuses a system message
     * gets the system prompt at the start of the first user turn.
     *
     * @throws ChatTemplateException when the template refuses the conversation
     *                               ({@link ChatTemplateException#raisedByTemplate()}) or fails
     */
    public String render(ChatRequest request) {
        try {
            return render(request, false);
        } catch (ChatTemplateException e) {
            // A template with no system role (Mistral Instruct v0.1's raises on one): the system prompt opens the
            // first user turn instead, as the model's own documentation does it.
            if (!e.raisedByTemplate() || request.system().isEmpty() && !addsToolPrompt(request)) {
                throw e;
            }
            return render(request, true);
        }
    }

    private boolean addsToolPrompt(ChatRequest request) {
        return request.tools() != null && !capabilities.toolsVariable();
    }

    private String render(ChatRequest request, boolean foldSystem) {
        List<Map<String, Object>> messages = TemplateMessages.messages(request, capabilities, foldSystem);
        List<Map<String, Object>> tools = TemplateMessages.tools(request);
        List<ChatMessage> turns = request.messages();
        boolean prefill = !turns.isEmpty() && turns.get(turns.size() - 1).role() == ChatRole.ASSISTANT
                && turns.get(turns.size() - 1).content().stream().noneMatch(b -> b instanceof ContentBlock.ToolUse);
        return prefill ? renderContinuing(messages, tools) : render(messages, tools, true);
    }

    /**
     * Renders Hugging Face-shaped messages ({@code role}, {@code content}, and optionally {@code tool_calls},
     * {@code tool_call_id}, {@code name}) and tools ({@code {type: function, function: {...}}}, or null).
     */
    public String render(List<Map<String, Object>> messages, List<Map<String, Object>> tools,
                         boolean addGenerationPrompt) {
        Map<String, Object> variables = new HashMap<>(specialTokens);
        variables.put("messages", messages);
        variables.put("tools", tools);
        variables.put("documents", null);
        variables.put("add_generation_prompt", addGenerationPrompt);
        return JinjaEnvironment.INSTANCE.render(root, variables, clock);
    }

    /**
     * Renders with the last message left open for the model to continue, as transformers'
     * {@code continue_final_message=True}: the final message's content is rendered with a marker after it and the
     * prompt cut at the marker (trailing whitespace trimmed when the template trimmed the marker's space).
     */
    public String renderContinuing(List<Map<String, Object>> messages, List<Map<String, Object>> tools) {
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("no final message to continue");
        }
        List<Map<String, Object>> marked = new ArrayList<>(messages);
        Map<String, Object> last = new LinkedHashMap<>(messages.get(messages.size() - 1));
        String finalText = String.valueOf(last.get("content"));
        last.put("content", finalText + CONTINUE_TAG);
        marked.set(marked.size() - 1, last);
        String rendered = render(marked, tools, false);
        String tag = CONTINUE_TAG.strip();
        int at = rendered.lastIndexOf(tag);
        if (at < 0 || !rendered.contains(PythonText.strip(finalText, null, true, true))) {
            throw new ChatTemplateException("the chat template (" + origin + ") drops the final message, so it "
                    + "cannot be continued", false, null);
        }
        return rendered.startsWith(CONTINUE_TAG, at) ? rendered.substring(0, at)
                : PythonText.strip(rendered.substring(0, at), null, false, true);
    }

    /** {@code chat_template} from tokenizer_config.json: a string, or the list form, whose "default" entry counts. */
    static String checkpointTemplate(Path modelDirectory) {
        JsonNode config = tokenizerConfig(modelDirectory);
        if (config == null) {
            return null;
        }
        JsonNode template = config.get("chat_template");
        if (template == null || template.isNull()) {
            return null;
        }
        if (template.isTextual()) {
            return template.asText();
        }
        if (template.isArray()) {
            for (JsonNode named : template) {
                if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
                    return named.get("template").asText();
                }
            }
            return null;
        }
        throw new ChatTemplateException(modelDirectory.resolve("tokenizer_config.json")
                + ": chat_template must be a string or a list of {name, template}", false, null);
    }

    /** The special tokens transformers passes to every template: strings, or AddedToken objects' content. */
    static Map<String, Object> specialTokens(Path modelDirectory) {
        JsonNode config = tokenizerConfig(modelDirectory);
        Map<String, Object> tokens = new HashMap<>();
        if (config == null) {
            return tokens;
        }
        for (String name : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
            JsonNode token = config.get(name);
            if (token != null && token.isTextual()) {
                tokens.put(name, token.asText());
            } else if (token != null && token.isObject() && token.path("content").isTextual()) {
                tokens.put(name, token.get("content").asText());
            }
        }
        return tokens;
    }

    private static JsonNode tokenizerConfig(Path modelDirectory) {
        Path file = modelDirectory.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ChatTemplateException(file + " cannot be read: " + e.getMessage(), false, e);
        }
    }
}
