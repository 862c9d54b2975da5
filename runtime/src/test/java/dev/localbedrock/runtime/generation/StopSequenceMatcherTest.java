package dev.localbedrock.runtime.generation;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StopSequenceMatcherTest {

    @Test
    void withoutStopSequencesEverythingPassesThrough() {
        StopSequenceMatcher m = new StopSequenceMatcher(List.of());
        assertEquals("abc", m.push("abc"));
        assertEquals("", m.flush());
    }

    @Test
    void holdsBackAPossibleStartAndReleasesItWhenItIsNot() {
        StopSequenceMatcher m = new StopSequenceMatcher(List.of("\nHuman:"));
        assertEquals("Hello", m.push("Hello\nHu"));
        assertEquals("\nHuge", m.push("ge"));
        assertFalse(m.stopped());
    }

    @Test
    void cutsAtTheStopSequenceAcrossPieces() {
        StopSequenceMatcher m = new StopSequenceMatcher(List.of("END"));
        assertEquals("ab", m.push("abE"));
        assertEquals("", m.push("N"));
        assertNull(m.matched(), "not matched while only a prefix has arrived");
        assertEquals("", m.push("D tail"));
        assertTrue(m.stopped());
        assertEquals("END", m.matched());
    }

    @Test
    void stopsOnTheEarliestSequence() {
        StopSequenceMatcher m = new StopSequenceMatcher(List.of("yz", "x"));
        assertEquals("ab", m.push("abxyz"));
        assertTrue(m.stopped());
        assertEquals("x", m.matched(), "the earliest in the text, not the first in the list");
        assertEquals("", m.push("more"));
        assertEquals("", m.flush());
    }

    @Test
    void flushReleasesHeldTextWhenTheGenerationEndsOtherwise() {
        StopSequenceMatcher m = new StopSequenceMatcher(List.of("STOP"));
        assertEquals("go ", m.push("go ST"));
        assertEquals("ST", m.flush());
        assertNull(m.matched());
    }

    @Test
    void ofSequencesStartingAtTheSamePlaceTheFirstListedIsReported() {
        StopSequenceMatcher m = new StopSequenceMatcher(List.of("abc", "ab"));
        assertEquals("x", m.push("xabc"));
        assertEquals("abc", m.matched());
    }
}
