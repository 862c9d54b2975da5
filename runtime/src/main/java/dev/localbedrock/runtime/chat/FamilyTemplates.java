package dev.localbedrock.runtime.chat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * The prompt format a family's models take when neither models.yaml nor the checkpoint gives a template, keyed by
 * the catalogue's family names. Each is a Jinja template rendered like a checkpoint's own.
 *
 * <ul>
 *   <li>{@code meta-llama2}: Meta's Llama-2-chat template, word for word ({@code <s>[INST] <<SYS>>...}); a
 *       {@code meta.llama3-*} id gets Meta's Llama 3 Instruct template instead (both ids speak the same body);</li>
 *   <li>{@code anthropic-claude}: {@code \n\nHuman: ...\n\nAssistant:}, the system prompt first;</li>
 *   <li>{@code amazon-titan-text}: {@code User: ...\nBot:}, Titan's documented dialogue format;</li>
 *   <li>{@code cohere-command}: {@code User: ...\nChatbot:}, Cohere's chat roles (USER/CHATBOT) as labels;</li>
 *   <li>{@code ai21-j2} and any other family: {@code User: ...\nAssistant:}, the plain dialogue Jurassic-2's
 *       documentation prompts with.</li>
 * </ul>
 */
final class FamilyTemplates {
    /** A default: its Jinja text, the special tokens it renders with, and any further variables. */
    record Default(String name, String source, String bosToken, String eosToken, Map<String, Object> variables) {
    }

    private FamilyTemplates() {
    }

    static Default forFamily(String family, String modelId) {
        String id = modelId == null ? "" : modelId.toLowerCase(Locale.ROOT);
        return switch (family == null ? "" : family) {
            case "meta-llama2" -> id.startsWith("meta.llama3")
                    ? new Default("llama-3-instruct", resource("llama-3-instruct.jinja"), "<|begin_of_text|>",
                    "<|eot_id|>", Map.of())
                    : new Default("llama-2-chat", resource("llama-2-chat.jinja"), "<s>", "</s>", Map.of());
            case "anthropic-claude" -> new Default("claude-text", resource("claude-text.jinja"), null, null,
                    Map.of());
            case "amazon-titan-text" -> dialogue("titan-text", "User:", "Bot:");
            case "cohere-command" -> dialogue("cohere-command", "User:", "Chatbot:");
            default -> dialogue("plain-dialogue", "User:", "Assistant:");
        };
    }

    private static Default dialogue(String name, String user, String assistant) {
        return new Default(name, resource("plain-dialogue.jinja"), null, null,
                Map.of("user_label", user, "assistant_label", assistant));
    }

    private static String resource(String name) {
        try (InputStream in = FamilyTemplates.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing built-in chat template " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
