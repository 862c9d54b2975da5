package dev.localbedrock.runtime.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.localbedrock.codecs.chat.ChatMessage;
import dev.localbedrock.codecs.chat.ChatRequest;
import dev.localbedrock.codecs.chat.ChatRole;
import dev.localbedrock.codecs.chat.ContentBlock;
import dev.localbedrock.codecs.chat.ToolConfig;
import dev.localbedrock.codecs.chat.ToolSpec;
import dev.localbedrock.codecs.inference.SamplingParameters;
import dev.localbedrock.runtime.TestServers;
import dev.localbedrock.runtime.catalog.CatalogException;
import dev.localbedrock.runtime.catalog.CatalogLoader;
import dev.localbedrock.runtime.catalog.ModelEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which template a model gets, the family defaults, and how a ChatRequest's turns and tools reach a template. */
class ChatTemplateTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private ModelEntry entry(String extraYaml) throws IOException {
        Path file = dir.resolve("models.yaml");
        Files.writeString(file, "models:\n  - id: meta.llama2-13b-chat-v1\n    source: "
                + TestServers.tinyLlama() + "\n" + extraYaml);
        return CatalogLoader.load(file).models().get(0);
    }

    private static ChatRequest request(List<String> system, ChatMessage... turns) {
        return new ChatRequest(system, List.of(turns), 16, SamplingParameters.greedy(), null, null);
    }

    private static ChatMessage user(String text) {
        return new ChatMessage(ChatRole.USER, List.of(new ContentBlock.Text(text)));
    }

    private static ChatMessage assistant(String text) {
        return new ChatMessage(ChatRole.ASSISTANT, List.of(new ContentBlock.Text(text)));
    }

    @Test
    void theCheckpointsTemplateServesWhenModelsYamlHasNone() throws Exception {
        ChatTemplate template = ChatTemplate.forModel(entry(""), TestServers.tinyLlama());
        assertTrue(template.origin().endsWith("tokenizer_config.json"), template.origin());
        String want = ChatTemplateFixturesTest.resource("expected.json").get("tiny-random-llama")
                .get("system-multi-turn").asText();
        assertEquals(want, template.render(request(List.of("You are a helpful assistant."), user("Hello!"),
                assistant("Hi there. How can I help?"), user("What is the capital of France?"))));
    }

    @Test
    void modelsYamlOverridesTheCheckpointInlineOrFromAFile() throws Exception {
        ModelEntry inline = entry("    chat_template: \"{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}"
                + "{% if add_generation_prompt %}<assistant>{% endif %}\"\n");
        ChatTemplate t = ChatTemplate.forModel(inline, TestServers.tinyLlama());
        assertEquals("models.yaml chat_template of meta.llama2-13b-chat-v1", t.origin());
        assertEquals("<system>S<user>Hi<assistant>", t.render(request(List.of("S"), user("Hi"))));

        Files.createDirectories(dir.resolve("templates"));
        Files.writeString(dir.resolve("templates/mine.jinja"), "{{ bos_token }}[{{ messages[-1]['content'] }}]");
        ModelEntry fromFile = entry("    chat_template: templates/mine.jinja\n");
        assertEquals("<s>[Hi]", ChatTemplate.forModel(fromFile, TestServers.tinyLlama()).render(request(null,
                user("Hi"))));
    }

    @Test
    void aMissingTemplateFileOrAnEmbeddingEntryWithOneStopsTheStart() {
        CatalogException missing = assertThrows(CatalogException.class, () -> entry(
                "    chat_template: nowhere.jinja\n"));
        assertTrue(missing.getMessage().contains("'chat_template' file") && missing.getMessage().contains(
                "nowhere.jinja"), missing.getMessage());
        CatalogException embedding = assertThrows(CatalogException.class, () -> {
            Path file = dir.resolve("models.yaml");
            Files.writeString(file, "models:\n  - id: amazon.titan-embed-text-v1\n    source: builtin:all-MiniLM-L6-v2\n"
                    + "    chat_template: x.jinja\n");
            CatalogLoader.load(file);
        });
        assertTrue(embedding.getMessage().contains("'chat_template' applies to text generation models only"),
                embedding.getMessage());
    }

    @Test
    void familyDefaultsWhenNeitherGivesATemplate() {
        ChatRequest chat = request(List.of("Be brief."), user("Hi"), assistant("Hello."), user("Why?"));
        assertEquals("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello. </s><s>[INST] Why? [/INST]",
                ChatTemplate.familyDefault("meta-llama2", "meta.llama2-13b-chat-v1", Map.of()).render(chat));
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant"
                        + "<|end_header_id|>\n\nHello.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhy?"
                        + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                ChatTemplate.familyDefault("meta-llama2", "meta.llama3-8b-instruct-v1:0", Map.of()).render(chat));
        assertEquals("Be brief.\n\nHuman: Hi\n\nAssistant: Hello.\n\nHuman: Why?\n\nAssistant:",
                ChatTemplate.familyDefault("anthropic-claude", "anthropic.claude-v2", Map.of()).render(chat));
        assertEquals("Be brief.\n\nUser: Hi\nBot: Hello.\nUser: Why?\nBot:",
                ChatTemplate.familyDefault("amazon-titan-text", "amazon.titan-text-lite-v1", Map.of()).render(chat));
        assertEquals("Be brief.\n\nUser: Hi\nChatbot: Hello.\nUser: Why?\nChatbot:",
                ChatTemplate.familyDefault("cohere-command", "cohere.command-text-v14", Map.of()).render(chat));
        assertEquals("User: Hi\nAssistant:",
                ChatTemplate.familyDefault("ai21-j2", "ai21.j2-mid-v1", Map.of()).render(request(null, user("Hi"))));
    }

    @Test
    void anAssistantPrefillIsLeftOpen() {
        ChatRequest prefill = request(null, user("Count."), assistant("One, two,"));
        assertEquals("\n\nHuman: Count.\n\nAssistant: One, two,",
                ChatTemplate.familyDefault("anthropic-claude", "anthropic.claude-v2", Map.of()).render(prefill));
        assertEquals("<s>[INST] Count. [/INST] One, two,",
                ChatTemplate.familyDefault("meta-llama2", "meta.llama2-13b-chat-v1", Map.of()).render(prefill));
    }

    @Test
    void aTemplateWithoutASystemRoleGetsTheSystemPromptInTheFirstUserTurn() throws Exception {
        String text;
        try (InputStream in = getClass().getResourceAsStream("/chat-templates/mistral-7b-instruct-v0.1.jinja")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals("<s>[INST] Be brief.\n\nHi [/INST]", ChatTemplate.of(text, "<s>", "</s>")
                .render(request(List.of("Be brief."), user("Hi"))));
    }

    @Test
    void theTemplatesOwnRefusalIsAClientError() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> ChatTemplate.familyDefault(
                "meta-llama2", "meta.llama2-13b-chat-v1", Map.of()).render(request(null, user("a"), user("b"))));
        assertTrue(e.raisedByTemplate());
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
        ChatTemplateException broken = assertThrows(ChatTemplateException.class, () -> ChatTemplate.of(
                "{% for m in messages %}", null, null));
        assertTrue(!broken.raisedByTemplate());
    }

    /** The Converse tool turns, mapped as transformers' convention has them, render as the fixture conversation. */
    @Test
    void toolUseAndResultsReachToolAwareTemplatesAsHuggingFaceShapesThem() throws Exception {
        ChatRequest chat = weatherConversation();
        for (String name : List.of("qwen2.5-instruct", "llama-3.1-instruct")) {
            String text;
            try (InputStream in = getClass().getResourceAsStream("/chat-templates/" + name + ".jinja")) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            ChatTemplate template = ChatTemplate.of(text, name.startsWith("llama") ? "<|begin_of_text|>" : null,
                    name.startsWith("llama") ? "<|eot_id|>" : "<|im_end|>").withClock(ChatTemplateFixturesTest.FIXED);
            String want = ChatTemplateFixturesTest.resource("expected.json").get(name).get("tool-call-and-result")
                    .asText();
            assertEquals(want, template.render(chat), name);
        }
    }

    @Test
    void templatesWithoutToolSupportGetToolsAsText() throws Exception {
        String prompt = ChatTemplate.familyDefault("meta-llama2", "meta.llama2-13b-chat-v1", Map.of())
                .render(weatherConversation());
        assertTrue(prompt.startsWith("<s>[INST] <<SYS>>\nYou answer weather questions.\n\nYou can call the "
                + "following tools. To call one, answer with only a JSON object {\"name\": <tool>, \"arguments\": "
                + "<arguments>}.\n\n{\n    \"name\": \"get_weather\",\n"), prompt);
        assertTrue(prompt.endsWith("[/INST] {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Zürich\", "
                + "\"unit\": \"celsius\"}} </s><s>[INST] Result of tool get_weather: {\"temperature\": 21.5, "
                + "\"sky\": \"clear\"} [/INST]"), prompt);
    }

    /** Message text is data: template syntax in it (a user's, or sampled model text) is printed, never run. */
    @Test
    void templateSyntaxInAMessageIsPrintedAsText() {
        String text = "{{ 7*7 }} and {% if true %}yes{% endif %} and {% unknowntag %} and {# note #}";
        ChatRequest chat = request(List.of("sys {{ messages }}"), user(text), assistant("{%- raw %}"), user("ok"));
        String prompt = ChatTemplate.familyDefault("meta-llama2", "meta.llama2-13b-chat-v1", Map.of()).render(chat);
        assertEquals("<s>[INST] <<SYS>>\nsys {{ messages }}\n<</SYS>>\n\n" + text + " [/INST] {%- raw %} </s>"
                + "<s>[INST] ok [/INST]", prompt);
    }

    @Test
    void pythonsPrecedenceOfNotIsKept() {
        assertEquals("{% if not ('x' in y) and not (z is defined) %}", JinjaSource.rewrite(
                "{% if not 'x' in y and not z is defined %}"));
        assertEquals("{%- if x is not none and a not in b -%}", JinjaSource.rewrite(
                "{%- if x is not none and a not in b -%}"));
        assertEquals("{{ f(not (a|length == 1), 'not b') }}", JinjaSource.rewrite("{{ f(not a|length == 1, 'not b') }}"));
        ChatTemplate t = ChatTemplate.of("{% if not messages|length == 2 %}one{% else %}two{% endif %}"
                + "{% if not 'x' in messages[0].content %}|no x{% endif %}", null, null);
        assertEquals("one|no x", t.render(List.of(Map.of("role", "user", "content", "abc")), null, false));
    }

    private static ChatRequest weatherConversation() throws Exception {
        ToolSpec weather = new ToolSpec("get_weather", "The current weather in a city.", JSON.readTree(
                "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", \"description\": "
                        + "\"The city, e.g. Paris\"}, \"unit\": {\"type\": \"string\", \"enum\": [\"celsius\", "
                        + "\"fahrenheit\"]}}, \"required\": [\"city\"]}"));
        return new ChatRequest(List.of("You answer weather questions."), List.of(
                user("What's the weather in Zürich?"),
                new ChatMessage(ChatRole.ASSISTANT, List.of(new ContentBlock.ToolUse("tooluse_1", "get_weather",
                        JSON.readTree("{\"city\": \"Zürich\", \"unit\": \"celsius\"}")))),
                new ChatMessage(ChatRole.USER, List.of(new ContentBlock.ToolResult("tooluse_1", List.of(
                        new ContentBlock.Text("{\"temperature\": 21.5, \"sky\": \"clear\"}")), false)))),
                64, SamplingParameters.greedy(), null, new ToolConfig(List.of(weather), null));
    }
}
