package dev.localbedrock.codecs.inference;


import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The family-neutral request and outcome types: defaults that keep single-generation families unchanged. */
class NeutralTypesTest {

    @Test
    void theShortFormsMeanOneGenerationNoPenaltiesNoBiasNoLikelihoods() {
        TextGenerationRequest r = new TextGenerationRequest("p", 5, SamplingParameters.greedy(), null);
        assertEquals(1, r.numGenerations());
        assertEquals(LikelihoodMode.NONE, r.returnLikelihoods());
        assertFalse(r.sampling().penalties().isActive());
        assertTrue(r.sampling().logitBias().isEmpty());
        assertThrows(IllegalArgumentException.class,
                () -> new TextGenerationRequest("p", 5, SamplingParameters.greedy(), List.of(), 0, null));
    }

    @Test
    void penaltiesAreActiveOnlyWithANonZeroScale() {
        assertFalse(RepetitionPenalties.NONE.isActive());
        assertTrue(new RepetitionPenalties(Penalty.NONE, Penalty.of(0.5f), Penalty.NONE).isActive());
        Penalty p = Penalty.of(1f);
        assertTrue(p.applyToWhitespaces() && p.applyToPunctuations() && p.applyToNumbers()
                && p.applyToStopwords() && p.applyToEmojis(), "every flag defaults to true");
    }

    @Test
    void samplingCopiesKeepTheOtherFields() {
        SamplingParameters s = new SamplingParameters(0.5f, 0.9f, 40, 7L)
                .withLogitBias(Map.of(3, -2f))
                .withPenalties(new RepetitionPenalties(Penalty.of(1f), Penalty.NONE, Penalty.NONE));
        assertEquals(Map.of(3, -2f), s.logitBias());
        assertEquals(40, s.topK());
        assertEquals(9L, s.withSeed(9L).seed());
        assertEquals(s.penalties(), s.withSeed(9L).penalties());
    }

    @Test
    void anOutcomeOfSeveralGenerationsHeadlinesTheFirstAndSumsTheTokens() {
        Generation a = new Generation(0, "one", new int[] {5, 6}, 2, StopReason.MAX_TOKENS, null);
        Generation b = new Generation(1, "two", new int[] {7}, 1, StopReason.END_OF_SEQUENCE, null);
        GenerationOutcome o = GenerationOutcome.of(4, List.of(a, b), null);
        assertEquals("one", o.text());
        assertEquals(3, o.outputTokenCount());
        assertEquals(StopReason.MAX_TOKENS, o.stopReason());
        assertEquals(2, o.generations().size());
        GenerationOutcome single = new GenerationOutcome("x", 1, 1, StopReason.STOP_SEQUENCE);
        assertEquals(1, single.generations().size());
        assertEquals("x", single.generations().get(0).text());
        assertEquals(0, new StreamChunk("t", 1, 1, true, null, null).generationIndex());
    }

    @Test
    void embeddingTypesNeedSomethingToEmbedAndDefaultToNoTruncation() {
        assertThrows(IllegalArgumentException.class, () -> new EmbeddingRequest(List.of(), null));
        assertThrows(NullPointerException.class, () -> new EmbeddingRequest(null, null));
        assertEquals(EmbeddingRequest.Truncation.NONE, new EmbeddingRequest(List.of("a"), null).truncation());
        assertEquals(new EmbeddingRequest(List.of("a"), EmbeddingRequest.Truncation.NONE), EmbeddingRequest.of("a"));
        assertThrows(IllegalArgumentException.class, () -> new EmbeddingOutcome(List.of(), 0));
        assertThrows(IllegalArgumentException.class, () -> new EmbeddingOutcome(List.of(new float[1]), -1));
        assertEquals(2, new EmbeddingOutcome(List.of(new float[3]), 2).inputTokenCount());
    }
}
