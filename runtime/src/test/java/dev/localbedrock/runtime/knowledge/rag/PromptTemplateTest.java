package dev.localbedrock.runtime.knowledge.rag;

import dev.localbedrock.codecs.agent.RetrieveBodies;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptTemplateTest {
    private static final List<RetrieveBodies.Result> RESULTS = List.of(
            new RetrieveBodies.Result("Oslo has a reactor.", "s3://b/a.txt", 0.9, Map.of()),
            new RetrieveBodies.Result("Rome has trains.", "s3://b/c.txt", 0.7, Map.of()));

    @Test
    void bothPlaceholdersAreFilledEveryTimeTheyAppear() {
        assertEquals("Q: where? R: Source 1 (s3://b/a.txt):\nOslo has a reactor.\n\nSource 2 (s3://b/c.txt):\n"
                        + "Rome has trains. Again: where?",
                PromptTemplate.fill("Q: $query$ R: $search_results$ Again: $query$", RESULTS, "where?"));
    }

    @Test
    void placeholdersInsideTheFilledTextAreNotFilledAgain() {
        List<RetrieveBodies.Result> tricky = List.of(new RetrieveBodies.Result("costs $query$ dollars", "s3://b/x",
                0.5, Map.of()));
        assertEquals("[Source 1 (s3://b/x):\ncosts $query$ dollars] $search_results$?",
                PromptTemplate.fill("[$search_results$] $query$", tricky, "$search_results$?"));
    }

    @Test
    void theDefaultTemplateCarriesTheQuestionAndTheResults() {
        String prompt = PromptTemplate.fill(null, RESULTS, "Which city has a reactor?");
        assertTrue(prompt.endsWith("Question: Which city has a reactor?"), prompt);
        assertTrue(prompt.contains("Source 2 (s3://b/c.txt):\nRome has trains."), prompt);
        assertEquals("plain text", PromptTemplate.fill("plain text", RESULTS, "q"), "no placeholder, no change");
        assertTrue(PromptTemplate.fill("$search_results$", List.of(), "q").contains("no results"));
    }
}
