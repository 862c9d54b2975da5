package dev.localbedrock.runtime.chat;

import com.hubspot.jinjava.interpret.Context;
import dev.localbedrock.codecs.chat.ChatMessage;
import dev.localbedrock.codecs.chat.ChatRequest;
import dev.localbedrock.codecs.chat.ChatRole;
import dev.localbedrock.codecs.chat.ContentBlock;
import dev.localbedrock.codecs.inference.SamplingParameters;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chat templates are rendered by many threads at once (InvokeAgent's orchestration pool, concurrent InvokeModel
 * calls), all from one compiled tree and one Jinjava. A Jinjava {@code Context} shares its parent's set of loop
 * variables (each {@code for} tag adds its own and removes them after) and pushes every expression and value it
 * resolves up into its parents' sets, all plain HashSets; so renders whose contexts hung under the one global context
 * raced on them, and a {@code for} tag's clean-up could throw ConcurrentModificationException, which Jinjava reports
 * as "Error rendering tag" (an agent's turn then failed with "The agent's prompt could not be rendered").
 */
class ChatTemplateConcurrencyTest {
    private static final int THREADS = 8;
    private static final int RENDERS = 100;
    /** Many short {@code for} loops a render, so concurrent renders add and remove loop variables all the time. */
    private static final String LOOPING = "{% for message in messages %}{% for i in range(20) %}"
            + "{% for part in [message['role']] %}{{ part[0] }}{% endfor %}{% endfor %}{{ message['content'] }}\n"
            + "{% endfor %}";

    /** An agent's orchestration prompt: instruction, question, then calls and their observations. */
    private static ChatRequest agentConversation(int n) {
        List<ChatMessage> turns = new ArrayList<>();
        turns.add(text(ChatRole.USER, "Please refund order R" + n + "; it arrived damaged."));
        for (int step = 0; step < 3; step++) {
            turns.add(text(ChatRole.ASSISTANT, "{\"thought\":\"Refund it.\",\"action\":\"call\",\"actionGroup\":"
                    + "\"refunds\",\"apiPath\":\"/refund/{order}\",\"parameters\":{\"order\":\"R" + n + "\"}}"));
            turns.add(text(ChatRole.USER, "Observation from /refund/{order}: {\"refunded\":\"R" + n + "\"}"));
        }
        return new ChatRequest(List.of("You refund orders when asked.\nAnswer with one JSON object."), turns, 300,
                SamplingParameters.greedy(), List.of(), null);
    }

    private static ChatMessage text(ChatRole role, String text) {
        return new ChatMessage(role, List.of(new ContentBlock.Text(text)));
    }

    @Test
    void aRenderLeavesTheContextAllRendersShareAsItWas() {
        ChatTemplate.of(LOOPING, null, null).render(agentConversation(1));
        ChatTemplate.familyDefault("meta-llama2", "meta.llama2-13b-chat-v1", Map.of()).render(agentConversation(2));
        Context shared = JinjaEnvironment.INSTANCE.globalContext();
        assertEquals(List.of(), List.copyOf(shared.getResolvedExpressions()));
        assertEquals(List.of(), List.copyOf(shared.getResolvedValues()));
        assertTrue(shared.getDependencies().isEmpty(), shared.getDependencies().toString());
    }

    @Test
    void concurrentRendersAllSucceedAndEachIsTheLoneRender() throws Exception {
        rendersConcurrently(ChatTemplate.of(LOOPING, null, null));
        rendersConcurrently(ChatTemplate.familyDefault("meta-llama2", "meta.llama2-13b-chat-v1", Map.of()));
    }

    private static void rendersConcurrently(ChatTemplate template) throws Exception {
        List<String> expected = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            expected.add(template.render(agentConversation(t)));
        }
        CyclicBarrier start = new CyclicBarrier(THREADS);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    ChatRequest request = agentConversation(thread);
                    start.await();
                    int wrong = 0;
                    for (int i = 0; i < RENDERS; i++) {
                        if (!expected.get(thread).equals(template.render(request))) {
                            wrong++;
                        }
                    }
                    return wrong;
                }));
            }
            for (Future<Integer> r : results) {
                // get() rethrows a render's failure (ChatTemplateException, or Jinjava's InterpretException)
                assertEquals(0, r.get(120, TimeUnit.SECONDS), "renders that differed from the lone render");
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }
}
