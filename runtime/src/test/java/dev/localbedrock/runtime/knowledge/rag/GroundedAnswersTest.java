package dev.localbedrock.runtime.knowledge.rag;

import dev.localbedrock.codecs.agent.RetrieveAndGenerateBodies;
import dev.localbedrock.codecs.agent.RetrieveBodies;
import dev.localbedrock.codecs.chat.ChatMessage;
import dev.localbedrock.codecs.chat.ChatRole;
import dev.localbedrock.codecs.chat.ContentBlock;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The prompt a session's follow-up gets: the earlier turns as a chat, then the filled template. */
class GroundedAnswersTest {
    private static final List<RetrieveBodies.Result> RESULTS = List.of(
            new RetrieveBodies.Result("Oslo has a reactor.", "s3://b/a.txt", 0.9, Map.of()));

    /** Renders a chat as "ROLE: text" lines and answers with a fixed text. */
    private static final class Fake implements GroundedAnswers.Generator {
        final List<List<ChatMessage>> rendered = new ArrayList<>();

        @Override
        public String render(List<ChatMessage> messages) {
            rendered.add(messages);
            StringBuilder b = new StringBuilder();
            for (ChatMessage m : messages) {
                b.append(m.role()).append(": ").append(((ContentBlock.Text) m.content().get(0)).text()).append('\n');
            }
            return b.toString();
        }

        @Override
        public String generate(String prompt) {
            return "  Oslo has it.  ";
        }
    }

    private static RetrieveAndGenerateBodies.Request request(String question) {
        return new RetrieveAndGenerateBodies.Request(question, "KB", "m", new RetrieveBodies.Search(5, null),
                "R=$search_results$ Q=$query$", null, null, null, List.of(), null);
    }

    @Test
    void aFollowUpSeesTheEarlierTurnsAndTheTemplateIsUsed() {
        MutableClock clock = new MutableClock();
        GroundedAnswers answers = new GroundedAnswers(null, new Conversations(clock));
        Fake model = new Fake();
        String prompt = answers.prompt(request("Where?"), RESULTS, "s1", model);
        assertEquals("USER: R=Source 1 (s3://b/a.txt):\nOslo has a reactor. Q=Where?\n", prompt);
        GroundedAnswers.Answer first = answers.answer(request("Where?"), RESULTS, "s1", prompt, model);
        assertEquals("Oslo has it.", first.text());
        assertEquals(1, first.citations().size());
        String followUp = answers.prompt(request("Since when?"), RESULTS, "s1", model);
        assertEquals("USER: Where?\nASSISTANT: Oslo has it.\nUSER: R=Source 1 (s3://b/a.txt):\nOslo has a reactor."
                + " Q=Since when?\n", followUp);
        assertEquals(1, model.rendered.get(1).stream().filter(m -> m.role() == ChatRole.ASSISTANT).count());
        String fresh = "USER: R=Source 1 (s3://b/a.txt):\nOslo has a reactor. Q=x\n";
        assertEquals(fresh, answers.prompt(request("x"), RESULTS, "s2", model), "another session has no history");
        clock.now = clock.now.plus(Conversations.IDLE).minusSeconds(1);
        assertEquals(3, answers.prompt(request("x"), RESULTS, "s1", model).split("\n(?=[A-Z]+: )").length,
                "still within the idle time");
        clock.now = clock.now.plus(Conversations.IDLE).plusSeconds(1);
        assertEquals(fresh, answers.prompt(request("x"), RESULTS, "s1", model), "an idle session is forgotten");
    }

    @Test
    void onlyTheLastTurnsAreKept() {
        Conversations c = new Conversations(Clock.systemUTC());
        for (int i = 0; i < Conversations.KEPT_TURNS + 3; i++) {
            c.record("s", new Conversations.Turn("q" + i, "a" + i));
        }
        assertEquals(Conversations.KEPT_TURNS, c.history("s").size());
        assertEquals("q3", c.history("s").get(0).question());
    }

    private static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
