package dev.localbedrock.runtime.agents;

import dev.localbedrock.codecs.chat.ChatMessage;
import dev.localbedrock.codecs.chat.ChatRole;
import dev.localbedrock.codecs.chat.ContentBlock;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the last observation a step shows is shortened when the next prompt would not leave room for an answer. */
class ObservationShorteningTest {

    private static String text(ChatMessage m) {
        return ((ContentBlock.Text) m.content().get(0)).text();
    }

    private static ChatMessage message(ChatRole role, String text) {
        return new ChatMessage(role, List.of(new ContentBlock.Text(text)));
    }

    @Test
    void theLastObservationHalvesDownToItsLeastAndIsMarked() {
        AgentOrchestrator.Progress p = new AgentOrchestrator.Progress("question");
        String observation = "Observation from /refund/{order}: " + "x".repeat(366);
        p.scratchpad.add(message(ChatRole.ASSISTANT, "{\"action\":\"call\"}"));
        p.scratchpad.add(message(ChatRole.USER, observation));
        List<Integer> lengths = new java.util.ArrayList<>();
        while (p.shortenLastObservation()) {
            String shown = text(p.scratchpad.get(1));
            assertTrue(shown.endsWith(AgentOrchestrator.SHORTENED), shown);
            String kept = shown.substring(0, shown.length() - AgentOrchestrator.SHORTENED.length());
            assertTrue(observation.startsWith(kept), "a shortened observation is its own beginning");
            lengths.add(kept.length());
        }
        // 400 characters: 200, 100, 50, then the least (48) ends it; the call before it is untouched.
        assertEquals(List.of(200, 100, 50, 48), lengths);
        assertEquals("{\"action\":\"call\"}", text(p.scratchpad.get(0)));
        assertEquals(2, p.scratchpad.size());
    }

    @Test
    void onlyAnObservationLastInTheScratchpadIsShortened() {
        AgentOrchestrator.Progress p = new AgentOrchestrator.Progress("question");
        assertFalse(p.shortenLastObservation(), "nothing observed yet");
        p.scratchpad.add(message(ChatRole.USER, "y".repeat(500)));
        p.scratchpad.add(message(ChatRole.ASSISTANT, "z".repeat(500)));
        assertFalse(p.shortenLastObservation(), "the model's own output is never cut");
        AgentOrchestrator.Progress small = new AgentOrchestrator.Progress("question");
        small.scratchpad.add(message(ChatRole.USER, "short observation"));
        assertFalse(small.shortenLastObservation());
        assertEquals("short observation", text(small.scratchpad.get(0)));
    }

    @Test
    void aCutNeverSplitsASurrogatePair() {
        AgentOrchestrator.Progress p = new AgentOrchestrator.Progress("question");
        // 49 ASCII characters then emoji (two UTF-16 units each): the first cut at 100 units would land inside one.
        String observation = "a".repeat(49) + "\uD83D\uDE00".repeat(40);
        p.scratchpad.add(message(ChatRole.USER, observation));
        while (p.shortenLastObservation()) {
            String shown = text(p.scratchpad.get(0));
            String kept = shown.substring(0, shown.length() - AgentOrchestrator.SHORTENED.length());
            assertFalse(Character.isHighSurrogate(kept.charAt(kept.length() - 1)), kept);
        }
    }
}
