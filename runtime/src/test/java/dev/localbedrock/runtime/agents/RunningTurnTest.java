package dev.localbedrock.runtime.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.localbedrock.codecs.chat.ChatMessage;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A turn blocks on its model for as long as its steps take. InvokeAgent opens sessions on the server's few request
 * threads, and opening one checks every session's expiry; so while a turn runs, opening any session (its own, for
 * the next call, or another) must not wait for that turn to end.
 */
class RunningTurnTest {
    private static final String ANSWER = "{\"thought\":\"Done.\",\"action\":\"answer\",\"text\":\"All done.\"}";

    private static AgentSnapshot agent() {
        return new AgentSnapshot("AGENT12345", "arn:aws:bedrock:us-east-1:123456789012:agent/AGENT12345", "waiter",
                "TSTALIASID", "arn:aws:bedrock:us-east-1:123456789012:agent-alias/AGENT12345/TSTALIASID", "DRAFT",
                "You answer.", "meta.llama2-13b-chat-v1", null, 600, null, List.of(), List.of());
    }

    /** A model whose one step waits for {@code release}, after saying it has started. */
    private record HeldModel(CountDownLatch generating, CountDownLatch release) implements OrchestrationModel {
        @Override
        public String render(List<String> system, List<ChatMessage> messages, InferenceSettings settings) {
            return "prompt";
        }

        @Override
        public int contextRoom(String prompt) {
            return 4096;
        }

        @Override
        public Output generate(String prompt, JsonNode schema, InferenceSettings settings)
                throws InterruptedException {
            generating.countDown();
            release.await();
            return new Output(ANSWER, 1, 1, true);
        }
    }

    /** The turn's answer, once it ends. */
    private static final class Answer implements TurnEvents {
        final CompletableFuture<String> text = new CompletableFuture<>();

        @Override
        public boolean open() {
            return true;
        }

        @Override
        public void trace(ObjectNode tracePart) {
        }

        @Override
        public void chunk(String t, ArrayNode citations) {
            text.complete(t);
        }

        @Override
        public void returnControl(ObjectNode payload) {
            text.completeExceptionally(new AssertionError("returned control"));
        }

        @Override
        public void dependencyFailed(String message, String resourceName) {
            text.completeExceptionally(new AssertionError(message));
        }

        @Override
        public void end() {
        }
    }

    @Test
    void sessionsOpenWhileATurnWaitsForItsModel() throws Exception {
        AgentSessions sessions = new AgentSessions(Clock.systemUTC());
        AgentSnapshot agent = agent();
        AgentSessions.Session busy = sessions.open(agent.agentId(), agent.aliasId(), "busy-1", 600);
        HeldModel model = new HeldModel(new CountDownLatch(1), new CountDownLatch(1));
        Answer answer = new Answer();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<?> turn = threads.submit(() -> {
                new AgentOrchestrator(agent, busy, model, new FunctionInvoker(), (kb, query) -> List.of(), answer,
                        Clock.systemUTC()).run(new AgentOrchestrator.Turn("busy-1", "Hello?", false, Map.of()));
                return null;
            });
            assertTrue(model.generating().await(60, TimeUnit.SECONDS), "the turn reached its model");
            // What InvokeAgent's request thread does for a call on another session, then on the busy one.
            Future<AgentSessions.Session> opened = threads.submit(() -> {
                sessions.open(agent.agentId(), agent.aliasId(), "other-1", 600).putAttributes(Map.of("k", "v"));
                AgentSessions.Session same = sessions.open(agent.agentId(), agent.aliasId(), "busy-1", 600);
                same.putAttributes(Map.of("k", "v"));
                same.waitingInvocationId();
                return same;
            });
            try {
                // Waiting on the turn would wait here for ever: the model is held until after this.
                assertSame(busy, opened.get(60, TimeUnit.SECONDS));
            } finally {
                model.release().countDown();
            }
            turn.get(60, TimeUnit.SECONDS);
            assertEquals("All done.", answer.text.get(60, TimeUnit.SECONDS));
            assertEquals(List.of(new AgentSessions.Turn("Hello?", "All done.")), busy.recentTurns());
        } finally {
            threads.shutdownNow();
            assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
        }
    }
}
