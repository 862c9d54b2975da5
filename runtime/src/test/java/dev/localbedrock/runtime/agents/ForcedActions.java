package dev.localbedrock.runtime.agents;

import java.util.concurrent.ConcurrentLinkedDeque;

/** Tests choose an agent's next orchestration outputs instead of sampling them from a random-weight model. */
public final class ForcedActions {
    private ForcedActions() {
    }

    /** The next orchestration steps of {@code agentId} output {@code actions} (JSON), in order. */
    public static void force(String agentId, String... actions) {
        AgentOrchestrator.FORCED_ACTIONS.computeIfAbsent(agentId, k -> new ConcurrentLinkedDeque<>())
                .addAll(java.util.List.of(actions));
    }

    /** Forgets what is left to force for {@code agentId}. */
    public static void clear(String agentId) {
        AgentOrchestrator.FORCED_ACTIONS.remove(agentId);
    }
}
