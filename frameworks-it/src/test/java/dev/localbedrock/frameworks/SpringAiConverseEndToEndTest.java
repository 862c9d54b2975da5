package dev.localbedrock.frameworks;

import dev.localbedrock.runtime.BedrockService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.bedrock.converse.BedrockChatOptions;
import org.springframework.ai.bedrock.converse.BedrockProxyChatModel;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.localbedrock.frameworks.FrameworkTestServer.MODEL_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spring AI's Bedrock Converse chat model (spring-ai-bedrock-converse: {@link BedrockProxyChatModel}, call and
 * stream) against the real server, through its plain builder, no Spring context, handed SDK clients that carry only
 * an endpoint override, static credentials and a region. Random weights: the checks are on structure, never wording.
 */
class SpringAiConverseEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    static Path workDir;
    static BedrockService service;
    static BedrockRuntimeClient sync;
    static BedrockRuntimeAsyncClient async;
    static BedrockProxyChatModel model;

    @BeforeAll
    static void start() throws Exception {
        service = FrameworkTestServer.start(workDir);
        sync = FrameworkTestServer.sync(service);
        async = FrameworkTestServer.async(service);
        model = BedrockProxyChatModel.builder().bedrockRuntimeClient(sync).bedrockRuntimeAsyncClient(async)
                .defaultOptions(BedrockChatOptions.builder().model(MODEL_ID).temperature(0.0).maxTokens(8).build())
                .build();
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {sync, async, service}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // closing what is left
            }
        }
    }

    @Test
    void callsWithASystemMessageOverSeveralTurns() {
        ChatResponse one = model.call(new Prompt(List.of(new UserMessage("Hello there"))));
        ChatResponse withSystem = model.call(new Prompt(List.<Message>of(new SystemMessage("You are terse."),
                new UserMessage("Hello there"))));
        ChatResponse turns = model.call(new Prompt(List.of(new SystemMessage("You are terse."),
                new UserMessage("Hello there"), new AssistantMessage(text(withSystem)), new UserMessage("And then?"))));
        for (ChatResponse response : List.of(one, withSystem, turns)) {
            assertATextAnswer(response, 8);
        }
        assertTrue(usage(withSystem).getPromptTokens() > usage(one).getPromptTokens(), "the system message is read");
        assertTrue(usage(turns).getPromptTokens() > usage(withSystem).getPromptTokens(), "earlier turns are read");
    }

    @Test
    void stopSequencesFromTheOptionsEndTheAnswer() {
        BedrockChatOptions longer = BedrockChatOptions.builder().model(MODEL_ID).temperature(0.0).maxTokens(16).build();
        ChatResponse unstopped = model.call(new Prompt(List.of(new UserMessage("Hello world")), longer));
        String cut = text(unstopped);
        String stop = FrameworkTestServer.stopSequenceInside(cut);
        ChatResponse stopped = model.call(new Prompt(List.of(new UserMessage("Hello world")),
                BedrockChatOptions.builder().model(MODEL_ID).temperature(0.0).maxTokens(16)
                        .stopSequences(List.of(stop)).build()));
        assertEquals("stop_sequence", stopped.getResult().getMetadata().getFinishReason().toLowerCase());
        assertEquals(cut.substring(0, cut.indexOf(stop)), text(stopped), "cut at " + stop);
    }

    @Test
    void theStreamAddsUpToTheCall() {
        Prompt prompt = new Prompt(List.of(new SystemMessage("You are terse."), new UserMessage("Hello there")));
        ChatResponse unary = model.call(prompt);
        List<ChatResponse> chunks = model.stream(prompt).collectList().block(TIMEOUT);
        assertNotNull(chunks);
        assertFalse(chunks.isEmpty());
        String streamed = chunks.stream().filter(c -> c.getResult() != null && c.getResult().getOutput() != null)
                .map(c -> c.getResult().getOutput().getText()).filter(Objects::nonNull)
                .collect(Collectors.joining());
        assertEquals(text(unary), streamed);
        // The last chunk carries the usage (ConverseStream's metadata event).
        Usage last = chunks.get(chunks.size() - 1).getMetadata().getUsage();
        assertEquals(usage(unary).getPromptTokens(), last.getPromptTokens());
        assertEquals(usage(unary).getCompletionTokens(), last.getCompletionTokens());
        // No chunk carries the stop reason: Spring AI 1.0's stream folds messageStop into its aggregation and emits
        // the metadata event without generations, against Bedrock itself too.
    }

    private static void assertATextAnswer(ChatResponse response, int maxTokens) {
        assertFalse(text(response).isEmpty(), response.toString());
        assertTrue(Set.of("end_turn", "max_tokens").contains(
                response.getResult().getMetadata().getFinishReason().toLowerCase()), response.toString());
        Usage usage = usage(response);
        assertTrue(usage.getPromptTokens() > 0, usage.toString());
        assertTrue(usage.getCompletionTokens() > 0 && usage.getCompletionTokens() <= maxTokens, usage.toString());
        assertEquals(usage.getPromptTokens() + usage.getCompletionTokens(), usage.getTotalTokens());
    }

    private static String text(ChatResponse response) {
        String text = response.getResult().getOutput().getText();
        return text == null ? "" : text;
    }

    private static Usage usage(ChatResponse response) {
        return response.getMetadata().getUsage();
    }
}
