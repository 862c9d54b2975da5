package dev.localbedrock.runtime.chat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.runtime.TestServers;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real Hugging Face chat templates rendered here must equal, byte for byte, what Python's jinja2 renders for them
 * set up as transformers' apply_chat_template sets it up. The expected texts (src/test/resources/chat-templates/
 * expected.json) come from src/test/python/render_chat_templates.py, run from the repository root as
 * {@code python3 runtime/src/test/python/render_chat_templates.py}; PROVENANCE.md there says where each template's
 * text was taken from.
 */
class ChatTemplateFixturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The instant the Python script's strftime_now renders (FIXED_NOW there). */
    static final Clock FIXED = Clock.fixed(Instant.parse("2024-07-26T09:30:00Z"), ZoneOffset.UTC);

    @TestFactory
    List<DynamicTest> rendersAsHuggingFaceDoes() throws IOException {
        JsonNode templates = resource("templates.json");
        JsonNode conversations = resource("conversations.json");
        JsonNode expected = resource("expected.json");
        List<DynamicTest> tests = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = templates.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> spec = it.next();
            ChatTemplate template = load(spec.getValue()).withClock(FIXED);
            JsonNode byConversation = expected.get(spec.getKey());
            int checked = 0;
            for (JsonNode conversation : conversations) {
                String name = conversation.get("name").asText();
                JsonNode want = byConversation.get(name);
                if (conversation.path("tools_only").asBoolean() && !spec.getValue().path("tools").asBoolean()) {
                    continue;
                }
                checked++;
                tests.add(DynamicTest.dynamicTest(spec.getKey() + " / " + name, () -> check(template, conversation,
                        want)));
            }
            assertEquals(byConversation.size(), checked, spec.getKey() + ": every expected rendering is checked");
        }
        assertTrue(tests.size() >= 50, "fixtures present: " + tests.size());
        return tests;
    }

    private static void check(ChatTemplate template, JsonNode conversation, JsonNode want) {
        List<Map<String, Object>> messages = JSON.convertValue(conversation.get("messages"), new TypeReference<>() {
        });
        List<Map<String, Object>> tools = conversation.hasNonNull("tools")
                ? JSON.convertValue(conversation.get("tools"), new TypeReference<>() {
                }) : null;
        boolean continuing = conversation.path("continue_final_message").asBoolean();
        boolean generationPrompt = conversation.path("add_generation_prompt").asBoolean();
        if (want.isObject()) {
            ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> render(template, messages,
                    tools, continuing, generationPrompt));
            assertEquals(want.get("error").asText(), e.getMessage());
            assertTrue(e.raisedByTemplate());
            return;
        }
        assertEquals(want.asText(), render(template, messages, tools, continuing, generationPrompt));
    }

    private static String render(ChatTemplate template, List<Map<String, Object>> messages,
                                 List<Map<String, Object>> tools, boolean continuing, boolean generationPrompt) {
        return continuing ? template.renderContinuing(messages, tools)
                : template.render(messages, tools, generationPrompt);
    }

    private static ChatTemplate load(JsonNode spec) throws IOException {
        String file = spec.get("file").asText();
        if (file.startsWith("shared:")) {
            Path dir = TestServers.sharedModels().resolve(file.substring("shared:".length())).getParent();
            return ChatTemplate.fromCheckpoint(dir);
        }
        String text;
        try (InputStream in = ChatTemplateFixturesTest.class.getResourceAsStream("/chat-templates/" + file)) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return ChatTemplate.of(text, spec.path("bos_token").isTextual() ? spec.get("bos_token").asText() : null,
                spec.path("eos_token").isTextual() ? spec.get("eos_token").asText() : null);
    }

    static JsonNode resource(String name) throws IOException {
        try (InputStream in = ChatTemplateFixturesTest.class.getResourceAsStream("/chat-templates/" + name)) {
            return JSON.readTree(in);
        }
    }

    static String text(Path p) throws IOException {
        return Files.readString(p);
    }
}
