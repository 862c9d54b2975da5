package dev.localbedrock.runtime.knowledge.rag;

import dev.localbedrock.codecs.agent.RetrieveAndGenerateBodies.Citation;
import dev.localbedrock.codecs.agent.RetrieveBodies;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CitationsTest {
    private static final RetrieveBodies.Result OSLO = new RetrieveBodies.Result(
            "The Zorblat reactor in Oslo opened in 1987.", "s3://b/oslo.txt", 0.9, Map.of());
    private static final RetrieveBodies.Result ROME = new RetrieveBodies.Result(
            "The night train to Rome leaves at nine.", "s3://b/rome.txt", 0.8, Map.of());

    @Test
    void eachSentenceIsOneCitationWithItsExactSpan() {
        String answer = "  The reactor opened in 1987. Trains to Rome leave at nine!\nAsk again?  ";
        List<Citation> citations = Citations.of(answer, List.of(OSLO, ROME));
        assertEquals(List.of("The reactor opened in 1987.", "Trains to Rome leave at nine!", "Ask again?"),
                citations.stream().map(Citation::text).toList());
        for (Citation c : citations) {
            assertEquals(c.text(), answer.substring(c.start(), c.end() + 1), "end is inclusive");
            assertTrue(c.end() < answer.length());
        }
    }

    @Test
    void referencesAreOrderedByWordOverlapThenByRetrievalRank() {
        List<Citation> citations = Citations.of("Trains to Rome leave at nine. Nothing shared here",
                List.of(OSLO, ROME));
        assertEquals(List.of(ROME, OSLO), citations.get(0).references(), "Rome's chunk shares more words");
        assertEquals(List.of(OSLO, ROME), citations.get(1).references(), "no overlap keeps the retrieval order");
    }

    @Test
    void decimalsAndTextWithoutATerminatorStayWhole() {
        assertEquals(List.of("Version 2.5 is out"), Citations.of("Version 2.5 is out", List.of()).stream()
                .map(Citation::text).toList());
        assertTrue(Citations.of("   ", List.of(OSLO)).isEmpty(), "a blank answer cites nothing");
    }
}
