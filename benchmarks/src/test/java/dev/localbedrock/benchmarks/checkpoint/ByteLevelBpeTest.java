package dev.localbedrock.benchmarks.checkpoint;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ByteLevelBpeTest {

    @Test
    void baseVocabularyIsSpecialsThenTheBytes() {
        ByteLevelBpe.Vocabulary v = ByteLevelBpe.build(ByteLevelBpe.BASE_VOCAB);
        assertEquals(259, v.size());
        assertTrue(v.merges().isEmpty());
        assertEquals(List.of("<unk>", "<s>", "</s>"), v.tokens().subList(0, 3));
        String[] bytes = ByteLevelBpe.byteToUnicode();
        for (int b = 0; b < 256; b++) {
            assertEquals(bytes[b], v.tokens().get(3 + b));
        }
        assertEquals("Ġ", bytes[' ']);
        assertEquals("Ċ", bytes['\n']);
        assertEquals("A", bytes['A']);
    }

    @Test
    void mergesAreWellFormedUniqueAndDeterministic() {
        ByteLevelBpe.Vocabulary v = ByteLevelBpe.build(3000);
        assertEquals(3000, v.size());
        assertEquals(3000 - 259, v.merges().size());
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < v.size(); i++) {
            assertNull(ids.put(v.tokens().get(i), i), "duplicate token " + v.tokens().get(i));
        }
        for (int m = 0; m < v.merges().size(); m++) {
            String[] pair = v.merges().get(m);
            int created = 259 + m;
            assertEquals(pair[0] + pair[1], v.tokens().get(created));
            assertTrue(ids.get(pair[0]) < created && ids.get(pair[1]) < created, "merge " + m + " uses later tokens");
            assertTrue(!pair[0].contains(" ") && !pair[1].contains(" "), "merge parts hold no spaces");
        }
        // a separate training run (another size, so not the cache) gives the same tables: smaller is a prefix
        ByteLevelBpe.Vocabulary larger = ByteLevelBpe.build(3001);
        assertEquals(v.tokens(), larger.tokens().subList(0, 3000));
    }

    @Test
    void frequentEnglishWordsBecomeSingleTokens() {
        ByteLevelBpe.Vocabulary v = ByteLevelBpe.build(32000);
        assertEquals(32000, v.size());
        Set<String> tokens = new HashSet<>(v.tokens());
        for (String w : new String[] {"Ġthe", "Ġand", "Ġtime", "Ġlittle", "Ġgirl", "Ġonce", "the", "Ġupon"}) {
            assertTrue(tokens.contains(w), w);
        }
    }

    @Test
    void rejectsVocabulariesSmallerThanTheBytes() {
        assertThrows(IllegalArgumentException.class, () -> ByteLevelBpe.build(100));
    }
}
