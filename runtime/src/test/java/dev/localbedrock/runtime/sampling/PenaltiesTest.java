package dev.localbedrock.runtime.sampling;

import dev.localbedrock.codecs.inference.Penalty;
import dev.localbedrock.codecs.inference.RepetitionPenalties;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Penalties and logit bias change exactly the documented logits by exactly the documented amounts. */
class PenaltiesTest {
    // ids: 0 ordinary, 1 whitespace, 2 punctuation, 3 number, 4 stopword, 5 emoji, 6 special, 7 ordinary (unseen)
    private static final TokenClasses CLASSES = TokenClasses.of(new byte[] {0, TokenClasses.WHITESPACE,
            TokenClasses.PUNCTUATION, TokenClasses.NUMBER, TokenClasses.STOPWORD, TokenClasses.EMOJI,
            TokenClasses.SPECIAL, 0});
    /** Prompt plus generated tokens: counts 0→3, 1→1, 2→2, 3→1, 4→1, 5→1, 6→1; n = 10. */
    private static final int[] SEEN = {0, 0, 1, 2, 2, 3, 4, 5, 6, 0};
    private static final float[] LOGITS = {1.5f, -0.25f, 2f, 0.75f, 3f, -1f, 4f, 0.5f};

    private static float[] penalise(RepetitionPenalties p) {
        float[] l = LOGITS.clone();
        RepetitionPenalizer.of(p, CLASSES).apply(l, TokenCounts.of(SEEN));
        return l;
    }

    @Test
    void presenceSubtractsTheScaleOnceFromEverySeenToken() {
        float s = 0.7f;
        float[] l = penalise(new RepetitionPenalties(Penalty.of(s), Penalty.NONE, Penalty.NONE));
        // Default flags: everything penalised except emojis (applyToEmojis=true excludes them) and specials.
        assertArrayEquals(new float[] {1.5f - s, -0.25f - s, 2f - s, 0.75f - s, 3f - s, -1f, 4f, 0.5f}, l);
    }

    @Test
    void countSubtractsTheScaleTimesTheOccurrences() {
        float s = 0.3f;
        float[] l = penalise(new RepetitionPenalties(Penalty.NONE, Penalty.of(s), Penalty.NONE));
        assertArrayEquals(new float[] {1.5f - s * 3, -0.25f - s * 1, 2f - s * 2, 0.75f - s * 1, 3f - s * 1, -1f, 4f,
                0.5f}, l);
    }

    @Test
    void frequencySubtractsTheScaleTimesTheShareOfTheText() {
        float s = 2.5f;
        int n = SEEN.length;
        float[] l = penalise(new RepetitionPenalties(Penalty.NONE, Penalty.NONE, Penalty.of(s)));
        assertArrayEquals(new float[] {1.5f - s * 3 / n, -0.25f - s * 1 / n, 2f - s * 2 / n, 0.75f - s * 1 / n,
                3f - s * 1 / n, -1f, 4f, 0.5f}, l);
    }

    @Test
    void allThreeApplyInOrderPresenceCountFrequency() {
        float pr = 0.5f;
        float co = 0.25f;
        float fr = 4f;
        int n = SEEN.length;
        float[] l = penalise(new RepetitionPenalties(Penalty.of(pr), Penalty.of(co), Penalty.of(fr)));
        assertEquals(1.5f - pr - co * 3 - fr * 3 / n, l[0]);
        assertEquals(2f - pr - co * 2 - fr * 2 / n, l[2]);
        assertEquals(0.5f, l[7], "unseen tokens are untouched");
    }

    @Test
    void falseFlagsExemptTheirClassAndTrueApplyToEmojisExemptsEmojis() {
        float s = 1f;
        Penalty noWhitespace = new Penalty(s, false, true, true, true, true);
        Penalty noPunctuation = new Penalty(s, true, false, true, true, true);
        Penalty noNumbers = new Penalty(s, true, true, false, true, true);
        Penalty noStopwords = new Penalty(s, true, true, true, false, true);
        Penalty withEmojis = new Penalty(s, true, true, true, true, false);
        assertUntouched(noWhitespace, 1);
        assertUntouched(noPunctuation, 2);
        assertUntouched(noNumbers, 3);
        assertUntouched(noStopwords, 4);
        float[] l = penalise(new RepetitionPenalties(withEmojis, Penalty.NONE, Penalty.NONE));
        assertEquals(-1f - s, l[5], "applyToEmojis=false puts emojis under the penalty");
        assertEquals(4f, l[6], "special tokens are never penalised");
    }

    private static void assertUntouched(Penalty p, int exemptId) {
        float[] l = penalise(new RepetitionPenalties(p, Penalty.NONE, Penalty.NONE));
        for (int id = 0; id < 5; id++) {
            float expected = id == exemptId ? LOGITS[id] : LOGITS[id] - p.scale();
            assertEquals(expected, l[id], "id " + id + " with " + p);
        }
    }

    @Test
    void inactivePenaltiesAndEmptyBiasDoNothing() {
        assertNull(RepetitionPenalizer.of(RepetitionPenalties.NONE, CLASSES));
        assertNull(LogitBias.of(Map.of()));
    }

    @Test
    void logitBiasAddsExactlyTheBiasToTheNamedIds() {
        float[] l = LOGITS.clone();
        LogitBias.of(Map.of(0, -10f, 7, 2.25f, 3, 0.1f)).apply(l);
        assertArrayEquals(new float[] {1.5f - 10f, -0.25f, 2f, 0.75f + 0.1f, 3f, -1f, 4f, 0.5f + 2.25f}, l);
    }

    @Test
    void tokenTextsAreClassifiedByTheirDecodedForm() {
        assertEquals(TokenClasses.WHITESPACE, TokenClasses.classify(" "));
        assertEquals(TokenClasses.WHITESPACE, TokenClasses.classify("\n\n"));
        assertEquals(TokenClasses.WHITESPACE, TokenClasses.classify(""));
        assertEquals(TokenClasses.PUNCTUATION, TokenClasses.classify(" ."));
        assertEquals(TokenClasses.PUNCTUATION, TokenClasses.classify("\");"));
        assertEquals(TokenClasses.NUMBER, TokenClasses.classify(" 2023"));
        assertEquals(TokenClasses.STOPWORD, TokenClasses.classify(" The"));
        assertEquals(TokenClasses.EMOJI, TokenClasses.classify("\uD83D\uDE00"));
        assertEquals(TokenClasses.EMOJI, TokenClasses.classify("\u2764\uFE0F"));
        assertEquals(0, TokenClasses.classify(" world"));
        assertEquals(0, TokenClasses.classify("\uFFFD"));
        assertEquals(0, TokenClasses.classify("a1"));
    }

    @Test
    void countsGrowAndCopyIndependently() {
        TokenCounts c = new TokenCounts();
        for (int i = 0; i < 1000; i++) {
            c.add(i % 300);
        }
        assertEquals(300, c.distinct());
        assertEquals(1000, c.total());
        assertEquals(4, c.count(7));
        assertEquals(3, c.count(299));
        assertEquals(0, c.count(300));
        TokenCounts copy = c.copy();
        copy.add(7);
        assertEquals(4, c.count(7));
        assertEquals(5, copy.count(7));
    }
}
